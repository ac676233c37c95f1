import { test } from 'node:test';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { CARD_PROFILES, Card, CardWallet } from './cards';
import { FaceMatcher, faceMatchTable } from './face-matcher';
import { EMULATE_USAGE } from './emulate-main';
import { EmulatorHost } from './emulator-host';

const DOC = join(__dirname, '..', 'docs', 'emulator.md');
const BEGIN = '<!-- face-match-table:begin -->';
const END = '<!-- face-match-table:end -->';

test('docs/emulator.md shows the face-match table the code produces (OQS_WRITE_DOCS=1 rewrites it)', () => {
  const doc = readFileSync(DOC, 'utf8');
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  expect(a, 'markers in docs/emulator.md').to.be.greaterThan(-1);
  const want = `${BEGIN}\n${faceMatchTable()}\n${END}`;
  if (process.env.OQS_WRITE_DOCS === '1') writeFileSync(DOC, doc.slice(0, a) + want + doc.slice(b + END.length));
  const now = readFileSync(DOC, 'utf8');
  expect(now.slice(now.indexOf(BEGIN), now.indexOf(END) + END.length)).to.equal(want);
});

test('the table says what the matcher does: normal matches as it is and with a mask, not bandaged or as someone else', () => {
  const m = new FaceMatcher(70);
  const normal = new Card('normal', CARD_PROFILES.normal);
  expect(['none', 'mask', 'bandage', 'eyePatch', 'otherPerson'].map((c) => m.matches(m.score(normal, c as 'none')))).to.deep.equal([
    true,
    true,
    false,
    false,
    false,
  ]);
  expect(faceMatchTable()).to.include('| `normal` 通常 | 92 ✓ | 37 ✗ | 42 ✗ | 82 ✓ | 5 ✗ | `none` |');
  expect(faceMatchTable()).to.include('| `infant` 乳幼児 | 38 ✗ |');
});

test('docs/emulator.md lists every control op the host answers and every option of oqs-reader emulate', async () => {
  const doc = readFileSync(DOC, 'utf8');
  const host = await EmulatorHost.start({ readers: 1, transport: 'memory', control: [], log: () => undefined });
  let message = '';
  try {
    await host.handle('no-such-op');
  } catch (e) {
    message = (e as Error).message;
  } finally {
    await host.close();
  }
  const ops = /expected (.*)$/.exec(message)![1]!.split(/, | or /);
  expect(ops.length).to.be.at.least(8);
  for (const op of ops) expect(doc, `op ${op}`).to.include(`| \`${op}\` |`);
  const options = [...EMULATE_USAGE.matchAll(/^ {2}(--[a-z-]+)/gm)].map((m) => m[1]!);
  expect(options.length).to.be.at.least(8);
  for (const o of options) expect(doc, `option ${o}`).to.match(new RegExp(`\\| \`${o}( [A-Z]+)?\` \\|`));
});

test('names inherited from Object.prototype are no card profile and no face condition (a coded refusal, never a crash)', () => {
  const wallet = new CardWallet();
  for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    expect(() => wallet.get(name), name)
      .to.throw()
      .with.property('code', 'EMU_ERR_UNKNOWN_PROFILE');
  }
});
