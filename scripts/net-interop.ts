/**
 * Interop with software nobody here wrote, both from Debian (installed when missing, as
 * scripts/test-e2e.sh installs Chromium): pyserial (python3-serial) as the controller, against
 * `oqs-reader emulate --listen` and against ser2net in front of the pty emulator.
 *
 *   sh scripts/lib/node-test.sh net-interop scripts/net-interop.ts     (needs `npm run build`)
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { expect } from 'chai';
import { WatchedProcess } from '../src/util/child-lines';
import { startSer2net, type Ser2net } from '../steps/support/ser2net';

const root = join(__dirname, '..');
const BIN = join(root, 'bin', 'oqs-reader.js');
/** Debian's interpreter, where python3-serial is installed (a python3 earlier on PATH may not have it). */
const PYTHON = '/usr/bin/python3';
const SCRIPT = join(root, 'scripts', 'pyserial-interop.py');

interface Interop {
  line: { baudrate: number; bytesize: number; parity: string; stopbits: number; dtr: boolean; rts: boolean };
  hello: { serial: string; protocolVersion: number };
  getStatus: { mode: number; screen: number; reqSeq: number };
  badFrames: number;
}

/** Runs scripts/pyserial-interop.py; resolves with its JSON, or rejects with its stderr. */
function pyserial(url: string, ...args: string[]): Promise<Interop> {
  return new Promise((resolve, reject) =>
    execFile(PYTHON, [SCRIPT, url, ...args], { timeout: 30_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(stderr.trim() || err.message)) : resolve(JSON.parse(stdout) as Interop),
    ),
  );
}

async function emulate(args: string[]): Promise<{ proc: WatchedProcess; readers: string[]; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'oqs-interop-'));
  const proc = WatchedProcess.node([BIN, 'emulate', '--control', `unix:${join(dir, 'control.sock')}`, ...args]);
  const ready = JSON.parse((await proc.line(/^OQS-EMULATOR-READY (.*)$/, 30_000, 'oqs-reader emulate ready'))[1]!) as { readers: string[] };
  return { proc, readers: ready.readers, dir };
}

const started: Array<() => Promise<unknown>> = [];
let net: string[] = [];
let relay: Ser2net;

before(async () => {
  const installed = spawnSync('sh', [join(root, 'scripts', 'ensure-debian.sh'), 'python3-serial', 'ser2net'], { stdio: 'inherit' });
  if (installed.status !== 0) throw new Error('python3-serial and ser2net are needed (Debian packages); see the lines above');
  const listening = await emulate(['--no-pty', '--listen', 'rfc2217://127.0.0.1:0', '--listen', 'tcp://127.0.0.1:0']);
  started.push(
    () => listening.proc.stop(),
    async () => rmSync(listening.dir, { recursive: true, force: true }),
  );
  net = listening.readers;
  const pty = await emulate(['--readers', '1']);
  started.push(
    () => pty.proc.stop(),
    async () => rmSync(pty.dir, { recursive: true, force: true }),
  );
  relay = await startSer2net([
    { device: pty.readers[0]!, accepter: 'rfc2217' },
    { device: pty.readers[0]!, accepter: 'tcp' },
  ]);
  started.unshift(() => relay.stop());
});

after(async () => {
  for (const stop of started) await stop();
});

test('pyserial rfc2217:// → emulate --listen rfc2217://: every line setting acknowledged (9600 7E2, DTR on, RTS off), then hello and getStatus', async () => {
  expect(net[0]).to.match(/^rfc2217:\/\/127\.0\.0\.1:\d+$/);
  const r = await pyserial(net[0]!, '--baud', '9600', '--bytesize', '7', '--parity', 'E', '--stopbits', '2', '--dtr', '1', '--rts', '0');
  expect(r.line).to.deep.equal({ baudrate: 9600, bytesize: 7, parity: 'E', stopbits: 2, dtr: true, rts: false });
  expect(r.hello).to.include({ serial: 'EMU-0001', protocolVersion: 1 });
  expect(r.getStatus).to.include({ reqSeq: 1, mode: 1, screen: 1 });
  expect(r.badFrames).to.equal(0);
});

test('pyserial socket:// → emulate --listen tcp://: hello and getStatus', async () => {
  const r = await pyserial(net[1]!.replace(/^tcp:/, 'socket:'));
  expect(r.hello).to.include({ serial: 'EMU-0002' });
  expect(r.getStatus.reqSeq).to.equal(1);
});

test('pyserial socket:// → ser2net tcp accepter → pty emulator: hello and getStatus', async () => {
  const r = await pyserial(relay.urls[1]!.replace(/^tcp:/, 'socket:'));
  expect(r.hello).to.include({ serial: 'EMU-0001' });
});

test('pyserial rfc2217://?ign_set_control → ser2net telnet(rfc2217) → pty emulator: hello and getStatus at 115200 8N1', async () => {
  const r = await pyserial(`${relay.urls[0]}?ign_set_control`);
  expect(r.hello).to.include({ serial: 'EMU-0001' });
  expect(r.line).to.include({ baudrate: 115200, bytesize: 8, parity: 'N' });
});

test('what was seen: ser2net in front of a pty never acknowledges DTR/RTS, so pyserial without ?ign_set_control gives up (a client must not wait for it)', async () => {
  const err = await pyserial(`${relay.urls[0]}?timeout=1`).then(
    () => null,
    (e: Error) => e,
  );
  expect(err?.message).to.match(/timeout while waiting for option 'control'/);
});
