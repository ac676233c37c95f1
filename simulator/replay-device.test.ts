import { test } from 'node:test';
import { expect } from 'chai';
import { FrameDecoder, decodeMessage, encodeAck, encodeCommand, encodeEvent, encodeFrame, encodeResponse, type Message } from '../src/protocol';
import type { Actor } from '../src/reader/accounts';
import type { Terminal } from '../src/reader/terminal';
import { VirtualClock } from '../src/time/virtual-clock';
import type { Trace, TraceFrame } from '../src/trace/format';
import { attachRecorded, type After } from '../src/trace/test-recording';
import { EmulatedReader } from './emulated-reader';
import { EmulatorBinding, type SerialDevice } from './mock-binding';
import { ReplayDevice, type ReplayMismatch } from './replay-device';

const ADMIN: Actor = { account: 'admin', role: 'admin' };
const STAFF: Actor = { account: 'staff', role: 'general' };
const PATH = '/dev/ttyEMU0';
const START = Date.UTC(2026, 10, 24, 1, 0);

/**
 * A terminal on a device (emulator or replay) over an EmulatorBinding, all on one virtual clock,
 * with a recorder on the terminal. `warmup` getStatus round trips happen before the terminal
 * attaches, so they are not recorded: they shift both SEQ counters.
 */
async function connect(t: After, device: SerialDevice, opts: { clock?: VirtualClock; warmup?: number } = {}) {
  const clock = opts.clock ?? new VirtualClock(START);
  const binding = new EmulatorBinding();
  binding.addPort(PATH, device);
  return attachRecorded(t, { clock, binding, path: PATH, title: 'replay test', warmup: opts.warmup });
}

type Connected = Awaited<ReturnType<typeof connect>>;

/** Runs a flow against the emulator and returns its trace and the terminal it left. */
async function record(t: After, flow: (reader: EmulatedReader, c: Connected) => Promise<void>, opts: { warmup?: number } = {}) {
  const clock = new VirtualClock(START);
  const emulator = new EmulatedReader({ clock, txIdSeed: 0 });
  const c = await connect(t, emulator, { clock, warmup: opts.warmup ?? 0 });
  await flow(emulator, c);
  return { trace: c.recorder.trace(), terminal: c.terminal };
}

const summary = (terminal: Terminal) =>
  terminal
    .records()
    .map((r) => ({ id: r.id, method: r.method, outcome: r.outcome, cardId: r.cardId, failReason: r.failReason, consent: r.consent, operator: r.operator }));

// ---- against a real terminal -------------------------------------------------------------------

test('a recorded flow replayed to a new terminal ends with the same records and mode, without mismatches', async (t) => {
  const original = await record(t, async (reader, c) => {
    await c.act(() => reader.placeCard('normal'));
    await c.act(() => reader.chooseMethod('face'));
    await c.act(() => reader.presentFace());
    await c.act(() => reader.answerConsent('all'));
    await c.act(() => reader.removeCard());
    await c.settle(c.terminal.switchMode(ADMIN, 'visual'));
  });
  expect(original.terminal.records()).to.have.length(1);
  expect(original.terminal.mode).to.equal('visual');

  const replay = new ReplayDevice(original.trace);
  const seen: ReplayMismatch[] = [];
  replay.on('mismatch', (m: ReplayMismatch) => seen.push(m));
  const c = await connect(t, replay);
  await c.settle(c.terminal.switchMode(ADMIN, 'visual'));

  expect(replay.mismatches).to.deep.equal([]);
  expect(seen).to.deep.equal([]);
  expect(replay.done).to.equal(true);
  expect(replay.remaining).to.equal(0);
  expect(replay.stopped).to.equal(false);
  expect(summary(c.terminal)).to.deep.equal(summary(original.terminal));
  expect(summary(c.terminal)[0]).to.include({ method: 'face', outcome: 'confirmed', consent: 'all' });
  expect(c.terminal.mode).to.equal(original.terminal.mode);
  expect(c.terminal.status().readers[0]).to.include({ serial: 'EMU-0001', vendor: 'OQS Emulated' });
  expect(c.terminal.status().readers[0]!.capabilities).to.deep.equal(original.terminal.status().readers[0]!.capabilities);
  // what crossed the wire on the replay is the recording's frames again, SEQ for SEQ
  const again = c.recorder.trace().frames.map((f) => [f.dir, f.hex]);
  expect(again).to.deep.equal(original.trace.frames.map((f) => [f.dir, f.hex]));
});

