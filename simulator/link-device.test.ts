import { test } from 'node:test';
import { expect } from 'chai';
import fc from 'fast-check';
import { FrameDecoder, Status, UnknownMessageError, decodeMessage, encodeAck, encodeCommand, encodeFrame, RESPONSE_BIT, type Message } from '../src/protocol';
import { VirtualClock } from '../src/time/virtual-clock';
import { profileNames } from './cards';
import { EmulatedReader } from './emulated-reader';
import type { Stimulus } from './stimulus';
import { PATIENT_ACTS } from './test-flows';

function setup() {
  const clock = new VirtualClock(Date.UTC(2026, 10, 24, 0, 30));
  const reader = new EmulatedReader({ clock });
  const frames: Array<{ seq: number; type: number; payload: Buffer }> = [];
  const decoder = new FrameDecoder((f) => frames.push(f));
  reader.connect((bytes) => decoder.push(bytes));
  const messages = (): Message[] => frames.map((f) => decodeMessage(f));
  return { clock, reader, frames, messages };
}

test('PR-3.5-2 a command type the reader does not implement is answered with unknownCommand', () => {
  const { reader, frames } = setup();
  reader.feed(encodeFrame({ seq: 7, type: 0x3e, payload: Buffer.alloc(0) }));
  expect(frames).to.have.length(1);
  expect(frames[0]!.type).to.equal(0x3e | RESPONSE_BIT);
  expect([...frames[0]!.payload]).to.deep.equal([7, Status.unknownCommand]);
  // A strict version-1 host cannot decode it and drops it (PR-3.5-4); nothing asks for it again.
  expect(() => decodeMessage(frames[0]!)).to.throw(UnknownMessageError);
});

test('PR-3.5-1 a known command with a malformed payload is answered with malformed', () => {
  const { reader, frames } = setup();
  reader.feed(encodeFrame({ seq: 3, type: 0x12, payload: Buffer.from([1, 2, 3]) }));
  expect([...frames[0]!.payload]).to.deep.equal([3, Status.malformed]);
});

