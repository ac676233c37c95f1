import { test } from 'node:test';
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = join(__dirname, '..', 'bin', 'oqs-reader.js');

test('start writes its banner for people on stdout and its JSON log on stderr, never mixed; its live --trace is a trace `oqs-reader trace` reads', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oqs-streams-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const trace = join(dir, 'live.ndjson');
  const child = spawn(process.execPath, [BIN, 'start', '--port', '0', '--state-dir', dir, '--time-scale', '0', '--trace', trace], {
    env: { ...process.env, OQS_ADMIN_PASSWORD: 'streams-test-admin', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not listening within 20 s: ${out} ${err}`)), 20_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (/listening on/.test(out)) (clearTimeout(timer), resolve());
    });
  });
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
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