test('a host that does something else gets a mismatch, and its command times out instead of hanging', async (t) => {
  const original = await record(t, async (_reader, c) => {
    await c.settle(c.terminal.switchMode(ADMIN, 'visual'));
  });
  const replay = new ReplayDevice(original.trace);
  const c = await connect(t, replay);
  const started = c.clock.now();
  let code: string | undefined;
  try {
    await c.settle(c.terminal.switchMode(ADMIN, 'pinOnly'));
  } catch (e) {
    code = (e as { code?: string }).code;
  }
  expect(code).to.equal('OQS_ERR_READER_TIMEOUT');
  // 3 s for the command, then 3 s for the rollback to 無人運転 that the stopped replay never answers
  expect(c.clock.now() - started).to.equal(6000);
  expect(c.terminal.mode).to.equal('unattended');
  expect(replay.mismatches).to.have.length(1);
  const m = replay.mismatches[0]!;
  expect(m.expected).to.deep.include({ kind: 'command', name: 'setMode', fields: { mode: 2 } });
  expect(m.actual).to.deep.include({ kind: 'command', name: 'setMode', fields: { mode: 3 } });
  expect(m.reason).to.equal('the host sent command setMode {"mode":3} where the trace has command setMode {"mode":2}');
  expect(m.index).to.equal(original.trace.frames.findIndex((f) => f.msg?.kind === 'command' && f.msg.fields.mode === 2));
  expect(m.actualHex).to.match(/^a50001[0-9a-f]{2}1203[0-9a-f]{4}$/);
  expect(replay.stopped).to.equal(true);
  expect(replay.done).to.equal(false);
  // stopped: later writes are not answered and not counted
  const again = c.settle(c.terminal.switchMode(ADMIN, 'visual')).catch((e: { code?: string }) => e.code);
  expect(await again).to.equal('OQS_ERR_READER_TIMEOUT');
  expect(replay.mismatches).to.have.length(1);
});

test('a full visual check replays, with responses addressed to the SEQs this host used', async (t) => {
  const original = await record(
    t,
    async (reader, c) => {
      await c.settle(c.terminal.switchMode(ADMIN, 'visual'));
      await c.settle(c.terminal.beginVisualCheck(STAFF, { confirmationDate: '2026/11/24', visuallyConfirmed: true }));
      await c.act(() => reader.placeCard('infant'));
      await c.settle(c.terminal.confirmVisualCheck(STAFF));
      await c.act(() => reader.answerConsent('all'));
      await c.act(() => reader.removeCard());
      c.terminal.completeVisualCheck(STAFF);
      await c.settle(c.terminal.switchMode(ADMIN, 'unattended'));
    },
    { warmup: 5 },
  );
  const replay = new ReplayDevice(original.trace, { path: PATH });
  const c = await connect(t, replay);
  await c.settle(c.terminal.switchMode(ADMIN, 'visual'));
  await c.settle(c.terminal.beginVisualCheck(STAFF, { confirmationDate: '2026/11/24', visuallyConfirmed: true }));
  expect(c.terminal.visual.view().state).to.equal('awaitingConfirmation');
  const rec = await c.settle(c.terminal.confirmVisualCheck(STAFF));
  expect(rec).to.include({ method: 'visual', outcome: 'confirmed', operator: 'staff', confirmationDate: '2026/11/24' });
  c.terminal.completeVisualCheck(STAFF);
  await c.settle(c.terminal.switchMode(ADMIN, 'unattended'));
  expect(replay.mismatches).to.deep.equal([]);
  expect(replay.done).to.equal(true);
  expect(summary(c.terminal)).to.deep.equal(summary(original.terminal));
  expect(c.terminal.mode).to.equal('unattended');
  // the recording's host SEQs were 5 higher (warm-up); each response was readdressed
  const firstCommand = (tr: Trace) => tr.frames.find((f) => f.dir === 'h2r' && f.msg?.kind === 'command' && f.msg.name !== 'hello')!.msg!.seq;
  expect(firstCommand(original.trace) - firstCommand(c.recorder.trace())).to.equal(5);
  const frames = c.recorder.trace().frames;
  for (const [i, f] of frames.entries()) {
    if (f.msg?.kind !== 'response') continue;
    const command = frames
      .slice(0, i)
      .reverse()
      .find((g) => g.msg?.kind === 'command')!;
    expect(f.msg.reqSeq).to.equal(command.msg!.seq);
  }
});

