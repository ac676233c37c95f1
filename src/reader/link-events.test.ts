// The host's end of the link, reader events: ACKs, repeats, bad frames and traces (link.test.ts has the commands).
import { test } from 'node:test';
import { expect } from 'chai';
import { encodeAck, encodeEvent, encodeFrame, encodeResponse, type Message } from '../protocol';
import { VirtualClock } from '../time/virtual-clock';
import { ReaderLink, type ReaderEvent } from './link';
import { FakePort, setup, watch, flush } from './test-link';

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

test('an event whose recording failed is not taken for a repeat: its retransmission is recorded, then ACKed', () => {
  const { port, link, errors } = setup();
  let fail = true;
  const recorded: string[] = [];
  link.on('event', (e: ReaderEvent) => {
    if (fail) throw new Error('the store failed (disk full)');
    recorded.push(e.name);
  });
  const frame = encodeEvent('cardRemoved', 42, { txId: 7 });
  // Nothing escapes into the port's read (that ended the whole controller): no ACK, no crash,
  // and it is said on the link's error stream, coded.
  expect(() => port.receive(frame)).not.to.throw();
  expect(port.sent()).to.deep.equal([]); // no ACK for what was not recorded
  expect(errors).to.deep.equal([{ code: 'OQS_ERR_INTERNAL', message: 'event cardRemoved not recorded: the store failed (disk full)' }]);
  fail = false;
  port.receive(frame); // the reader sends it again
  expect(recorded).to.deep.equal(['cardRemoved']);
  expect(port.sent().map((m) => m.kind)).to.deep.equal(['ack']);
});
