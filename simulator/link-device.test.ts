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