// ---- the device alone ----------------------------------------------------------------------------

const header: Trace['header'] = {
  trace: 1,
  startedAt: '2026-11-24T01:00:00.000Z',
  title: 'hand-made',
  readers: [
    {
      path: PATH,
      identity: { vendor: 'V', model: 'M', firmware: '9', serial: 'S-1', protocolVersion: 1, capabilities: ['face', 'pin', 'bogus'] },
    },
  ],
};

function frameOf(dir: TraceFrame['dir'], bytes: Buffer, path = PATH): TraceFrame {
  let msg: Message | null;
  try {
    msg = decodeMessage({ seq: bytes[3]!, type: bytes[4]!, payload: bytes.subarray(5, bytes.length - 2) });
  } catch {
    msg = null;
  }
  return { t: 0, path, dir, hex: bytes.toString('hex'), msg };
}

/** The device with a sink that decodes what it sends. */
function harness(trace: Trace, path?: string) {
  const device = new ReplayDevice(trace, path === undefined ? {} : { path });
  const sent: Message[] = [];
  const raw: Buffer[] = [];
  const decoder = new FrameDecoder((f) => {
    raw.push(encodeFrame(f));
    try {
      sent.push(decodeMessage(f));
    } catch {
      /* raw only */
    }
  });
  device.connect((b) => decoder.push(b));
  return { device, sent, raw };
}

test('events before the first host frame go out on connect; hello is answered from the header', () => {
  const trace: Trace = {
    header,
    frames: [
      frameOf('r2h', encodeEvent('screenShown', 40, { screen: 1 })),
      frameOf('h2r', encodeAck(0, 40)),
      frameOf('h2r', encodeCommand('reset', 7, {})),
      frameOf('r2h', encodeResponse('reset', 41, 7, 'ok')),
    ],
  };
  const { device, sent } = harness(trace);
  expect(sent).to.deep.equal([{ kind: 'event', seq: 40, name: 'screenShown', fields: { screen: 1 } }]);
  device.feed(encodeCommand('hello', 0, { protocolVersion: 1, host: 'h' }));
  expect(sent[1]).to.deep.equal({
    kind: 'response',
    seq: 39,
    name: 'hello',
    reqSeq: 0,
    status: 'ok',
    fields: { protocolVersion: 1, vendor: 'V', model: 'M', firmware: '9', serial: 'S-1', capabilities: 3 },
  });
  device.feed(encodeCommand('hello', 1, { protocolVersion: 2, host: 'h' }));
  expect(sent[2]).to.deep.include({ name: 'hello', reqSeq: 1, status: 'badVersion' });
  device.feed(encodeAck(2, 40));
  expect(device.done).to.equal(false);
  device.feed(encodeCommand('reset', 3, {}));
  expect(sent[3]).to.deep.equal({ kind: 'response', seq: 41, name: 'reset', reqSeq: 3, status: 'ok', fields: {} });
  expect(device.done).to.equal(true);
  expect(device.mismatches).to.deep.equal([]);
  // a reconnect does not send the leading events again
  device.disconnect();
  device.connect(() => expect.fail('nothing to send'));
});

