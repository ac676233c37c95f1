#!/usr/bin/env node
// Proves the conformance suite bites: each mutant breaks one rule of the product in a scratch copy,
// and the emulator suite must then fail. A surviving mutant (suite still green) fails this check,
// and so does a mutant whose code no longer matches (so the list can't silently rot).
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const MUTANTS = [
  ['face matcher accepts every face', 'simulator/face-matcher.ts', 'return score >= this.threshold;', 'return true;'],
  ['PIN never locks', 'simulator/cards.ts', 'return this.profile.pin !== null && this.pinFailures < PIN_MAX_TRIES;', 'return this.profile.pin !== null;'],
  ['PIN counter forgotten between visits', 'simulator/cards.ts', 'if (!card) this.cards.set(key, (card = new Card(key, CARD_PROFILES[key])));', 'card = new Card(key, CARD_PROFILES[key]);'],
  ['a general account may switch modes', 'src/reader/terminal.ts', "if (actor.role !== 'admin') throw", "if (actor.role === ('nobody' as string)) throw"],
  ['目視確認 allowed with two readers', 'src/reader/terminal.ts', 'if (this.readers.size !== 1) throw new OqsError(\'OQS_ERR_VISUAL_SINGLE_READER\'', 'if (this.readers.size > 9) throw new OqsError(\'OQS_ERR_VISUAL_SINGLE_READER\''],
  ['目視確認 left on lets patients through unattended', 'simulator/reader-model.ts', "return this.fail('staffRequired', 'callStaff');", "return this.go('methodSelect', 'chooseMethod');"],
  ['資格確認日 accepts hyphens', 'src/reader/dates.ts', 'const m = /^(\\d{4})\\/(\\d{2})\\/(\\d{2})$/.exec(text);', 'const m = /^(\\d{4})[/-](\\d{2})[/-](\\d{2})$/.exec(text);'],
  ['no PIN fallback after 照合エラー', 'simulator/reader-model.ts', "if (this.mode === 'unattended' && card.pinUsable) {", 'if (false) {'],
];

const COPY = ['src', 'simulator', 'steps', 'features', 'scripts', 'docs', 'declarations', 'bin', 'cucumber.js', 'tsconfig.json', 'package.json'];
const cases = [];
for (const [name, file, from, to] of MUTANTS) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oqs-mutant-'));
  try {
    for (const entry of COPY) fs.cpSync(path.join(root, entry), path.join(dir, entry), { recursive: true });
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    const target = path.join(dir, file);
    const src = fs.readFileSync(target, 'utf8');
    if (!src.includes(from)) {
      cases.push({ name, failure: `the code to mutate is gone from ${file}; update scripts/mutants.cjs` });
      continue;
    }
    fs.writeFileSync(target, src.replace(from, to));
    const cucumber = path.join(root, 'node_modules', '.bin', 'cucumber-js');
    const run = spawnSync(cucumber, ['-p', 'emulator', '--format', 'summary'], { cwd: dir, encoding: 'utf8' });
    const summary = /(\d+) scenarios \(([^)]*)\)/.exec(run.stdout || '');
    const failed = summary && /(\d+) failed/.exec(summary[2]);
    if (run.status !== 0 && failed) {
      console.log(`mutant killed: ${name} — ${failed[1]} of ${summary[1]} scenarios fail`);
      cases.push({ name, killedBy: Number(failed[1]) });
    } else {
      const why = run.status === 0 ? 'the suite still passes' : `the suite did not run: ${(run.stderr || '').slice(0, 300)}`;
      console.log(`mutant SURVIVED: ${name} — ${why}`);
      cases.push({ name, failure: why });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
const xml = ['<?xml version="1.0"?>', `<testsuites><testsuite name="mutants" tests="${cases.length}">`];
for (const c of cases) {
  xml.push(c.failure ? `<testcase name="${esc(c.name)}"><failure message="${esc(c.failure)}"/></testcase>` : `<testcase name="${esc(c.name)} (killed by ${c.killedBy} scenarios)"/>`);
}
xml.push('</testsuite></testsuites>');
fs.mkdirSync(path.join(root, 'reports'), { recursive: true });
fs.writeFileSync(path.join(root, 'reports', 'mutants.xml'), xml.join('\n') + '\n');
process.exit(cases.some((c) => c.failure) ? 1 : 0);
