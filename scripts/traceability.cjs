#!/usr/bin/env node
// Requirement ID → scenarios → verdict, generated from a cucumber JSON report (never by hand).
// Fails on a tag that names no requirement: a typo would otherwise hide a gap.
// Several JSON reports (the shards of one run, docs/lab.md) merge into one result; a scenario that
// ran in two of them is an error (shards must split the suite, not repeat it).
//   node scripts/traceability.cjs [report.json ...] [out.md]
'use strict';
require('ts-node').register({ transpileOnly: true });
const fs = require('node:fs');
const path = require('node:path');
const { readResults, readRequirements, traceability } = require('../src/certify/results.ts');

const args = process.argv.slice(2);
const outFile = args.find((a) => a.endsWith('.md')) ?? 'reports/traceability.md';
const jsonFiles = args.filter((a) => !a.endsWith('.md'));
if (!jsonFiles.length) jsonFiles.push('reports/cucumber-emulator.json');
const jsonFile = jsonFiles.join(', ');
const results = [];
const ranIn = new Map();
for (const file of jsonFiles) {
  let one;
  try {
    one = readResults(file);
  } catch (e) {
    console.error(`traceability: cannot read ${file}: ${e.message}`);
    process.exit(1);
  }
  for (const r of one) {
    const key = `${r.file}:${r.line}`;
    if (ranIn.has(key)) {
      console.error(`traceability: ${key} ran in both ${ranIn.get(key)} and ${file}`);
      process.exit(1);
    }
    ranIn.set(key, file);
    results.push(r);
  }
}
if (jsonFiles.length > 1) console.log(`traceability: ${results.length} scenarios merged from ${jsonFiles.length} reports`);
const { rows, unknownTags } = traceability(readRequirements(path.join(__dirname, '..', 'docs', 'requirements.md')), results);
const lines = [
  '# Traceability: manual and domain requirements → scenarios → verdict',
  '',
  `Generated from \`${jsonFile}\`.`,
  '',
  '| ID | requirement | scenarios | verdict |',
  '|---|---|---|---|',
];
for (const r of rows) lines.push(`| ${r.requirement.id} | ${r.requirement.text.slice(0, 90).replace(/\|/g, '\\|')} | ${r.scenarios.length} | ${r.verdict} |`);
lines.push('', '## Scenarios per requirement', '');
for (const r of rows) {
  lines.push(`### ${r.requirement.id}`, ...(r.scenarios.length ? r.scenarios.map((s) => `- ${s.verdict} — ${s.file}:${s.line} ${s.name}`) : ['- (none)']), '');
}
fs.mkdirSync(path.dirname(outFile), { recursive: true });
fs.writeFileSync(outFile, lines.join('\n') + '\n');
const covered = rows.filter((r) => r.scenarios.length > 0).length;
console.log(`traceability: ${covered}/${rows.length} requirements covered by scenarios → ${outFile}`);
const missing = rows.filter((r) => r.scenarios.length === 0).map((r) => r.requirement.id);
if (missing.length) console.log(`traceability: not covered: ${missing.join(', ')}`);
if (unknownTags.length) {
  console.error(`traceability: tags naming no requirement in docs/requirements.md:\n  ${unknownTags.join('\n  ')}`);
  process.exit(1);
}