test('a recorded hello is matched like any command; a write past the end is a mismatch', () => {
  const trace: Trace = {
    header,
    frames: [
      frameOf('h2r', encodeCommand('hello', 0, { protocolVersion: 1, host: 'oqs-reader' })),
      frameOf('r2h', encodeResponse('hello', 0, 0, 'ok', { protocolVersion: 1, vendor: 'R', model: 'R', firmware: 'R', serial: 'R', capabilities: 1 })),
    ],
  };
  const { device, sent } = harness(trace);
  device.feed(encodeCommand('hello', 9, { protocolVersion: 1, host: 'oqs-reader' }));
  expect(sent).to.have.length(1);
  expect(sent[0]).to.deep.include({ reqSeq: 9, fields: { protocolVersion: 1, vendor: 'R', model: 'R', firmware: 'R', serial: 'R', capabilities: 1 } });
  expect(device.done).to.equal(true);
  device.feed(encodeCommand('getStatus', 10, {}));
  expect(device.mismatches).to.have.length(1);
  expect(device.mismatches[0]).to.deep.include({ index: -1, expected: null, reason: 'the host sent command getStatus {} after the end of the trace' });
});

test('an ACK for nothing, a bad frame, an undecodable frame: each is a mismatch and stops the replay', () => {
  const trace: Trace = { header, frames: [frameOf('h2r', encodeCommand('reset', 0, {})), frameOf('r2h', encodeResponse('reset', 0, 0, 'ok'))] };

  const a = harness(trace);
  a.device.feed(encodeAck(0, 77));
  expect(a.device.mismatches[0]).to.deep.include({
    index: 0,
    reason: 'the host acknowledged SEQ 77, which the replay has not sent as an unacknowledged event',
  });
  expect(a.device.mismatches[0]!.expected).to.deep.include({ name: 'reset' });
  a.device.feed(encodeCommand('reset', 1, {}));
  expect(a.sent).to.deep.equal([]);
  expect(a.device.mismatches).to.have.length(1);

  const b = harness(trace);
  const corrupt = encodeCommand('reset', 0, {});
  corrupt[corrupt.length - 1]! ^= 0xff;
  b.device.feed(corrupt);
  expect(b.device.mismatches[0]).to.deep.include({ index: 0, actual: null, actualHex: '', reason: 'the host sent a bad frame' });
  expect(b.device.mismatches[0]!.error).to.match(/CRC/);

  const c = harness(trace);
  const wrongPayload = encodeFrame({ seq: 0, type: 0x16, payload: Buffer.from([1]) });
  c.device.feed(wrongPayload);
  expect(c.device.mismatches[0]).to.deep.include({
    actual: null,
    actualHex: wrongPayload.toString('hex'),
    reason: 'the host sent a frame that does not decode where the trace has command reset {}',
  });
  expect(c.device.mismatches[0]!.error).to.match(/trailing/);

  const d = harness({ header, frames: [] });
  d.device.feed(wrongPayload);
  expect(d.device.mismatches[0]).to.deep.include({ index: -1, reason: 'the host sent a frame that does not decode after the end of the trace' });
});

test('undecodable recorded frames: matched by TYPE and payload, sent back byte for byte', () => {
  const odd = encodeFrame({ seq: 4, type: 0x3e, payload: Buffer.from([1, 2]) });
  const junk = encodeFrame({ seq: 9, type: 0x7e, payload: Buffer.from([5]) });
  const trace: Trace = { header, frames: [frameOf('h2r', odd), frameOf('r2h', junk), frameOf('h2r', odd)] };
  expect(trace.frames[0]!.msg).to.equal(null);
  const { device, raw, sent } = harness(trace);
  device.feed(encodeFrame({ seq: 200, type: 0x3e, payload: Buffer.from([1, 2]) }));
  expect(raw.map((b) => b.toString('hex'))).to.deep.equal([junk.toString('hex')]);
  expect(sent).to.deep.equal([]);
  device.feed(encodeFrame({ seq: 201, type: 0x3e, payload: Buffer.from([1, 3]) }));
  expect(device.mismatches[0]).to.deep.include({
    index: 2,
    expected: null,
    reason: 'the host sent a frame that does not decode where the trace has an undecodable frame',
  });
});

