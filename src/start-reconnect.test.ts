/**
 * The shipped process and a reader that comes and goes (issue 9): `oqs-reader start` (compiled,
 * as `npm start` runs it) on a link path where no reader exists yet; then `oqs-reader emulate`
 * appears on that path, goes away (the process is killed), and a new one starts on the same path.
 * Real processes and real time: every wait polls the product's API with a deadline, never a sleep
 * of fixed length.
 */
import { test } from 'node:test';
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { EmulatorControlClient } from '../simulator/control/client';

const BIN = join(__dirname, '..', 'bin', 'oqs-reader.js');
const WAIT_MS = 20_000;
const PASSWORD = 'reconnect-test-admin';

function start(args: string[]): { child: ChildProcess; line: (re: RegExp) => Promise<RegExpExecArray> } {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, OQS_ADMIN_PASSWORD: PASSWORD, LOG_LEVEL: 'error' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const seen: string[] = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout! }).on('line', (l) => {
    seen.push(l);
    for (const w of waiters.splice(0)) w();
  });
  const line = (re: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line matching ${re} within ${WAIT_MS} ms; got ${seen.join(' | ')}`)), WAIT_MS);
      const check = () => {
        for (const l of seen) {
          const m = re.exec(l);
          if (m) return (clearTimeout(timer), resolve(m));
        }
        waiters.push(check);
      };
      check();
    });
  return { child, line };
}

async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await gone;
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
  const procs: ChildProcess[] = [];
  t.after(async () => {
    for (const p of procs) await stop(p, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const emulate = () => start(['emulate', '--readers', '1', '--link-dir', dir, '--control', `unix:${join(dir, 'c.sock')}`]);

  // 1. No reader at all: the product still starts and serves, showing カードリーダー未接続.
  const product = start(['start', '--port', '0', '--state-dir', join(dir, 'state'), '--reader-port', link, '--command-timeout-ms', '600']);
  procs.push(product.child);
  const url = (await product.line(/listening on (http:\/\/[^\s/]+)/))[1]!;
  const none = await until(url, 'served without a reader', () => true);
  expect(none.readers).to.deep.equal([]);
  expect(none.alerts.find((a) => a.code === 'readerNotConnected')?.message).to.match(/^カードリーダー未接続/);

  // 2. The reader appears on that path: connected, alert gone; the administrator sets 暗証番号認証固定.
  const first = emulate();
  procs.push(first.child);
  await first.line(/^OQS-EMULATOR-READY /);
  await until(url, 'connected once the reader appeared', (s) => s.readers.length === 1 && !s.alerts.some((a) => a.code === 'readerNotConnected'));
  const auth = 'Basic ' + Buffer.from(`admin:${PASSWORD}`).toString('base64');
  const put = await fetch(`${url}/api/mode`, { method: 'PUT', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ mode: 'pinOnly' }) });
  expect(put.status).to.equal(200);

  // 3. The emulator process dies (its pty and link vanish): shown as disconnected.
  await stop(first.child, 'SIGKILL');
  await until(url, 'disconnect noticed', (s) => s.readers.length === 0 && s.alerts.some((a) => a.code === 'readerDisconnected'));

  // 4. A new emulator on the same link path (a new /dev/pts): reconnected, alert cleared, mode re-synced.
  const second = emulate();
  procs.push(second.child);
  await second.line(/^OQS-EMULATOR-READY /);
  await until(url, 'reconnected to the new emulator', (s) => s.readers.length === 1 && !s.alerts.some((a) => a.code === 'readerDisconnected'));
  const control = await EmulatorControlClient.connect(`unix:${join(dir, 'c.sock')}`);
  try {
    const status = (await control.call('status', { reader: 0 })) as { mode: string };
    expect(status.mode, "the new reader was given the terminal's mode").to.equal('pinOnly');
  } finally {
    await control.close();
  }
});
