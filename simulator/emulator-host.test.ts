import { test } from 'node:test';
import { existsSync, lstatSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { autoDetect } from '@serialport/bindings-cpp';
import { SerialPortStream } from '@serialport/stream';
import { FrameDecoder, decodeMessage, encodeCommand, type Message } from '../src/protocol';
import { EmulatorControlClient } from './control/client';
import { runEmulate } from './emulate-main';
import { EmulatorHost } from './emulator-host';

const WAIT_MS = 5000;

/** A controller's end: the real native binding on the pty, decoding what arrives. */
class Controller {
  readonly received: Message[] = [];
  private readonly decoder = new FrameDecoder((f) => {
    this.received.push(decodeMessage(f));
    for (const w of [...this.waiters]) w();
  });
  private waiters = new Set<() => void>();
  private constructor(readonly port: SerialPortStream) {
    port.on('data', (b: Buffer) => this.decoder.push(b));
  }

  static open(path: string): Promise<Controller> {
    const port = new SerialPortStream({ binding: autoDetect(), path, baudRate: 115200, autoOpen: false });
    return new Promise((resolve, reject) => port.open((err) => (err ? reject(err) : resolve(new Controller(port)))));
  }

  write(bytes: Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.port.write(bytes, (err) => (err ? reject(err) : this.port.drain((e) => (e ? reject(e) : resolve())))));
  }

  /** Resolves with the first received message that matches, waiting on real I/O at most WAIT_MS. */
  waitFor(match: (m: Message) => boolean, what: string): Promise<Message> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = this.received.find(match);
        if (!m) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(m);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(`no ${what} within ${WAIT_MS} ms (got ${this.received.map((r) => r.kind + ':' + ('name' in r ? r.name : '')).join(', ') || 'nothing'})`),
        );
      }, WAIT_MS);
      this.waiters.add(check);
      check();
    });
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.port.isOpen) return resolve();
      this.port.close((err) => (err ? reject(err) : resolve()));
    });
  }
}

