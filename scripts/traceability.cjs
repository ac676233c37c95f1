#!/usr/bin/env node
// Requirement ID → scenarios → verdict, generated from a cucumber JSON report (never by hand).
// Fails on a tag that names no requirement: a typo would otherwise hide a gap.
'use strict';
require('ts-node').register({ transpileOnly: true });
const fs = require('node:fs');
const path = require('node:path');
const { readResults, readRequirements, traceability } = require('../src/certify/results.ts');

const [jsonFile = 'reports/cucumber-emulator.json', outFile = 'reports/traceability.md'] = process.argv.slice(2);
let results;
try {
  results = readResults(jsonFile);
} catch (e) {
  console.error(`traceability: cannot read ${jsonFile}: ${e.message}`);
  process.exit(1);
}
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
