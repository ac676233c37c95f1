#!/usr/bin/env node
// Sums JUnit files from every runner into the one line CI reads: "Tests: N passed, N failed, N skipped".
// A missing or unreadable file counts as a failure, so a runner that died can't pass by silence.
'use strict';
const fs = require('node:fs');

let passed = 0, failed = 0, skipped = 0;
for (const file of process.argv.slice(2)) {
  let xml;
  try {
    xml = fs.readFileSync(file, 'utf8');
  } catch {
    console.log(`tally: ${file} is missing (its runner did not finish): counted as 1 failed`);
    failed++;
    continue;
  }
  let p = 0, f = 0, s = 0;
  for (const m of xml.matchAll(/<testcase\b[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const inner = m[2] || '';
    if (/<(failure|error)\b/.test(inner)) f++;
    else if (/<skipped\b/.test(inner)) s++;
    else p++;
  }
  if (p + f + s === 0) {
    console.log(`tally: ${file} has no test cases: counted as 1 failed`);
    f = 1;
  }
  console.log(`tally: ${file}: ${p} passed, ${f} failed, ${s} skipped`);
  passed += p; failed += f; skipped += s;
}
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
