import { test } from 'node:test';
import { expect } from 'chai';
import { FrameDecoder, Status, decodeMessage, encodeCommand, encodeFrame, RESPONSE_BIT, type Message } from '../src/protocol';
import { VirtualClock } from '../src/time/virtual-clock';
import { EmulatedReader } from './emulated-reader';

function setup() {
  const clock = new VirtualClock(Date.UTC(2026, 10, 24, 0, 30));
  const reader = new EmulatedReader({ clock });
  const frames: Array<{ seq: number; type: number; payload: Buffer }> = [];
  const decoder = new FrameDecoder((f) => frames.push(f));
  reader.connect((bytes) => decoder.push(bytes));
  const messages = (): Message[] => frames.map((f) => decodeMessage(f));
  return { clock, reader, frames, messages };
}

test('a command type the reader does not implement is answered with unknownCommand', () => {
  const { reader, frames } = setup();
  reader.feed(encodeFrame({ seq: 7, type: 0x3e, payload: Buffer.alloc(0) }));
  expect(frames).to.have.length(1);
  expect(frames[0]!.type).to.equal(0x3e | RESPONSE_BIT);
  expect([...frames[0]!.payload]).to.deep.equal([7, Status.unknownCommand]);
});

test('a known command with a malformed payload is answered with malformed', () => {
  const { reader, frames } = setup();
  reader.feed(encodeFrame({ seq: 3, type: 0x12, payload: Buffer.from([1, 2, 3]) }));
  expect([...frames[0]!.payload]).to.deep.equal([3, Status.malformed]);
});

test('the response to cancelVisualCheck goes out before the events it causes', async () => {
  const { clock, reader, messages } = setup();
  reader.feed(encodeCommand('setMode', 0, { mode: 2 }));
  reader.feed(encodeCommand('startVisualCheck', 1, { checkId: 1, confirmationDate: '20261124' }));
  reader.placeCard('normal');
  await clock.runUntilIdle();
  const before = messages().length;
  reader.feed(encodeCommand('cancelVisualCheck', 2, {}));
  await clock.runUntilIdle();
  const after = messages().slice(before);
  expect(after[0]).to.include({ kind: 'response', name: 'cancelVisualCheck', status: 'ok' });
  expect(after.slice(1).map((m) => (m.kind === 'event' ? m.name : m.kind))).to.include('identityFailed');
});

test('acknowledged events leave the unacked set', () => {
  const { reader } = setup();
  reader.placeCard('normal');
  const seqs = [...reader.link.unacked.keys()];
  expect(seqs.length).to.be.greaterThan(0);
  reader.feed(encodeFrame({ seq: 0, type: 0x01, payload: Buffer.from([seqs[0]!]) }));
  expect(reader.link.unacked.has(seqs[0]!)).to.equal(false);
  expect(reader.link.stats.acksIn).to.equal(1);
});

test('a restarted host saying hello again is not a repeat: unACKed events go out again', async () => {
  const { clock, reader, frames } = setup();
  reader.feed(encodeCommand('hello', 0, { protocolVersion: 1, host: 'h' }));
  await Promise.resolve(); // the first hello's own replay (of nothing) has run
  reader.placeCard('normal'); // events the host never ACKs
  const unacked = reader.link.unacked.size;
  expect(unacked).to.be.greaterThan(0);
  const before = frames.length;
  reader.feed(encodeCommand('hello', 0, { protocolVersion: 1, host: 'h' })); // same SEQ and bytes
  await Promise.resolve();
  await Promise.resolve();
  expect(reader.link.stats.duplicateCommands).to.equal(0);
  expect(frames.length - before).to.equal(1 + unacked);
  void clock;
});

test('a SEQ still waiting for its ACK is never reused', () => {
  const { reader } = setup();
  reader.placeCard('normal');
  const waiting = [...reader.link.unacked.keys()];
  // push the counter all the way round; none of the waiting events may be replaced
  for (let i = 0; i < 300; i++) reader.feed(encodeCommand('getStatus', i & 0xff, {}));
  for (const s of waiting) expect(reader.link.unacked.has(s)).to.equal(true);
});
