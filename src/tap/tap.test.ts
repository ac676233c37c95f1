import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CRC_SIZE, encodeAck, encodeCommand, encodeEvent, encodeResponse } from '../protocol';
import { VirtualClock } from '../time/virtual-clock';
import { parseTrace } from '../trace/format';
import { prng } from '../util/prng';
import { ControlServer } from '../../simulator/control/server';
import { runFault } from '../../simulator/fault-main';
import { FrameCutter, type Segment } from './cutter';
import { parseEndpoint, type Endpoint } from './endpoint';
import { Tap } from './tap';
import { parseRule, runTap } from './tap-main';

/** An endpoint in memory: `got` is what the tap wrote to this party, `send` is this party writing. */
class MemoryEndpoint implements Endpoint {
  onData: ((bytes: Buffer) => void) | null = null;
  onState: ((up: boolean, why?: string) => void) | null = null;
  up = true;
  readonly got: Buffer[] = [];
  constructor(readonly name: string) {}
  write(bytes: Buffer): void {
    this.got.push(Buffer.from(bytes));
  }
  send(bytes: Buffer): void {
    this.onData!(bytes);
  }
  get bytes(): Buffer {
    return Buffer.concat(this.got);
  }
  async close(): Promise<void> {}
}

const CMD = encodeCommand('getStatus', 1, {});
const RESP = encodeResponse('getStatus', 7, 1, 'ok', { mode: 1, state: 0, cardPresent: 0, screen: 1, txId: 3 });
const EVENT = encodeEvent('cardPlaced', 8, { txId: 4, cardKind: 1 });
const ACK = encodeAck(2, 8);

function setUp(opts: { keep?: boolean } = {}) {
  const clock = new VirtualClock();
  const controller = new MemoryEndpoint('pty');
  const reader = new MemoryEndpoint('/dev/ttyREADER');
  const lines: string[] = [];
  const tap = new Tap({ clock, controller, reader, onLine: (l) => lines.push(l), keep: opts.keep ?? true });
  return { clock, controller, reader, lines, tap };
}

/** Sends `bytes` in random pieces of 1..9 bytes. */
function sendChunked(to: MemoryEndpoint, bytes: Buffer, rand: () => number): void {
  for (let i = 0; i < bytes.length;) {
    const n = 1 + Math.floor(rand() * 9);
    to.send(bytes.subarray(i, i + n));
    i += n;
  }
}

test('the cutter hands out every byte once, in order: frames whole, noise and a bad frame between them', () => {
  const bad = Buffer.from(EVENT);
  bad[bad.length - CRC_SIZE]! ^= 0xff;
  const stream = Buffer.concat([Buffer.from([1, 2, 3]), RESP, bad, EVENT, Buffer.from([0x10, 0x20])]);
  const rand = prng(5);
  for (let run = 0; run < 50; run++) {
    const segments: Segment[] = [];
    const cutter = new FrameCutter((s) => segments.push(s));
    for (let i = 0; i < stream.length;) {
      const n = 1 + Math.floor(rand() * 12);
      cutter.push(stream.subarray(i, i + n));
      i += n;
    }
    assert.deepEqual(Buffer.concat(segments.map((s) => s.bytes)), stream);
    const frames = segments.filter((s) => s.kind === 'frame').map((s) => s.bytes.toString('hex'));
    assert.deepEqual(frames, [RESP.toString('hex'), EVENT.toString('hex')]);
    const noise = segments.filter((s) => s.kind === 'noise');
    assert.ok(
      noise.some((s) => s.kind === 'noise' && s.error.startsWith('LINK_ERR_CRC')),
      'the bad frame is noise with the CRC error',
    );
    assert.equal(cutter.pending, 0);
  }
});

