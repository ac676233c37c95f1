import { test } from 'node:test';
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDeclaration, notApplicable, portCountProblem } from './declaration';

const EMULATOR = join(__dirname, '..', '..', 'declarations', 'emulator.json');
const ONE = join(__dirname, '..', '..', 'declarations', 'emulator-one-reader.json');

test('the shipped declarations load', () => {
  expect(loadDeclaration(EMULATOR).readers).to.equal(2);
  expect(loadDeclaration(ONE).readers).to.equal(1);
});

test('an invalid declaration lists every problem', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oqs-decl-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const d = JSON.parse(readFileSync(EMULATOR, 'utf8'));
  Object.assign(d, { readers: 0, modes: ['turbo'], cardProfiles: ['golden'] });
  writeFileSync(join(dir, 'd.json'), JSON.stringify(d));
  expect(() => loadDeclaration(join(dir, 'd.json'))).to.throw(/"readers"[\s\S]*"modes"[\s\S]*"cardProfiles"/);
});

test('scenarios are gated by what their own steps need, with a reason', () => {
  const one = loadDeclaration(ONE);
  const all = loadDeclaration(EMULATOR);
  const twoReaders = ['顔認証付きカードリーダーが2台接続されている'];
  expect(notApplicable(one, twoReaders, [], 'hardware')).to.match(/needs 2 face-auth readers/);
  expect(notApplicable(all, twoReaders, [], 'hardware')).to.equal(null);
  expect(notApplicable(one, ['患者が"乳幼児"のマイナンバーカードを置く'], [], 'hardware')).to.match(/乳幼児/);
  expect(notApplicable(one, ['患者が"別人"の状態でカメラに顔を向ける'], [], 'hardware')).to.match(/別人/);
  expect(notApplicable(all, [], ['@emulator-only'], 'hardware')).to.match(/needs the emulator/);
  expect(notApplicable(all, [], ['@emulator-only'], 'pty')).to.equal(null);
  const noPinOnly = { ...all, modes: ['unattended', 'visual'] as const } as unknown as typeof all;
  expect(notApplicable(noPinOnly, ['運転モードを"暗証番号認証固定"に切り替えてある'], [], 'hardware')).to.match(/pinOnly/);
});

test('the reader-side 目視確認 scenarios are N/A on a declaration for a model without readerVisualCheck, and only those', () => {
  const feature = readFileSync(join(__dirname, '..', '..', 'features', 'reader-side-visual-check.feature'), 'utf8');
  const scenarios = feature.split(/\n\s*シナリオ:/).slice(1);
  expect(scenarios).to.have.length.at.least(4);
  // The steps only, as cucumber hands them over (not the title, not the next scenario's tags).
  const steps = (s: string) =>
    s
      .split('\n')
      .slice(1)
      .map((l) => l.trim().replace(/^(前提|もし|ならば|かつ) /, ''))
      .filter((l) => !l.startsWith('@'));
  const all = loadDeclaration(ONE);
  // The shipped declaration for a model without the 2025 flow.
  const legacy = loadDeclaration(join(__dirname, '..', '..', 'declarations', 'emulator-pre-2025.json'));
  expect(legacy.capabilities).not.to.include('readerVisualCheck');
  const noVisualMode = { ...all, modes: all.modes.filter((m) => m !== 'visual') };
  for (const s of scenarios) {
    expect(notApplicable(all, steps(s), [], 'emulator'), s).to.equal(null);
    expect(notApplicable(legacy, steps(s), [], 'emulator'), s).to.match(/readerVisualCheck/);
  }
  // The reader-side check needs no terminal mode; the scenario that also uses the legacy flow does.
  expect(scenarios.map((s) => notApplicable(noVisualMode, steps(s), [], 'emulator') !== null)).to.deep.equal([false, false, false, true]);
  expect(notApplicable(legacy, ['運転モードを"目視確認"に切り替えてある'], [], 'emulator')).to.equal(null);
});

test('a run must give exactly one port per declared reader, else it is refused in Japanese and English', () => {
  const two = loadDeclaration(EMULATOR);
  expect(portCountProblem(two, ['/dev/ttyUSB0', '/dev/ttyUSB1'])).to.equal(null);
  const one = portCountProblem(two, ['/dev/ttyUSB0']);
  expect(one)
    .to.match(/申告.*2 台.*1 個/)
    .and.match(/declaration says the lab connects 2 reader\(s\) but 1 port\(s\) were given/);
  expect(one).to.include('declarations/emulator-one-reader.json');
  expect(portCountProblem(loadDeclaration(ONE), ['/dev/a', '/dev/b'])).to.match(/1 reader\(s\) but 2 port\(s\)/);
});
