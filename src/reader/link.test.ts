import { test } from 'node:test';
import { expect } from 'chai';
import fc from 'fast-check';
import { EventEmitter } from 'node:events';
import { FrameDecoder, decodeMessage, encodeAck, encodeEvent, encodeFrame, encodeResponse, type Message } from '../protocol';
import { VirtualClock } from '../time/virtual-clock';
import { OqsError, ReaderRefusedError } from './errors';
import { ReaderLink, type BytePort, type ReaderEvent } from './link';

/** A byte pipe the test controls: what the link writes is kept, what the reader sends is pushed in. */
class FakePort extends EventEmitter implements BytePort {
  isOpen = true;
  readonly written: Buffer[] = [];

  write(data: Buffer, cb: (err?: Error | null) => void): boolean {
    this.written.push(Buffer.from(data));
    cb(null);
    return true;
  }

  close(cb: (err?: Error | null) => void): void {
    this.isOpen = false;
    this.emit('close');
    cb(null);
  }

  /** The reader sends bytes. */
  receive(bytes: Buffer): void {
    this.emit('data', bytes);
  }

  /** Everything the link wrote, decoded. */
  sent(): Message[] {
    const out: Message[] = [];
    const decoder = new FrameDecoder((f) => out.push(decodeMessage(f)));
    for (const b of this.written) decoder.push(b);
    return out;
  }

  /** The seq of the last command the link wrote. */
  lastCommandSeq(): number {
    const cmd = this.sent()
      .filter((m) => m.kind === 'command')
      .at(-1);
    if (!cmd) throw new Error('no command was written');
    return cmd.seq;
  }
}

function setup(commandTimeoutMs = 500) {
  const clock = new VirtualClock(0);
  const port = new FakePort();
  const link = new ReaderLink(port, clock, commandTimeoutMs);
  const errors: Array<{ code: string; message: string }> = [];
  const events: ReaderEvent[] = [];
  link.on('linkError', (e: { code: string; message: string }) => errors.push(e));
  link.on('event', (e: ReaderEvent) => events.push(e));
  return { clock, port, link, errors, events };
}