test('with no fault armed, bytes go through untouched both ways, chunk by chunk, and the trace has every frame', () => {
  const { controller, reader, lines, tap, clock } = setUp();
  const rand = prng(11);
  const toReader = Buffer.concat([CMD, ACK, Buffer.from([0x00, 0x42]), CMD]);
  const toHost = Buffer.concat([RESP, EVENT, Buffer.from([0x99])]);
  sendChunked(controller, toReader, rand);
  void clock.advance(5);
  sendChunked(reader, toHost, rand);
  assert.deepEqual(reader.bytes, toReader);
  assert.deepEqual(controller.bytes, toHost);
  const trace = parseTrace(lines.join('\n'));
  assert.deepEqual(trace.header.readers, []);
  // Noise is written as soon as no frame is pending, so a chunk boundary may split it in two lines.
  const hexOf = (dir: string) =>
    trace.frames
      .filter((f) => f.dir === dir)
      .map((f) => f.hex)
      .join('');
  assert.equal(hexOf('h2r'), toReader.toString('hex'));
  assert.equal(hexOf('r2h'), toHost.toString('hex'));
  const decoded = trace.frames.filter((f) => f.msg).map((f) => `${f.dir} ${f.msg!.kind}${'name' in f.msg! ? ' ' + f.msg.name : ''}`);
  assert.deepEqual(decoded, ['h2r command getStatus', 'h2r ack', 'h2r command getStatus', 'r2h response getStatus', 'r2h event cardPlaced']);
  assert.ok(trace.frames.filter((f) => !f.msg).every((f) => /^TAP_NOISE: \d byte\(s\) outside any frame$/.test(f.error!)));
  assert.ok(trace.frames.every((f) => f.path === '/dev/ttyREADER'));
  assert.deepEqual(trace.frames, tap.frames);
  assert.deepEqual(tap.stats.toReader, { bytes: toReader.length, frames: 3, noiseBytes: 2, lost: 0, faults: {} });
});

test('a dropped frame toward the host does not arrive; the trace keeps it and names the fault', () => {
  const { controller, reader, tap } = setUp();
  tap.arm(parseRule('drop,only=event,nth=1'));
  reader.send(Buffer.concat([RESP, EVENT]));
  reader.send(EVENT);
  assert.deepEqual(controller.bytes, Buffer.concat([RESP, EVENT]), 'the first event is lost, its retransmission arrives');
  const errors = tap.frames.map((f) => f.error ?? '');
  assert.deepEqual(
    errors.map((e) => e.split(':')[0]),
    ['', 'TAP_FAULT_DROP', ''],
  );
  assert.match(errors[1]!, /toward the host: the frame is lost/);
  assert.deepEqual(tap.stats.toHost.faults, { drop: 1 });
});

test('a corrupted frame arrives with its CRC flipped; the trace records the frame as sent', () => {
  const { controller, reader, tap } = setUp();
  tap.arm({ fault: 'corrupt', nth: 1 });
  reader.send(RESP);
  const bad = Buffer.from(RESP);
  bad[bad.length - CRC_SIZE]! ^= 0xff;
  assert.deepEqual(controller.bytes, bad);
  assert.equal(tap.frames[0]!.hex, RESP.toString('hex'));
  assert.equal(tap.frames[0]!.msg?.kind, 'response');
  assert.match(tap.frames[0]!.error!, /^TAP_FAULT_CORRUPT/);
});

test('a delay toward the reader holds the frame for delayMs of the injected clock', async () => {
  const { controller, reader, tap, clock } = setUp();
  tap.arm({ fault: 'delay', direction: 'toReader', delayMs: 200, nth: 1 });
  controller.send(CMD.subarray(0, 3));
  controller.send(CMD.subarray(3));
  assert.equal(reader.got.length, 0);
  await clock.advance(199);
  assert.equal(reader.got.length, 0);
  await clock.advance(1);
  assert.deepEqual(reader.bytes, CMD);
});

test('noise and fragments toward the host; a rule armed mid-frame lets that frame through whole', () => {
  const { controller, reader, tap } = setUp();
  reader.send(RESP.subarray(0, 4));
  tap.arm({ fault: 'garbage', bytes: 4, every: 1 });
  reader.send(RESP.subarray(4));
  assert.deepEqual(controller.bytes, RESP);
  reader.send(EVENT);
  assert.equal(controller.bytes.length, RESP.length + 4 + EVENT.length);
  assert.ok(controller.bytes.subarray(-EVENT.length).equals(EVENT));
  tap.faults.clear();
  tap.arm({ fault: 'fragment', nth: 1 });
  const before = controller.got.length;
  reader.send(EVENT);
  assert.equal(controller.got.length - before, EVENT.length, 'one write per byte');
});

test('wrongStatus and faults toward the reader other than drop and delay are refused with EMU_ERR_BAD_FAULT', () => {
  const { tap } = setUp();
  assert.throws(() => tap.arm({ fault: 'wrongStatus', status: 'busy' }), { code: 'EMU_ERR_BAD_FAULT' });
  assert.throws(() => tap.arm({ fault: 'corrupt', direction: 'toReader' }), { code: 'EMU_ERR_BAD_FAULT' });
  assert.throws(() => parseRule('drop,nth'), /not key=value/);
  assert.equal(tap.faults.armed.length, 0);
});

