import { test } from 'node:test';
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCertify } from './certify-main';

const ROOT = resolve(__dirname, '..', '..');
const run = async (args: string[]) => {
  const lines: string[] = [];
  const code = await runCertify(args, (l) => lines.push(l));
  return { code, text: lines.join('\n') };
};

test('certify refuses a two-reader declaration given one port, before any port is opened (exit 2)', async () => {
  // The port does not exist: reaching it would fail differently.
  const r = await run(['--port', '/dev/oqs-no-such-port', '--declaration', join(ROOT, 'declarations', 'emulator.json'), '--key', '/nonexistent/key.pem']);
  expect(r.code).to.equal(2);
  expect(r.text)
    .to.match(/リーダー台数 2 台/)
    .and.match(/2 reader\(s\) but 1 port\(s\)/);
});

test('certify refuses to run without a signing key, and says how to make one', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oqs-nokey-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = await run([
    '--port',
    '/dev/oqs-no-such-port',
    '--declaration',
    join(ROOT, 'declarations', 'emulator-one-reader.json'),
    '--key',
    join(dir, 'missing.pem'),
  ]);
  expect(r.code).to.equal(2);
  expect(r.text).to.include('certify keygen').and.include('docs/certification.md');
});

test('certify keygen refuses a key inside the repository', async () => {
  const r = await run(['keygen', '--out', join(ROOT, 'certify-key.pem')]);
  expect(r.code).to.equal(2);
  expect(r.text).to.match(/inside the repository/);
});

test('certify --help names the default key file', async () => {
  const r = await run(['--help']);
  expect(r.code).to.equal(0);
  expect(r.text)
    .to.include(join(homedir(), '.oqs-reader', 'certify-key.pem'))
    .and.not.include('${');
});