/** Watches a promise without awaiting it. */
function watch<T>(p: Promise<T>) {
  const w: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  p.then(
    (v) => Object.assign(w, { settled: true, value: v }),
    (e: unknown) => Object.assign(w, { settled: true, error: e }),
  );
  return w;
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

test('a command with no answer rejects with OQS_ERR_READER_TIMEOUT after exactly commandTimeoutMs of virtual time', async () => {
  const { clock, link } = setup(500);
  const w = watch(link.request('getStatus', {}));
  await clock.advance(499);
  expect(w.settled).to.equal(false);
  await clock.advance(1);
  expect(w.settled).to.equal(true);
  expect(w.error).to.be.instanceOf(OqsError);
  expect(w.error).to.have.property('code', 'OQS_ERR_READER_TIMEOUT');
  expect((w.error as Error).message)
    .to.include('getStatus')
    .and.include('500');
  expect(clock.now()).to.equal(500);
  expect(clock.pending()).to.deep.equal([]);
});

test('a per-request timeout overrides commandTimeoutMs', async () => {
  const { clock, link } = setup(500);
  const t0 = clock.now();
  const err = await clock.resolve(link.request('getStatus', {}, 2000)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).to.have.property('code', 'OQS_ERR_READER_TIMEOUT');
  expect(clock.now() - t0).to.equal(2000);
});

test('an ok response resolves with its fields and cancels the timeout', async () => {
  const { clock, port, link } = setup();
  const p = link.request('setMode', { mode: 2 });
  port.receive(encodeResponse('setMode', 9, port.lastCommandSeq(), 'ok', { mode: 2 }));
  expect(await p).to.deep.equal({ mode: 2 });
  expect(clock.pending()).to.deep.equal([]);
});

test('a non-ok response rejects with OQS_ERR_READER_REFUSED carrying the status', async () => {
  const { clock, port, link } = setup();
  const w = watch(link.request('setMode', { mode: 3 }));
  port.receive(encodeResponse('setMode', 9, port.lastCommandSeq(), 'busy'));
  await flush();
  expect(w.error).to.be.instanceOf(OqsError);
  expect(w.error).to.have.property('code', 'OQS_ERR_READER_REFUSED');
  expect(w.error).to.have.property('status', 'busy');
  expect((w.error as Error).message)
    .to.include('setMode')
    .and.include('busy');
  expect(clock.pending()).to.deep.equal([]);
});

test('a refusal is a ReaderRefusedError: command and status typed, readable without a cast', async () => {
  const { port, link } = setup();
  const refusal = link.request('startVisualCheck', { checkId: 1, confirmationDate: '20261202' }).catch((e: unknown) => e);
  port.receive(encodeResponse('startVisualCheck', 9, port.lastCommandSeq(), 'badState'));
  const err = await refusal;
  expect(err).to.be.instanceOf(ReaderRefusedError);
  const refused = err as ReaderRefusedError;
  expect([refused.code, refused.command, refused.status, refused.fault]).to.deep.equal(['OQS_ERR_READER_REFUSED', 'startVisualCheck', 'badState', 'peer']);
  expect(refused.messageJa).to.equal('顔認証付きカードリーダーが操作を受け付けませんでした。');
});

test('the link counts frames in and out (ACKs and repeats included) in the shared LinkStats shape', async () => {
  const { clock, port, link } = setup(300);
  const p = link.request('getStatus', {});
  p.catch(() => undefined);
  await clock.advance(299); // the command and its two repeats
  port.receive(encodeEvent('screenShown', 1, { screen: 2 })); // one in, its ACK out
  port.receive(encodeResponse('getStatus', 2, port.lastCommandSeq(), 'ok', { mode: 1, state: 0, cardPresent: 0, screen: 2, txId: 0 }));
  await p;
  expect(link.stats).to.deep.equal({
    framesIn: 2,
    framesOut: 4,
    badFrames: 0,
    commandRetries: 2,
    duplicateEvents: 0,
    acksIn: 0,
    retransmits: 0,
    duplicateCommands: 0,
  });
});

test('a response is matched by reqSeq and name, not by arrival order', async () => {
  const { port, link } = setup();
  const first = watch(link.request('getStatus', {}));
  const firstSeq = port.lastCommandSeq();
  const second = watch(link.request('setMode', { mode: 1 }));
  const secondSeq = port.lastCommandSeq();
  expect(secondSeq).to.not.equal(firstSeq);
  port.receive(encodeResponse('setMode', 20, secondSeq, 'ok', { mode: 1 }));
  // a response naming the wrong command for a pending seq is ignored
  port.receive(encodeResponse('reset', 21, firstSeq, 'ok'));
  await flush();
  expect(second.value).to.deep.equal({ mode: 1 });
  expect(first.settled).to.equal(false);
  port.receive(encodeResponse('getStatus', 22, firstSeq, 'ok', { mode: 1, state: 0, cardPresent: 0, screen: 1, txId: 0 }));
  await flush();
  expect(first.value).to.include({ mode: 1, screen: 1 });
});

test('the port closing rejects pending commands with OQS_ERR_READER_DISCONNECTED and emits close', async () => {
  const { clock, port, link } = setup();
  let closes = 0;
  link.on('close', () => closes++);
  const a = watch(link.request('getStatus', {}));
  const b = watch(link.request('reset', {}));
  port.isOpen = false;
  port.emit('close');
  await flush();
  for (const w of [a, b]) {
    expect(w.error).to.be.instanceOf(OqsError);
    expect(w.error).to.have.property('code', 'OQS_ERR_READER_DISCONNECTED');
  }
  expect(closes).to.equal(1);
  expect(link.isOpen).to.equal(false);
  expect(clock.pending()).to.deep.equal([]);
});

test('link.close() rejects pending commands with OQS_ERR_READER_DISCONNECTED', async () => {
  const { port, link } = setup();
  const w = watch(link.request('getStatus', {}));
  await link.close();
  await flush();
  expect(port.isOpen).to.equal(false);
  expect(w.error).to.have.property('code', 'OQS_ERR_READER_DISCONNECTED');
});

test('a request on a closed link rejects at once and writes nothing', async () => {
  const { clock, port, link } = setup();
  await link.close();
  const before = port.written.length;
  const w = watch(link.request('getStatus', {}));
  await flush();
  expect(w.settled).to.equal(true);
  expect(w.error).to.be.instanceOf(OqsError);
  expect(w.error).to.have.property('code', 'OQS_ERR_READER_DISCONNECTED');
  expect(port.written.length).to.equal(before);
  expect(clock.pending()).to.deep.equal([]);
  expect(clock.now()).to.equal(0);
});

test('a write error rejects the command with OQS_ERR_READER_DISCONNECTED and clears its timer', async () => {
  const { clock, port, link } = setup();
  port.write = (data: Buffer, cb: (err?: Error | null) => void) => {
    port.written.push(Buffer.from(data));
    cb(new Error('EIO'));
    return false;
  };
  const w = watch(link.request('getStatus', {}));
  await flush();
  expect(w.error).to.have.property('code', 'OQS_ERR_READER_DISCONNECTED');
  expect(clock.pending()).to.deep.equal([]);
});

test('every received event frame is ACKed with its seq, and emitted', async () => {
  const { port, link, events } = setup();
  port.receive(encodeEvent('cardPlaced', 42, { txId: 7, cardKind: 1 }));
  port.receive(Buffer.concat([encodeEvent('screenShown', 43, { screen: 2 }), encodeEvent('screenShown', 43, { screen: 2 })]));
  port.receive(encodeEvent('cardRemoved', 255, { txId: 7 }));
  const acks = port.sent().filter((m) => m.kind === 'ack');
  expect(acks.map((a) => (a.kind === 'ack' ? a.ackSeq : -1))).to.deep.equal([42, 43, 43, 255]);
  // each ACK carries a fresh sequence number of the host
  expect(new Set(acks.map((a) => a.seq)).size).to.equal(4);
  // the repeated screenShown #43 is the reader's retransmission: ACKed again, handled once
  expect(events.map((e) => e.name)).to.deep.equal(['cardPlaced', 'screenShown', 'cardRemoved']);
  expect(link.stats.duplicateEvents).to.equal(1);
  expect(events[0]!.fields).to.deep.equal({ txId: 7, cardKind: 1 });
  expect(link.isOpen).to.equal(true);
});

test('an event split over many chunks is ACKed once it is complete', () => {
  const { port, events } = setup();
  const bytes = encodeEvent('pinResult', 5, { txId: 1, ok: 0, triesLeft: 2 });
  for (let i = 0; i < bytes.length - 1; i++) port.receive(bytes.subarray(i, i + 1));
  expect(port.sent().filter((m) => m.kind === 'ack')).to.have.length(0);
  port.receive(bytes.subarray(bytes.length - 1));
  expect(port.sent().filter((m) => m.kind === 'ack')).to.have.length(1);
  expect(events).to.have.length(1);
});

test('responses and ACKs from the reader are not ACKed', () => {
  const { port } = setup();
  port.receive(encodeAck(3, 0));
  port.receive(encodeResponse('reset', 4, 200, 'ok'));
  expect(port.written).to.have.length(0);
});

test('a late response for a timed-out command is ignored and does not answer the next command', async () => {
  const { clock, port, link, errors } = setup(500);
  const late = watch(link.request('getStatus', {}));
  const lateSeq = port.lastCommandSeq();
  await clock.advance(500);
  expect(late.error).to.have.property('code', 'OQS_ERR_READER_TIMEOUT');

  const next = watch(link.request('getStatus', {}));
  const nextSeq = port.lastCommandSeq();
  port.receive(encodeResponse('getStatus', 30, lateSeq, 'ok', { mode: 3, state: 0, cardPresent: 0, screen: 1, txId: 0 }));
  await flush();
  expect(next.settled).to.equal(false);
  expect(errors).to.deep.equal([]);

  port.receive(encodeResponse('getStatus', 31, nextSeq, 'ok', { mode: 1, state: 0, cardPresent: 0, screen: 1, txId: 0 }));
  await flush();
  expect(next.value).to.include({ mode: 1 });
});

test('garbage and a bad CRC emit linkError and do not break the frames after them', async () => {
  const { port, link, errors, events } = setup();
  const pending = watch(link.request('getStatus', {}));
  const seq = port.lastCommandSeq();

  // line noise without a start byte is skipped
  port.receive(Buffer.from([0x00, 0x13, 0x37, 0xff]));
  // a frame whose CRC is wrong
  const bad = Buffer.from(encodeEvent('cardPlaced', 10, { txId: 1, cardKind: 1 }));
  bad[bad.length - 1] = bad[bad.length - 1]! ^ 0xff;
  port.receive(bad);
  // a well-formed frame of an unknown type (garbage content)
  port.receive(encodeFrame({ seq: 11, type: 0x7e, payload: Buffer.from([1, 2, 3]) }));
  // a known event whose payload is cut short
  port.receive(encodeFrame({ seq: 12, type: 0x40, payload: Buffer.from([0, 0]) }));

  expect(errors.map((e) => e.code)).to.deep.equal(['LINK_ERR_CRC', 'LINK_ERR_UNKNOWN_TYPE', 'LINK_ERR_PAYLOAD']);
  expect(events).to.have.length(0);
  expect(port.sent().filter((m) => m.kind === 'ack')).to.have.length(0);

  port.receive(encodeEvent('cardPlaced', 13, { txId: 2, cardKind: 1 }));
  port.receive(encodeResponse('getStatus', 14, seq, 'ok', { mode: 1, state: 1, cardPresent: 1, screen: 2, txId: 2 }));
  await flush();
  expect(events.map((e) => e.fields)).to.deep.equal([{ txId: 2, cardKind: 1 }]);
  expect(
    port
      .sent()
      .filter((m) => m.kind === 'ack')
      .map((m) => (m.kind === 'ack' ? m.ackSeq : -1)),
  ).to.deep.equal([13]);
  expect(pending.value).to.include({ cardPresent: 1, txId: 2 });
  expect(link.isOpen).to.equal(true);
});

test('a port error is reported as linkError', () => {
  const { port, errors } = setup();
  port.emit('error', new Error('framing error'));
  expect(errors).to.deep.equal([{ code: 'OQS_ERR_PORT', message: 'framing error' }]);
});

test('frames in and out are traced when someone listens', async () => {
  const { port, link } = setup();
  const trace: Array<{ dir: string; kind: string | undefined }> = [];
  link.on('frame', (f: { dir: string; message?: Message }) => trace.push({ dir: f.dir, kind: f.message?.kind }));
  const p = link.request('reset', {});
  port.receive(encodeResponse('reset', 1, port.lastCommandSeq(), 'ok'));
  await p;
  port.receive(encodeEvent('screenShown', 2, { screen: 1 }));
  expect(trace).to.deep.equal([
    { dir: 'out', kind: 'command' },
    { dir: 'in', kind: 'response' },
    { dir: 'in', kind: 'event' },
    { dir: 'out', kind: 'ack' },
  ]);
});

test('an event is handed to listeners before its ACK is written', () => {
  const port = new FakePort();
  const link = new ReaderLink(port, new VirtualClock(0));
  const order: string[] = [];
  link.on('event', () => order.push(`event (acks written so far: ${port.written.length})`));
  port.emit('data', encodeEvent('cardRemoved', 9, { txId: 1 }));
  expect(order).to.deep.equal(['event (acks written so far: 0)']);
  expect(port.sent()).to.have.length(1);
  expect(port.sent()[0]).to.include({ kind: 'ack', ackSeq: 9 });
});

test('a command without an answer is sent again with the same SEQ, then times out', async () => {
  const { port, link, clock } = setup();
  const p = link.request('getStatus', {});
  p.catch(() => undefined);
  await clock.advance(link.commandTimeoutMs - 1);
  const sent = port.sent().filter((m) => m.kind === 'command');
  expect(sent).to.have.length(3);
  expect(new Set(sent.map((m) => m.seq)).size).to.equal(1);
  expect(link.stats.commandRetries).to.equal(2);
  await clock.advance(1);
  let err: unknown;
  await p.catch((e) => (err = e));
  expect(err).to.have.property('code', 'OQS_ERR_READER_TIMEOUT');
});

test('the same SEQ with other bytes, or from long ago, is a new event, not a repeat', () => {
  const { port, events } = setup();
  port.receive(encodeEvent('screenShown', 7, { screen: 2 }));
  port.receive(encodeEvent('screenShown', 7, { screen: 3 }));
  for (let s = 8; s < 8 + 200; s++) port.receive(encodeEvent('cardRemoved', s & 0xff, { txId: s }));
  port.receive(encodeEvent('screenShown', 7, { screen: 3 }));
  expect(events.filter((e) => e.name === 'screenShown')).to.have.length(3);
});

test('an event that arrives while nobody records it is not ACKed, so the reader sends it again', () => {
  const port = new FakePort();
  const link = new ReaderLink(port, new VirtualClock(0));
  port.receive(encodeEvent('cardRemoved', 3, { txId: 1 }));
  expect(port.sent()).to.deep.equal([]);
  const events: ReaderEvent[] = [];
  link.on('event', (e: ReaderEvent) => events.push(e));
  port.receive(encodeEvent('cardRemoved', 3, { txId: 1 }));
  expect(events).to.have.length(1);
  expect(port.sent()).to.have.length(1);
});

test('property: a command answered t ms after it was sent was written 1 + ⌊t / (timeout/attempts)⌋ times (at most attempts), always with one SEQ, and resolves only if t < timeout', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 400 }),
      fc.integer({ min: 0, max: 2000 }),
      async (attempts, intervalMs, tRaw) => {
        const timeoutMs = intervalMs * attempts;
        const t = tRaw % (timeoutMs + intervalMs);
        const clock = new VirtualClock(0);
        const port = new FakePort();
        const link = new ReaderLink(port, clock, timeoutMs, attempts);
        const w = watch(link.request('getStatus', {}));
        await clock.advance(t);
        const commands = port.sent().filter((m) => m.kind === 'command');
        if (commands.length > 0)
          port.receive(encodeResponse('getStatus', 0, commands[0]!.seq, 'ok', { mode: 1, state: 0, cardPresent: 0, screen: 1, txId: 0 }));
        await flush();
        expect(commands).to.have.length(t < timeoutMs ? Math.min(attempts, 1 + Math.floor(t / intervalMs)) : attempts);
        expect(new Set(commands.map((m) => m.seq)).size).to.equal(1);
        expect(link.stats.commandRetries).to.equal(commands.length - 1);
        expect(w.error === undefined, `t=${t} timeout=${timeoutMs}`).to.equal(t < timeoutMs);
        if (t >= timeoutMs) expect(w.error).to.have.property('code', 'OQS_ERR_READER_TIMEOUT');
        expect(clock.pending()).to.deep.equal([]);
      },
    ),
  );
});