test('`oqs-reader fault --control ADDR` arms and clears faults on a tap as on an emulator', async (t) => {
  const { tap, reader, controller } = setUp();
  const dir = mkdtempSync(join(tmpdir(), 'oqs-tap-'));
  const server = await ControlServer.listen([`unix:${join(dir, 'c.sock')}`], (op, args) => tap.handle(op, args));
  t.after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const out: string[] = [];
  const control = server.addresses[0]!;
  assert.equal(await runFault(['--control', control, 'drop', '--nth', '1', '--only', 'response'], (l) => out.push(l)), 0);
  assert.match(out[0]!, /1 fault rule\(s\) armed/);
  reader.send(RESP);
  assert.equal(controller.got.length, 0);
  assert.equal(await runFault(['--control', control, 'wrongStatus', '--status', 'busy'], (l) => out.push(l)), 1);
  assert.match(out.at(-1)!, /EMU_ERR_BAD_FAULT/);
  assert.equal(await runFault(['--control', control, '--reader', '1', '--clear'], (l) => out.push(l)), 1);
  assert.match(out.at(-1)!, /EMU_ERR_UNKNOWN_READER/);
  assert.equal(await runFault(['--control', control, '--clear'], (l) => out.push(l)), 0);
  assert.deepEqual(tap.faults.armed, []);
});

test('endpoints are written as a serial path, tcp://, listen:tcp:// or pty[:LINK]', () => {
  assert.deepEqual(parseEndpoint('/dev/ttyUSB0'), { kind: 'serial', path: '/dev/ttyUSB0' });
  assert.deepEqual(parseEndpoint('COM3'), { kind: 'serial', path: 'COM3' });
  assert.deepEqual(parseEndpoint('serial:/dev/ttyS0'), { kind: 'serial', path: '/dev/ttyS0' });
  assert.deepEqual(parseEndpoint('tcp://127.0.0.1:2217'), { kind: 'tcp', host: '127.0.0.1', port: 2217 });
  assert.deepEqual(parseEndpoint('listen:tcp://127.0.0.1:0'), { kind: 'listen', host: '127.0.0.1', port: 0 });
  assert.deepEqual(parseEndpoint('pty:/tmp/ttyTAP'), { kind: 'pty', link: '/tmp/ttyTAP' });
  assert.throws(() => parseEndpoint('tcp://nohost'), { code: 'TAP_ERR_ENDPOINT' });
  assert.throws(() => parseEndpoint('rfc2217://127.0.0.1:1'), { code: 'TAP_ERR_ENDPOINT' });
});

test("the controller's side follows the reader's line: hung up when the reader's port goes, restored when it is back", async () => {
  const { controller, reader, tap } = setUp();
  const calls: string[] = [];
  Object.assign(controller, {
    hangUp: async (why: string) => void calls.push(`hangUp ${why}`),
    restore: async () => void calls.push('restore'),
  });
  reader.onState!(false, '/dev/ttyREADER closed');
  reader.onState!(true);
  await tap.close(); // waits for the line's changes
  assert.deepEqual(calls, ["hangUp the reader's port went away (/dev/ttyREADER closed)", 'restore']);
});

test('oqs-reader tap: usage errors exit 2 before anything is opened; an endpoint that cannot be opened exits 1 with its code', async () => {
  const lines: string[] = [];
  const run = (...argv: string[]) => runTap(argv, (l) => lines.push(l));
  assert.equal(await run('--reader', '/dev/ttyUSB0'), 2);
  assert.match(lines.at(-1)!, /--reader ENDPOINT and --controller ENDPOINT are both required/);
  assert.equal(await run('--reader', 'rfc2217://127.0.0.1:1', '--controller', 'pty'), 2);
  assert.match(lines.at(-1)!, /is not an endpoint/);
  assert.equal(await run('--reader', '/dev/ttyUSB0', '--controller', 'pty', '--fault', 'wrongStatus,status=busy'), 2);
  assert.match(lines.at(-1)!, /wrongStatus makes the reader answer otherwise/);
  assert.equal(await run('--reader', '/dev/ttyUSB0', '--controller', 'pty', '--fault', 'corrupt,direction=toReader'), 2);
  assert.match(lines.at(-1)!, /toward the reader only drop and delay/);
  assert.equal(await run('--reader', '/nonexistent/ttyOQS-TAP', '--controller', 'listen:tcp://127.0.0.1:0'), 1);
  assert.match(lines.at(-1)!, /^oqs-reader tap: \S+: .*ttyOQS-TAP/);
});