test('a host frame that differs in kind, name, status or fields does not match', () => {
  const cases: Array<[Buffer, Buffer, string]> = [
    [encodeCommand('setMode', 0, { mode: 2 }), encodeCommand('setMode', 5, { mode: 2 }), ''],
    [encodeCommand('setMode', 0, { mode: 2 }), encodeCommand('reset', 0, {}), 'the host sent command reset {} where the trace has command setMode {"mode":2}'],
    [
      encodeCommand('setMode', 0, { mode: 2 }),
      encodeEvent('screenShown', 0, { screen: 2 }),
      'the host sent event screenShown {"screen":2} where the trace has command setMode {"mode":2}',
    ],
    [
      encodeResponse('setMode', 0, 0, 'ok', { mode: 2 }),
      encodeResponse('setMode', 0, 0, 'busy'),
      'the host sent response setMode busy {} where the trace has response setMode ok {"mode":2}',
    ],
    [encodeResponse('setMode', 0, 0, 'busy'), encodeResponse('setMode', 3, 1, 'busy'), ''],
  ];
  for (const [want, got, reason] of cases) {
    const { device } = harness({ header, frames: [frameOf('h2r', want)] });
    device.feed(got);
    expect(device.mismatches.map((m) => m.reason)).to.deep.equal(reason ? [reason] : []);
  }
  // the script waits on a reader frame only if the device was never connected
  const idle = new ReplayDevice({ header, frames: [frameOf('r2h', encodeEvent('screenShown', 0, { screen: 1 }))] });
  idle.feed(encodeCommand('reset', 0, {}));
  expect(idle.mismatches[0]!.reason).to.equal('the host sent command reset {} where the trace has a reader frame (the replay was not connected)');
});

test('the path: chosen when several readers are in the trace, required then, and a trace without identity has no hello', () => {
  const two: Trace = {
    header: { ...header, readers: [...header.readers, { path: '/dev/ttyEMU1', identity: header.readers[0]!.identity }] },
    frames: [frameOf('h2r', encodeCommand('reset', 0, {}), '/dev/ttyEMU1'), frameOf('r2h', encodeResponse('reset', 3, 0, 'ok'), '/dev/ttyEMU1')],
  };
  expect(() => new ReplayDevice(two)).to.throw(/2 reader paths \(\/dev\/ttyEMU0, \/dev\/ttyEMU1\)/);
  expect(() => new ReplayDevice({ header: { ...header, readers: [] }, frames: [] })).to.throw(/0 reader paths \(none\)/);
  const { device, sent } = harness(two, '/dev/ttyEMU0');
  expect(device.done).to.equal(true);
  device.feed(encodeCommand('hello', 0, { protocolVersion: 1, host: 'h' }));
  expect(sent[0]).to.deep.include({ name: 'hello', seq: 0, status: 'ok' });
  const second = harness(two, '/dev/ttyEMU1');
  second.device.feed(encodeCommand('reset', 4, {}));
  expect(second.sent).to.deep.equal([{ kind: 'response', seq: 3, name: 'reset', reqSeq: 4, status: 'ok', fields: {} }]);
  // no identity for the path: hello must be in the trace like anything else
  const anonymous = harness({ header: { ...header, readers: [] }, frames: [frameOf('h2r', encodeCommand('reset', 0, {}))] });
  anonymous.device.feed(encodeCommand('hello', 0, { protocolVersion: 1, host: 'h' }));
  expect(anonymous.device.mismatches[0]!.reason).to.equal('the host sent command hello {"protocolVersion":1,"host":"h"} where the trace has command reset {}');
});
