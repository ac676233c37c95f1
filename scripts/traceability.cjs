#!/usr/bin/env node
// Requirement ID → scenarios → verdict, generated from the suite's tags (never written by hand).
// Fails on a tag that names no requirement (a typo would otherwise hide a gap).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const [jsonFile = 'reports/cucumber-emulator.json', outFile = 'reports/traceability.md'] = process.argv.slice(2);
const catalogue = fs.readFileSync(path.join(__dirname, '..', 'docs', 'requirements.md'), 'utf8');
const requirements = new Map();
for (const m of catalogue.matchAll(/^- \*\*([A-Z0-9-]+)\*\*\s*(.*)$/gm)) requirements.set(m[1], m[2].replace(/\s+/g, ' ').slice(0, 90));

let features;
try {
  features = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
} catch (e) {
  console.error(`traceability: cannot read ${jsonFile}: ${e.message}`);
  process.exit(1);
}

const SECTION_TAG = /^@(P\d{3}|DOM)$/;
const byId = new Map([...requirements.keys()].map((id) => [id, []]));
const unknown = new Set();
for (const feature of features) {
  for (const sc of feature.elements || []) {
    if (sc.type !== 'scenario') continue;
    const statuses = (sc.steps || []).map((s) => s.result && s.result.status);
    const verdict = statuses.every((s) => s === 'passed') ? 'PASS' : statuses.some((s) => s === 'failed') ? 'FAIL' : 'NOT RUN';
    const where = `${path.basename(feature.uri)}:${sc.line} ${sc.name}`;
    for (const { name } of sc.tags || []) {
      if (SECTION_TAG.test(name)) continue;
      const id = name.slice(1);
      if (!byId.has(id)) unknown.add(`${name} (${where})`);
      else byId.get(id).push({ where, verdict });
    }
  }
}

const lines = ['# Traceability: manual and domain requirements → scenarios → verdict', '', `Generated from \`${jsonFile}\`.`, '', '| ID | requirement | scenarios | verdict |', '|---|---|---|---|'];
let covered = 0;
for (const [id, runs] of byId) {
  const verdict = runs.length === 0 ? 'NOT COVERED' : runs.every((r) => r.verdict === 'PASS') ? 'PASS' : 'FAIL';
  if (runs.length) covered++;
  lines.push(`| ${id} | ${requirements.get(id).replace(/\|/g, '\\|')} | ${runs.length} | ${verdict} |`);
}
lines.push('', '## Scenarios per requirement', '');
for (const [id, runs] of byId) {
  lines.push(`### ${id}`, ...(runs.length ? runs.map((r) => `- ${r.verdict} — ${r.where}`) : ['- (none)']), '');
}
fs.mkdirSync(path.dirname(outFile), { recursive: true });
fs.writeFileSync(outFile, lines.join('\n') + '\n');
const missing = [...byId].filter(([, r]) => r.length === 0).map(([id]) => id);
console.log(`traceability: ${covered}/${byId.size} requirements covered by scenarios → ${outFile}`);
if (missing.length) console.log(`traceability: not covered: ${missing.join(', ')}`);
if (unknown.size) {
  console.error(`traceability: tags naming no requirement in docs/requirements.md:\n  ${[...unknown].join('\n  ')}`);
  process.exit(1);
}
