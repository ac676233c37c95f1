import { test } from 'node:test';
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeManifest } from './manifest';
import { renderReport, type ReportInput } from './report';
import { readResults } from './results';
import { generateKeys, keygen, signBundle } from './signature';
import { verifyBundle } from './verify';

/** A cucumber JSON report with one passed and one failed scenario (verdict FAIL). */
const CUCUMBER = [
  {
    name: '目視確認',
    uri: 'features/p106.feature',
    elements: [
      { type: 'scenario', name: '通る', line: 3, tags: [{ name: '@P106-1' }], steps: [{ result: { status: 'passed' } }] },
      {
        type: 'scenario',
        name: '落ちる',
        line: 9,
        tags: [{ name: '@P106-2' }],
        steps: [{ result: { status: 'failed', error_message: 'AssertionError: expected x' } }],
      },
    ],
  },
];

function reportInput(dir: string): ReportInput {
  return {
    identity: { vendor: 'V', model: 'M', firmware: '1', serial: 'S', protocolVersion: 1, capabilities: ['face'] },
    declaration: { readers: 1 },
    versions: { node: process.version },
    startedAt: '2026-11-24T00:30:00.000Z',
    finishedAt: '2026-11-24T00:31:00.000Z',
    results: readResults(join(dir, 'cucumber.json')),
    rows: [],
    traces: [],
  };
}

function bundle(t: { after: (fn: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'oqs-signed-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const keys = generateKeys();
  writeFileSync(join(dir, 'cucumber.json'), JSON.stringify(CUCUMBER));
  writeFileSync(join(dir, 'report.html'), renderReport(reportInput(dir)));
  writeManifest(dir);
  signBundle(dir, keys.privatePem);
  return { dir, keys };
}

test('a signed bundle verifies against the fingerprint or the public key file it was signed with', (t) => {
  const { dir, keys } = bundle(t);
  const r = verifyBundle(dir, { trust: [keys.fingerprint] });
  expect(r.problems).to.deep.equal([]);
  expect(r).to.include({ ok: true, verdict: 'FAIL', fingerprint: keys.fingerprint });
  const pub = join(dir, '..', `${statSync(dir).ino}.pub.pem`);
  writeFileSync(pub, keys.publicPem);
  t.after(() => rmSync(pub, { force: true }));
  expect(verifyBundle(dir, { trust: [pub] }).ok).to.equal(true);
});

test('a report edited from FAIL to PASS, with the manifest hash recomputed, is refused', (t) => {
  const { dir, keys } = bundle(t);
  const p = join(dir, 'report.html');
  writeFileSync(p, readFileSync(p, 'utf8').replaceAll('FAIL', 'PASS'));
  writeManifest(dir);
  const r = verifyBundle(dir, { trust: [keys.fingerprint] });
  expect(r.ok).to.equal(false);
  expect(r.problems.join('\n')).to.match(/signature/i);
});

test('a report whose verdict disagrees with the cucumber results is refused even when properly signed', (t) => {
  const { dir, keys } = bundle(t);
  const p = join(dir, 'report.html');
  writeFileSync(p, readFileSync(p, 'utf8').replaceAll('FAIL', 'PASS'));
  writeManifest(dir);
  signBundle(dir, keys.privatePem);
  const r = verifyBundle(dir, { trust: [keys.fingerprint] });
  expect(r.ok).to.equal(false);
  expect(r.problems.join('\n'))
    .to.match(/verdict/)
    .and.match(/FAIL/);
});

test('a bundle re-signed with another key is refused; so is one verified without --trust', (t) => {
  const { dir, keys } = bundle(t);
  const other = generateKeys();
  signBundle(dir, other.privatePem);
  const r = verifyBundle(dir, { trust: [keys.fingerprint] });
  expect(r.ok).to.equal(false);
  expect(r.problems.join('\n'))
    .to.include(other.fingerprint)
    .and.match(/not trusted/);
  const untrusted = verifyBundle(dir, { trust: [] });
  expect(untrusted.ok).to.equal(false);
  expect(untrusted.problems.join('\n')).to.match(/--trust/);
});

test('an unsigned bundle is refused', (t) => {
  const { dir, keys } = bundle(t);
  rmSync(join(dir, 'manifest.sig.json'));
  expect(verifyBundle(dir, { trust: [keys.fingerprint] }).ok).to.equal(false);
});

test('keygen writes a private key only the owner can read, and refuses a place inside the repository', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oqs-keys-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const k = keygen(join(dir, 'certify-key.pem'));
  expect(statSync(join(dir, 'certify-key.pem')).mode & 0o077).to.equal(0);
  expect(readFileSync(join(dir, 'certify-key.pub.pem'), 'utf8')).to.match(/BEGIN PUBLIC KEY/);
  expect(k.fingerprint).to.match(/^sha256:[0-9a-f]{64}$/);
  mkdirSync(join(dir, 'x'));
  expect(() => keygen(resolve(__dirname, '..', '..', 'reports', 'certify-key.pem'))).to.throw(/repository/);
});
