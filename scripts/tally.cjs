#!/usr/bin/env node
// Sums JUnit files from every runner (node's junit reporter, cucumber's junit formatter) into the
// one line CI reads: "Tests: N passed, N failed, N skipped". Each file is parsed as XML
// (fast-xml-parser); every <testcase>, however deep in <testsuite>s, counts once: failed with a
// <failure> or <error>, skipped with a <skipped> (cucumber's N/A scenarios, node's skip and todo),
// passed otherwise. A missing, malformed or empty file counts as a failure, so a runner that died
// can't pass by silence. Each failed case is named with the first line of its message, so a log
// cut to its last lines still says what failed.
'use strict';
const fs = require('node:fs');
const { XMLParser, XMLValidator } = require('fast-xml-parser');

const parser = new XMLParser({ ignoreAttributes: false, htmlEntities: true, isArray: (name) => name === 'testsuite' || name === 'testcase' });

/** The first non-empty line of a <failure> or <error>: its message attribute, else its text. */
function firstLine(f) {
  const text = typeof f === 'object' && f !== null ? (f['@_message'] ?? f['#text'] ?? '') : String(f ?? '');
  // node's junit reporter escapes some messages twice (&amp;quot;): one more pass, for people.
  const once = String(text).replace(/&(quot|amp|lt|gt|apos);/g, (_m, e) => ({ quot: '"', amp: '&', lt: '<', gt: '>', apos: "'" })[e]);
  const line =
    once
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l) ?? '';
  return line.length > 240 ? `${line.slice(0, 239)}…` : line;
}

/** The test cases of one JUnit document, counted, and the failed ones named; throws when it is not well-formed XML. */
function readJunit(xml) {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`not well-formed XML (line ${valid.err.line}: ${valid.err.msg})`);
  const counts = { passed: 0, failed: 0, skipped: 0 };
  const failures = [];
  const visit = (node) => {
    if (!node || typeof node !== 'object') return;
    for (const c of node.testcase ?? []) {
      const f = c.failure ?? c.error;
      if (f !== undefined) {
        counts.failed++;
        failures.push({ name: String(c['@_name'] ?? '?'), message: firstLine(f) });
      } else if (c.skipped !== undefined) counts.skipped++;
      else counts.passed++;
    }
    for (const s of node.testsuite ?? []) visit(s);
  };
  const doc = parser.parse(xml);
  visit(doc.testsuites ?? {});
  visit({ testsuite: doc.testsuite });
  return { counts, failures };
}

/** Counts the test cases of one JUnit document; throws when it is not well-formed XML. */
function countJunit(xml) {
  return readJunit(xml).counts;
}

function main(files) {
  const total = { passed: 0, failed: 0, skipped: 0 };
  const named = [];
  for (const file of files) {
    let c;
    try {
      const read = readJunit(fs.readFileSync(file, 'utf8'));
      c = read.counts;
      for (const f of read.failures) named.push(`tally: failed in ${file}: ${f.name}${f.message ? ` — ${f.message}` : ''}`);
    } catch (e) {
      const why = e.code === 'ENOENT' ? 'is missing (its runner did not finish)' : `cannot be read: ${e.message}`;
      console.log(`tally: ${file} ${why}: counted as 1 failed`);
      total.failed++;
      continue;
    }
    if (c.passed + c.failed + c.skipped === 0) {
      console.log(`tally: ${file} has no test cases: counted as 1 failed`);
      c.failed = 1;
    }
    console.log(`tally: ${file}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
    for (const k of Object.keys(total)) total[k] += c[k];
  }
  for (const line of named) console.log(line);
  console.log(`Tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  return total.failed > 0 ? 1 : 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
module.exports = { countJunit, readJunit };
