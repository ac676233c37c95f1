#!/usr/bin/env node
// The same scenarios must reach the same verdicts on every profile: compares cucumber JSON
// reports scenario by scenario and writes one JUnit case per profile pair.
'use strict';
require('ts-node').register({ transpileOnly: true });
const fs = require('node:fs');
const path = require('node:path');
const { readResults } = require('../src/certify/results.ts');

const [baseline, ...others] = process.argv.slice(2);
const key = (r) => `${r.file}:${r.line} ${r.name}`;
const load = (f) => new Map(readResults(f).map((r) => [key(r), r.verdict]));
const cases = [];
let base;
try {
  base = load(baseline);
} catch (e) {
  console.error(`compare-verdicts: cannot read ${baseline}: ${e.message}`);
  process.exit(1);
}
for (const other of others) {
  const diffs = [];
  let theirs;
  try {
    theirs = load(other);
  } catch (e) {
    diffs.push(`cannot read ${other}: ${e.message}`);
    theirs = new Map();
  }
  // N/A is not a verdict: a scenario the profile cannot run (with its reason in the report) is left out.
  let na = 0;
  for (const [k, v] of base) {
    if (v === 'N/A' || theirs.get(k) === 'N/A') {
      na++;
      continue;
    }
    if (theirs.get(k) !== v) diffs.push(`${k}: ${path.basename(baseline)} ${v}, ${path.basename(other)} ${theirs.get(k) ?? 'missing'}`);
  }
  for (const k of theirs.keys()) if (!base.has(k)) diffs.push(`${k}: only in ${path.basename(other)}`);
  const name = `identical verdicts: ${path.basename(baseline)} vs ${path.basename(other)} (${base.size - na} scenarios compared, ${na} N/A on one side)`;
  console.log(diffs.length ? `FAIL ${name}\n  ${diffs.join('\n  ')}` : `ok   ${name}`);
  cases.push({ name, diffs });
}
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
fs.writeFileSync(path.join('reports', 'verdicts.xml'), ['<?xml version="1.0"?>', `<testsuites><testsuite name="verdicts" tests="${cases.length}">`]
  .concat(cases.map((c) => (c.diffs.length ? `<testcase name="${esc(c.name)}"><failure message="${esc(c.diffs.join('; '))}"/></testcase>` : `<testcase name="${esc(c.name)}"/>`)))
  .concat(['</testsuite></testsuites>']).join('\n') + '\n');
process.exit(cases.some((c) => c.diffs.length) ? 1 : 0);
