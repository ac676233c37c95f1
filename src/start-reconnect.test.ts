/**
 * The shipped process and a reader that comes and goes (issue 9): `oqs-reader start` (compiled,
 * as `npm start` runs it) on a link path where no reader exists yet; then `oqs-reader emulate`
 * appears on that path, goes away (the process is killed), and a new one starts on the same path.
 * Real processes and real time: every wait polls the product's API with a deadline, never a sleep
 * of fixed length.
 */
import { test } from 'node:test';
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmulatorControlClient } from '../simulator/control/client';
import { WatchedProcess } from './util/child-lines';

const BIN = join(__dirname, '..', 'bin', 'oqs-reader.js');
const WAIT_MS = 20_000;
const PASSWORD = 'reconnect-test-admin';

function start(args: string[]): WatchedProcess {
  return WatchedProcess.node([BIN, ...args], {
    env: { ...process.env, OQS_ADMIN_PASSWORD: PASSWORD, LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

interface Status {
  readers: Array<{ path: string }>;
  alerts: Array<{ code: string; message: string }>;
}

async function until(url: string, what: string, ok: (s: Status) => boolean): Promise<Status> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const s = (await (await fetch(`${url}/api/status`)).json()) as Status;
    if (ok(s)) return s;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${WAIT_MS} ms; last status ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('start before the reader exists, then the emulator appears, is killed, and a new one starts on the same link path', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oqs-reconnect-'));
  const link = join(dir, 'ttyOQS0');
  const procs: WatchedProcess[] = [];
  t.after(async () => {
    for (const p of procs) await p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const emulate = () => start(['emulate', '--readers', '1', '--link-dir', dir, '--control', `unix:${join(dir, 'c.sock')}`]);

  // 1. No reader at all: the product still starts and serves, showing カードリーダー未接続.
  const product = start(['start', '--port', '0', '--state-dir', join(dir, 'state'), '--reader-port', link, '--command-timeout-ms', '600']);
  procs.push(product);
  const url = (await product.line(/listening on (http:\/\/[^\s/]+)/, WAIT_MS))[1]!;
  const none = await until(url, 'served without a reader', () => true);
  expect(none.readers).to.deep.equal([]);
  expect(none.alerts.find((a) => a.code === 'readerNotConnected')?.message).to.match(/^カードリーダー未接続/);

  // 2. The reader appears on that path: connected, alert gone; the administrator sets 暗証番号認証固定.
  const first = emulate();
  procs.push(first);
  await first.line(/^OQS-EMULATOR-READY /, WAIT_MS);
  await until(url, 'connected once the reader appeared', (s) => s.readers.length === 1 && !s.alerts.some((a) => a.code === 'readerNotConnected'));
  const auth = 'Basic ' + Buffer.from(`admin:${PASSWORD}`).toString('base64');
  const put = await fetch(`${url}/api/mode`, {
    method: 'PUT',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify({ mode: 'pinOnly' }),
  });
  expect(put.status).to.equal(200);

  // 3. The emulator process dies (its pty and link vanish): shown as disconnected.
  await first.kill('SIGKILL');
  await until(url, 'disconnect noticed', (s) => s.readers.length === 0 && s.alerts.some((a) => a.code === 'readerDisconnected'));

  // 4. A new emulator on the same link path (a new /dev/pts): reconnected, alert cleared, mode re-synced.
  const second = emulate();
  procs.push(second);
  await second.line(/^OQS-EMULATOR-READY /, WAIT_MS);
  await until(url, 'reconnected to the new emulator', (s) => s.readers.length === 1 && !s.alerts.some((a) => a.code === 'readerDisconnected'));
  const control = await EmulatorControlClient.connect(`unix:${join(dir, 'c.sock')}`);
  try {
    const status = (await control.call('status', { reader: 0 })) as { mode: string };
    expect(status.mode, "the new reader was given the terminal's mode").to.equal('pinOnly');
  } finally {
    await control.close();
  }
});
