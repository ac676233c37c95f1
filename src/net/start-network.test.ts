/**
 * From the outside: the shipped process `oqs-reader start --reader-port rfc2217://…` (compiled, as
 * `npm start` runs it) against `oqs-reader emulate --no-pty --listen rfc2217://127.0.0.1:0` in a
 * process of its own. Real processes and real time: every wait polls the API or reads a line with
 * a deadline, never a sleep of fixed length.
 */
import { test } from 'node:test';
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WatchedProcess } from '../util/child-lines';

const BIN = join(__dirname, '..', '..', 'bin', 'oqs-reader.js');
const WAIT_MS = 20_000;

interface Status {
  readers: Array<{ path: string }>;
  alerts: Array<{ code: string }>;
}

/** The API's status once `ok` holds for it (polled; the deadline only turns a hang into a failure). */
async function until(url: string, what: string, ok: (s: Status) => boolean): Promise<Status> {
  const read = async () => (await (await fetch(`${url}/api/status`)).json()) as Status;
  const deadline = Date.now() + WAIT_MS;
  let s = await read();
  while (!ok(s) && Date.now() <= deadline) s = await new Promise((r) => setTimeout(r, 50)).then(read);
  if (!ok(s)) throw new Error(`${what}: not within ${WAIT_MS} ms; last status ${JSON.stringify(s)}`);
  return s;
}

test('oqs-reader start --reader-port rfc2217://… attaches a reader served over RFC 2217, logs the coded drop when it goes, and reconnects', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oqs-net-start-'));
  const procs: WatchedProcess[] = [];
  t.after(async () => {
    for (const p of procs) await p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const run = (args: string[]) => {
    const p = WatchedProcess.node([BIN, ...args], {
      env: { ...process.env, OQS_ADMIN_PASSWORD: 'net-start-admin', LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    procs.push(p);
    return p;
  };
  const emulate = (listen: string) => run(['emulate', '--no-pty', '--listen', listen, '--control', 'tcp:127.0.0.1:0']);
  const first = emulate('rfc2217://127.0.0.1:0');
  const { listen } = JSON.parse((await first.line(/^OQS-EMULATOR-READY (.*)$/, WAIT_MS))[1]!) as { listen: string[] };
  const address = listen[0]!;
  expect(address).to.match(/^rfc2217:\/\/127\.0\.0\.1:\d+$/);

  const product = run(['start', '--port', '0', '--state-dir', join(dir, 'state'), '--reader-port', address, '--command-timeout-ms', '600']);
  const url = (await product.line(/listening on (http:\/\/[^\s/]+)/, WAIT_MS))[1]!;
  const attached = await until(url, 'attached', (s) => s.readers.length === 1);
  expect(attached.readers[0]!.path).to.equal(address);

  // The serial server goes away: the drop is logged with its code, the screen shows it.
  await first.kill('SIGKILL');
  await product.line(new RegExp(`reader: ${address.replace(/[/.]/g, '\\$&')}: OQS_ERR_NET_CLOSED`), WAIT_MS);
  await until(url, 'disconnect noticed', (s) => s.readers.length === 0);
  // While nobody listens, attempts fail as OQS_ERR_NET_CONNECT.
  await product.line(/reader: not connected on rfc2217:\/\/\S+ \(OQS_ERR_NET_CONNECT: /, WAIT_MS);
  // It is back on the same address: attached again.
  const second = emulate(address);
  await second.line(/^OQS-EMULATOR-READY /, WAIT_MS);
  await until(url, 'reconnected', (s) => s.readers.length === 1);
  // And says so where people read it, as it does for a reader there at start.
  await product.line(new RegExp(`^reader: OQS Emulated \\S+ fw \\S+ s/n EMU-0001 on ${address.replace(/[/.]/g, '\\$&')} \\(connected\\)$`), WAIT_MS);
});
