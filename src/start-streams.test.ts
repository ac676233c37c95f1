import { test } from 'node:test';
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WatchedProcess } from './util/child-lines';

const BIN = join(__dirname, '..', 'bin', 'oqs-reader.js');

test('start writes its banner for people on stdout and its JSON log on stderr, never mixed; its live --trace is a trace `oqs-reader trace` reads', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oqs-streams-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const trace = join(dir, 'live.ndjson');
  const child = WatchedProcess.node([BIN, 'start', '--port', '0', '--state-dir', dir, '--time-scale', '0', '--trace', trace], {
    env: { ...process.env, OQS_ADMIN_PASSWORD: 'streams-test-admin', LOG_LEVEL: 'info' },
  });
  // Each stream on its own as well: which one a line came on is what this test is about.
  let out = '';
  let err = '';
  child.proc.stdout!.on('data', (d: string) => (out += d));
  child.proc.stderr!.on('data', (d: string) => (err += d));
  await child.line(/listening on/, 20_000, 'oqs-reader start listening');
  await child.kill('SIGTERM');
  const outLines = out.split('\n').filter(Boolean);
  expect(outLines.length).to.be.greaterThan(0);
  for (const line of outLines) expect(line.trimStart().startsWith('{'), `stdout line is JSON: ${line}`).to.equal(false);
  const logLines = err.split('\n').filter((l) => l.startsWith('{'));
  expect(logLines.length, `stderr: ${err}`).to.be.greaterThan(0);
  for (const line of logLines) expect(() => JSON.parse(line)).not.to.throw();
  const pretty = spawnSync(process.execPath, [BIN, 'trace', trace], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  expect(pretty.status, pretty.stderr).to.equal(0);
  expect(pretty.stdout).to.match(/hello/);
});