const alive = (pid: number | undefined) => {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Resolves once `pid` is gone; ESRCH after a bridge exits. Bounded. */
async function gone(pid: number | undefined): Promise<boolean> {
  const deadline = Date.now() + WAIT_MS;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  return !alive(pid);
}

test('the emulated readers on real ptys: hello, a patient act, reopen, shutdown', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oqs-pty-'));
  const sock = join(dir, 'control.sock');
  const host = await EmulatorHost.start({ readers: 2, linkDir: dir, control: `unix:${sock}`, log: () => undefined });
  let controller: Controller | null = null;
  let client: EmulatorControlClient | null = null;
  t.after(async () => {
    await controller?.close().catch(() => undefined);
    await client?.close().catch(() => undefined);
    await host.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const pids = [host.ptyPort(0).pid, host.ptyPort(1).pid];
  const links = [join(dir, 'ttyOQS0'), join(dir, 'ttyOQS1')];
  for (const l of links) expect(lstatSync(l).isSymbolicLink()).to.equal(true);
  expect(readlinkSync(links[0]!)).to.match(/^\/dev\/pts\/\d+$/);

  client = await EmulatorControlClient.connect(`unix:${sock}`, { timeoutMs: WAIT_MS });
  const hello = await client.call('hello', {});
  expect(hello.readers.map((r) => r.path)).to.deep.equal(links);
  expect(hello.readers[0]!.device).to.equal(readlinkSync(links[0]!));

  // hello over the pty through the native binding
  controller = await Controller.open(links[0]!);
  await controller.write(encodeCommand('hello', 1, { protocolVersion: 1, host: 't' }));
  const reply = await controller.waitFor((m) => m.kind === 'response' && m.name === 'hello', 'hello response');
  expect(reply).to.include({ kind: 'response', name: 'hello', reqSeq: 1, status: 'ok' });
  expect((reply as Extract<Message, { kind: 'response' }>).fields).to.deep.equal({
    protocolVersion: 1,
    vendor: 'OQS Emulated',
    model: 'FACE-EMU-1',
    firmware: '1.0.0',
    serial: 'EMU-0001',
    capabilities: hello.readers[0]!.identity.capabilities,
  });

  // the patient puts a card on reader 0: the controller gets the event frames
  const { framesOut } = await client.call('stimulus', { reader: 0, action: 'placeCard', profile: 'normal' });
  expect(framesOut).to.equal(3); // hello response, cardPlaced, screenShown
  const placed = await controller.waitFor((m) => m.kind === 'event' && m.name === 'cardPlaced', 'cardPlaced event');
  expect(placed.kind === 'event' && placed.fields.cardKind).to.equal(1);
  await controller.waitFor((m) => m.kind === 'event' && m.name === 'screenShown', 'screenShown event');

  // close and reopen the same path: the bridge keeps the pty, a new session works
  await controller.close();
  controller = await Controller.open(links[0]!);
  await controller.write(encodeCommand('getStatus', 2, {}));
  const status = await controller.waitFor((m) => m.kind === 'response' && m.name === 'getStatus', 'getStatus response');
  expect(status).to.include({ reqSeq: 2, status: 'ok' });
  expect((status as Extract<Message, { kind: 'response' }>).fields).to.include({ cardPresent: 1, state: 1 });
  await controller.close();
  controller = null;

  // shutdown: the reply comes, the host ends, the bridges are gone and so are their links
  expect(await client.call('shutdown', {})).to.deep.equal({});
  expect(await host.ended).to.deep.equal({ reason: 'shutdown' });
  for (const pid of pids) expect(await gone(pid), `bridge ${pid} still running`).to.equal(true);
  for (const l of links) expect(existsSync(l) || lstatExists(l), `${l} left behind`).to.equal(false);
  expect(existsSync(sock)).to.equal(false);
});

function lstatExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

test('a host without a link dir gives the slave paths, and close() ends the bridges', async () => {
  const host = await EmulatorHost.start({ readers: 1, control: [], log: () => undefined });
  const [info] = host.info();
  expect(info!.path).to.match(/^\/dev\/pts\/\d+$/);
  expect(info!.link).to.equal(undefined);
  const pid = host.ptyPort(0).pid;
  expect(alive(pid)).to.equal(true);
  await host.close();
  expect(await gone(pid)).to.equal(true);
});

test('a missing python fails start() cleanly', async () => {
  let err: unknown;
  try {
    await EmulatorHost.start({ readers: 2, control: [], python: '/nonexistent/python3', log: () => undefined });
  } catch (e) {
    err = e;
  }
  expect(String((err as Error)?.message)).to.match(/cannot start the pty bridge/);
});

test('runEmulate (oqs-reader emulate): ready line, control channel, shutdown → exit 0', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oqs-emu-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const lines: string[] = [];
  let onReady: (line: string) => void = () => undefined;
  const ready = new Promise<string>((resolve) => (onReady = resolve));
  const out = (line: string) => {
    lines.push(line);
    if (line.startsWith('OQS-EMULATOR-READY ')) onReady(line);
  };
  const run = runEmulate(
    [
      '--readers',
      '1',
      '--link-dir',
      dir,
      '--control',
      `unix:${join(dir, 'c.sock')}`,
      '--control',
      'tcp:127.0.0.1:0',
      '--baud',
      '115200',
      '--latency-ms',
      '2',
      '--fragment',
      '8',
    ],
    out,
  );
  const info = JSON.parse((await ready).slice('OQS-EMULATOR-READY '.length)) as { readers: string[]; control: string; controls: string[] };
  expect(info.readers).to.deep.equal([join(dir, 'ttyOQS0')]);
  expect(info.control).to.equal(`unix:${join(dir, 'c.sock')}`);
  expect(info.controls[1]).to.match(/^tcp:127\.0\.0\.1:\d+$/);
  expect(lines[0]).to.match(new RegExp(`^reader 0: /dev/pts/\\d+ \\(link ${join(dir, 'ttyOQS0')}\\)$`));
  expect(lines[1]).to.equal(`control: ${info.control}`);

  // paced and fragmented, the reader still answers whole frames over the pty
  const controller = await Controller.open(info.readers[0]!);
  await controller.write(encodeCommand('hello', 9, { protocolVersion: 1, host: 't' }));
  expect(await controller.waitFor((m) => m.kind === 'response', 'hello response')).to.include({ reqSeq: 9, status: 'ok' });
  await controller.close();

  const client = await EmulatorControlClient.connect(info.controls[1]!);
  await client.call('shutdown', {});
  expect(await run).to.equal(0);
  await client.close();
  expect(lstatExists(join(dir, 'ttyOQS0'))).to.equal(false);
});

test('runEmulate: --help and bad options', async () => {
  const lines: string[] = [];
  expect(await runEmulate(['--help'], (l) => lines.push(l))).to.equal(0);
  expect(lines.join('\n')).to.include('--link-dir DIR');
  const write = process.stderr.write;
  let stderr = '';
  process.stderr.write = ((s: string) => ((stderr += s), true)) as typeof process.stderr.write;
  try {
    expect(await runEmulate(['--readers', '0'], () => undefined)).to.equal(2);
    expect(await runEmulate(['--baud', 'fast'], () => undefined)).to.equal(2);
    expect(await runEmulate(['--control', 'tcp:0.0.0.0:1'], () => undefined)).to.equal(2);
    expect(await runEmulate(['--bogus'], () => undefined)).to.equal(2);
  } finally {
    process.stderr.write = write;
  }
  expect(stderr).to.include('--readers must be 1..16');
  expect(stderr).to.include('loopback only');
});