test('PR-3.3-6 PR-5-2 the response to cancelVisualCheck goes out before the events it causes', async () => {
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

test('PR-5-3 acknowledged events leave the unacked set', () => {
  const { reader } = setup();
  reader.placeCard('normal');
  const seqs = [...reader.link.unacked.keys()];
  expect(seqs.length).to.be.greaterThan(0);
  reader.feed(encodeFrame({ seq: 0, type: 0x01, payload: Buffer.from([seqs[0]!]) }));
  expect(reader.link.unacked.has(seqs[0]!)).to.equal(false);
  expect(reader.link.stats.acksIn).to.equal(1);
});

test('PR-5-6 a restarted host saying hello again is not a repeat: unACKed events go out again', async () => {
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

test('PR-5-5 an event held past a full turn of the SEQ counter keeps its SEQ, which the counter steps over', () => {
  const { reader, frames } = setup();
  reader.placeCard('normal');
  const held = [...reader.link.unacked.values()].map((u) => u.frame.subarray(3, u.frame.length - 2).toString('hex'));
  const heldSeqs = new Set(reader.link.unacked.keys());
  // push the counter all the way round with responses; none of the waiting events may be lost
  for (let i = 0; i < 300; i++) reader.feed(encodeCommand('getStatus', i & 0xff, {}));
  const still = [...reader.link.unacked.values()].map((u) => u.frame.subarray(3, u.frame.length - 2).toString('hex'));
  expect(still).to.deep.equal(held);
  // every frame put out carried the next SEQ, stepping over the held ones (an ACK under them is theirs)
  let next = 0;
  frames.forEach((f, i) => {
    while (i >= heldSeqs.size && heldSeqs.has(next)) next = (next + 1) & 0xff;
    expect(f.seq, `frame ${i}`).to.equal(next);
    next = (next + 1) & 0xff;
  });
});

// ---- PR-5-1 / PR-5-5: SEQ order is send order -------------------------------------------------

/** One patient's visit: the card on, some acts (possible or not on the screen shown), the card off. */
const visit = fc
  .tuple(fc.constantFrom(...profileNames()), fc.array(fc.constantFrom(...PATIENT_ACTS), { maxLength: 6 }))
  .map(([profile, middle]): Stimulus[] => [{ action: 'placeCard', profile }, ...middle, { action: 'removeCard' }]);
const visits = (min: number, max: number) => fc.array(visit, { minLength: min, maxLength: max }).map((v) => v.flat());

/**
 * A reader driven through random patient acts (and the host's commands now and then), with a host
 * that ACKs every event once it has read `lag` more frames (0 = at once). The link's ACK timers
 * run on a clock nobody advances, so nothing here is a retransmission by timeout: every frame the
 * reader puts out is new, and must carry the next SEQ.
 */
async function runFlows(acts: Stimulus[], ackLag: number, commandsEvery: number) {
  let lag = ackLag;
  const clock = new VirtualClock(Date.UTC(2026, 10, 24, 0, 30));
  const reader = new EmulatedReader({ clock, linkClock: new VirtualClock(0), txIdSeed: 0 });
  const emitted: string[] = [];
  reader.model.on('event', (name: string, fields: object) => emitted.push(`${name}${JSON.stringify(fields)}`));
  const out: Array<{ seq: number; key: string; kind: string; event?: string }> = [];
  const toAck: number[] = [];
  const arrivedAt: number[] = [];
  const reused: number[] = [];
  let hostSeq = 0;
  const decoder = new FrameDecoder((f) => {
    const m = decodeMessage(f);
    out.push({
      seq: f.seq,
      key: `${f.type}:${f.payload.toString('hex')}`,
      kind: m.kind,
      event: m.kind === 'event' ? `${m.name}${JSON.stringify(m.fields)}` : undefined,
    });
    // A new frame under a SEQ the host has not ACKed yet would make that event unrecoverable.
    if (toAck.includes(f.seq)) reused.push(f.seq);
    if (m.kind === 'event') {
      toAck.push(f.seq);
      arrivedAt.push(out.length);
    }
    // The host answers from its own turn, never from inside the reader's write. It lags `lag`
    // events behind, but (PR-5-3) never lets an event wait while less than a window of other frames
    // is left: a host answering commands for a whole turn of SEQs without ACKing breaks the link by
    // its own fault (refused acts send responses but no events, so events alone do not bound it).
    while (toAck.length > lag || (toAck.length > 0 && out.length - arrivedAt[0]! >= 120)) {
      const seq = toAck.shift()!;
      arrivedAt.shift();
      queueMicrotask(() => reader.feed(encodeAck(hostSeq++ & 0xff, seq)));
    }
  });
  reader.connect((bytes) => decoder.push(bytes));
  let n = 0;
  for (const act of acts) {
    if (commandsEvery > 0 && ++n % commandsEvery === 0) reader.feed(encodeCommand('getStatus', hostSeq++ & 0xff, {}));
    await clock.resolve(
      Promise.resolve()
        .then(() => reader.stimulate(act))
        .catch(() => undefined),
    );
    await clock.runUntilIdle();
  }
  // The host catches up: from now on it ACKs at once.
  lag = 0;
  while (toAck.length > 0) {
    for (const seq of toAck.splice(0)) reader.feed(encodeAck(hostSeq++ & 0xff, seq));
    await clock.runUntilIdle();
  }
  return { out, emitted, reader, reused };
}

/** §5.1: a repeat is a frame with the SEQ and bytes of one sent less than 128 new frames before. */
function checkSeqOrder(out: Array<{ seq: number; key: string }>): void {
  const seen = new Map<string, number>();
  let last = -1;
  let fresh = 0;
  for (const [i, f] of out.entries()) {
    const id = `${f.seq}/${f.key}`;
    const at = seen.get(id);
    if (at !== undefined && fresh - at < 128) continue;
    seen.set(id, fresh++);
    if (last >= 0 && f.seq !== ((last + 1) & 0xff)) throw new Error(`frame ${i}: SEQ ${f.seq} after ${last}`);
    last = f.seq;
  }
}

test('PR-5-1 with immediate ACKs, frames leave in SEQ order, one more each time, and nothing is sent twice', async () => {
  await fc.assert(
    fc.asyncProperty(visits(1, 30), fc.nat(7), async (acts, commandsEvery) => {
      const { out, emitted, reader } = await runFlows(acts, 0, commandsEvery);
      checkSeqOrder(out);
      expect(new Set(out.map((f) => `${f.seq}/${f.key}`)).size).to.equal(out.length);
      expect(out.filter((f) => f.event).map((f) => f.event)).to.deep.equal(emitted);
      expect(reader.link.unacked.size).to.equal(0);
    }),
    { numRuns: 40 },
  );
});

test('PR-5-5 a host that ACKs late: SEQs stay in send order, no SEQ is reused while held, no event is lost', async () => {
  await fc.assert(
    fc.asyncProperty(
      visits(60, 120),
      // Without commands the host may fall any number of events behind; with them, less than a
      // window (a host answering commands for a whole turn of SEQs without ACKing breaks PR-5-3).
      fc.oneof(fc.tuple(fc.integer({ min: 1, max: 400 }), fc.constant(0)), fc.tuple(fc.integer({ min: 1, max: 127 }), fc.integer({ min: 1, max: 3 }))),
      async (acts, [lag, commandsEvery]) => {
        const { out, emitted, reader, reused } = await runFlows(acts, lag, commandsEvery);
        checkSeqOrder(out);
        expect(reused, 'SEQs reused while their event waited for an ACK').to.deep.equal([]);
        // Every event the device produced reached the host, in the order it happened.
        // (an event taken back at a full turn of the counter arrives twice: records are idempotent)
        let j = 0;
        for (const f of out) if (f.event && f.event === emitted[j]) j++;
        expect(j, 'events delivered in order').to.equal(emitted.length);
        expect(reader.link.unacked.size).to.equal(0);
      },
    ),
    { numRuns: 20 },
  );
});

test('PR-5-5 at most 128 events wait for an ACK; the rest wait unsent, in order', async () => {
  const clock = new VirtualClock(Date.UTC(2026, 10, 24, 0, 30));
  const reader = new EmulatedReader({ clock, linkClock: new VirtualClock(0) });
  const seqs: number[] = [];
  reader.connect((b) => new FrameDecoder((f) => seqs.push(f.seq)).push(b));
  for (let i = 0; i < 40; i++) {
    reader.placeCard('certExpired'); // cardPlaced, identityFailed, screenShown certExpired…
    reader.removeCard();
  }
  expect(reader.link.unacked.size).to.equal(128);
  expect(seqs).to.deep.equal([...Array(128).keys()]);
  reader.feed(encodeAck(0, 0));
  expect(seqs.slice(128)).to.deep.equal([128]);
  void clock;
});
