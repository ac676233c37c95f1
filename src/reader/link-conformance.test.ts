/**
 * Conformance of the controller's end of the link (ReaderLink, Terminal) to the numbered rules of
 * docs/protocol.md that bind the host. Each test names its rule IDs (scripts/protocol-rules.cjs).
 */
import { test } from 'node:test';
import { EventEmitter } from 'node:events';
import { expect } from 'chai';
import { EmulatedReader, EmulatorBinding } from '../../simulator';
import { FrameDecoder, decodeMessage, encodeEvent, encodeFrame, encodeResponse, type Message } from '../protocol';
import { VirtualClock } from '../time/virtual-clock';
import { ReaderLink, type BytePort, type ReaderEvent } from './link';
import { ReaderClient } from './reader-client';
import { MemoryStore } from './store';
import { Terminal } from './terminal';

/** The reader's side of the wire is the test: `from` pushes reader bytes, `out()` decodes the host's. */
function hostLink() {
  const clock = new VirtualClock(0);
  const wire = new EventEmitter();
  const written: Buffer[] = [];
  const port = Object.assign(wire, {
    isOpen: true,
    write: (b: Buffer, cb: (e?: Error | null) => void) => (written.push(Buffer.from(b)), cb(null), true),
    close: (cb: (e?: Error | null) => void) => cb(null),
  }) as unknown as BytePort;
  const link = new ReaderLink(port, clock, 3000);
  const events: ReaderEvent[] = [];
  const errors: string[] = [];
  link.on('event', (e: ReaderEvent) => events.push(e));
  link.on('linkError', (e: { code: string }) => errors.push(e.code));
  const from = (b: Buffer) => wire.emit('data', b);
  const out = (): Message[] => {
    const got: Message[] = [];
    const d = new FrameDecoder((f) => got.push(decodeMessage(f)));
    written.forEach((b) => d.push(b));
    return got;
  };
  const acks = () => out().flatMap((m) => (m.kind === 'ack' ? [m.ackSeq] : []));
  return { clock, link, events, errors, from, out, acks, written };
}

test('PR-5-3 PR-3.4-3 the host ACKs every event it decodes (readerReset too), after handing it on; never responses or ACKs', () => {
  const h = hostLink();
  let acksWhenHandedOn = -1;
  h.link.on('event', () => (acksWhenHandedOn = h.acks().length));
  h.from(encodeEvent('readerReset', 0, { bootId: 1 }));
  expect(acksWhenHandedOn).to.equal(0);
  h.from(encodeEvent('screenShown', 1, { screen: 1 }));
  h.from(encodeResponse('getStatus', 2, 9, 'busy'));
  h.from(encodeFrame({ seq: 3, type: 0x01, payload: Buffer.from([0]) }));
  expect(h.acks()).to.deep.equal([0, 1]);
  expect(h.events.map((e) => e.name)).to.deep.equal(['readerReset', 'screenShown']);
});

test('PR-3.5-4 the host drops a frame that does not decode: a link error, no ACK (the unknownCommand answer included)', () => {
  const h = hostLink();
  h.from(encodeFrame({ seq: 0, type: 0x4c, payload: Buffer.alloc(0) })); // an event TYPE not in version 1
  h.from(encodeFrame({ seq: 1, type: 0x48, payload: Buffer.from([1, 2]) })); // screenShown with a trailing byte
  h.from(encodeFrame({ seq: 2, type: 0xbe, payload: Buffer.from([7, 5]) })); // unknownCommand for a command it never sent
  expect(h.errors).to.deep.equal(['LINK_ERR_UNKNOWN_TYPE', 'LINK_ERR_PAYLOAD', 'LINK_ERR_UNKNOWN_TYPE']);
  expect(h.acks()).to.deep.equal([]);
  expect(h.events).to.deep.equal([]);
});

test('PR-5-2 PR-3.5-5 responses are matched by reqSeq and TYPE; a stray or late one is ignored', async () => {
  const h = hostLink();
  const status = h.link.request('getStatus', {});
  const mode = h.link.request('setMode', { mode: 2 });
  h.from(encodeResponse('getStatus', 0, 1, 'ok', { mode: 1, state: 0, cardPresent: 0, screen: 1, txId: 0 })); // reqSeq of setMode, wrong TYPE
  h.from(encodeResponse('setMode', 1, 1, 'ok', { mode: 2 }));
  h.from(encodeResponse('reset', 2, 77, 'ok')); // nobody asked
  h.from(encodeResponse('getStatus', 3, 0, 'ok', { mode: 2, state: 0, cardPresent: 0, screen: 1, txId: 5 }));
  expect(await mode).to.deep.equal({ mode: 2 });
  expect(await status).to.include({ mode: 2, txId: 5 });
  expect(h.errors).to.deep.equal([]);
});

test('PR-5-8 a repeated event (same SEQ and bytes) is ACKed again but handed on once; a readerReset ends that memory', () => {
  const h = hostLink();
  const placed = encodeEvent('cardPlaced', 4, { txId: 9, cardKind: 1 });
  h.from(placed);
  h.from(placed);
  expect(h.acks()).to.deep.equal([4, 4]);
  expect(h.events).to.have.length(1);
  h.from(encodeEvent('readerReset', 0, { bootId: 2 }));
  h.from(placed); // SEQ 4 of the restarted reader is a new frame
  expect(h.events.map((e) => e.name)).to.deep.equal(['cardPlaced', 'readerReset', 'cardPlaced']);
});

test('PR-5-9 a command without a response is sent again with the same bytes each second, and fails at 3 s', async () => {
  const h = hostLink();
  const p = h.link.request('getStatus', {}).catch((e: { code: string }) => e.code);
  await h.clock.advance(3000);
  expect(await p).to.equal('OQS_ERR_READER_TIMEOUT');
  const sent = h.written.map((b) => b.toString('hex'));
  expect(sent).to.have.length(3);
  expect(new Set(sent).size).to.equal(1);
});

test('PR-5-10 an outcome sent again under a new SEQ (a restarted host, or PR-5-5) is recorded once', async () => {
  const clock = new VirtualClock(Date.UTC(2026, 10, 24, 1, 0));
  const binding = new EmulatorBinding();
  const reader = new EmulatedReader({ clock, txIdSeed: 0 });
  binding.addPort('/dev/ttyEMU0', reader);
  const settle = async <T>(p: Promise<T>) => {
    const v = await clock.resolve(p);
    await clock.runUntilIdle();
    return v;
  };
  const terminal = new Terminal({ clock, store: new MemoryStore() });
  await settle(terminal.attachReader(await settle(ReaderClient.open({ path: '/dev/ttyEMU0', binding, clock }))));
  await settle(Promise.resolve().then(() => reader.placeCard('normal')));
  await settle(Promise.resolve().then(() => reader.chooseMethod('face')));
  await settle(reader.presentFace());
  const confirmed = { txId: 1, method: 1, cardId: reader.model.wallet.get('normal').cardId, checkId: 0 };
  // The reader's link puts the same outcome on the wire again as a new frame (next SEQ).
  (reader.link as unknown as { sendEvent: (n: string, f: object) => void }).sendEvent('identityConfirmed', confirmed);
  await settle(Promise.resolve());
  expect(terminal.records().map((r) => r.id)).to.deep.equal(['EMU-0001:1']);
  await settle(terminal.close());
});
