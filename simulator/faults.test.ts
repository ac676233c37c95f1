import { test } from 'node:test';
import { expect } from 'chai';
import { FrameDecoder, decodeMessage, encodeEvent, encodeResponse, type Message } from '../src/protocol';
import { VirtualClock } from '../src/time/virtual-clock';
import { FaultError, FaultInjector } from './faults';

function run(rules: Parameters<FaultInjector['arm']>[0][], frames: Buffer[]) {
  const clock = new VirtualClock(0);
  const f = new FaultInjector(clock);
  for (const r of rules) f.arm(r);
  const chunks: Buffer[] = [];
  const got: Message[] = [];
  const errors: string[] = [];
  const d = new FrameDecoder(
    (fr) => got.push(decodeMessage(fr)),
    (e) => errors.push(e.code),
  );
  for (const fr of frames) f.pass('toHost', fr, (b) => (chunks.push(b), d.push(b)));
  return { clock, f, got, chunks, errors, d };
}

const ev = (seq: number) => encodeEvent('cardRemoved', seq, { txId: seq });

test('drop, duplicate and corrupt hit exactly the chosen frame', () => {
  const frames = [ev(0), ev(1), ev(2)];
  expect(run([{ fault: 'drop', nth: 2 }], frames).got.map((m) => m.seq)).to.deep.equal([0, 2]);
  expect(run([{ fault: 'duplicate', nth: 1 }], frames).got.map((m) => m.seq)).to.deep.equal([0, 0, 1, 2]);
  const c = run([{ fault: 'corrupt', nth: 3 }], frames);
  expect(c.got.map((m) => m.seq)).to.deep.equal([0, 1]);
  expect(c.errors).to.deep.equal(['LINK_ERR_CRC']);
});

test('noise without a start byte and 1-byte fragments never lose a frame', () => {
  const frames = [ev(0), ev(1)];
  const g = run([{ fault: 'garbage', every: 1, bytes: 40 }], frames);
  expect(g.got.map((m) => m.seq)).to.deep.equal([0, 1]);
  expect(g.d.stats.skipped).to.equal(80);
  const fr = run([{ fault: 'fragment', every: 1 }], frames);
  expect(fr.chunks.every((c) => c.length === 1)).to.equal(true);
  expect(fr.got.map((m) => m.seq)).to.deep.equal([0, 1]);
});

test('delay holds the frame on the clock; wrongStatus never touches a frame (the reader answers it: behaviors.test.ts)', async () => {
  const d = run([{ fault: 'delay', nth: 1, delayMs: 250 }], [ev(0)]);
  expect(d.got).to.have.length(0);
  await d.clock.advance(250);
  expect(d.got.map((m) => m.seq)).to.deep.equal([0]);
  const w = run([{ fault: 'wrongStatus', nth: 1, status: 'busy' }], [ev(5), encodeResponse('setMode', 6, 3, 'ok', { mode: 2 })]);
  expect(w.got[1]).to.include({ kind: 'response', status: 'ok', reqSeq: 3 });
  // It picks the commands the reader answers instead: the 2nd from now, once.
  const f = new FaultInjector(new VirtualClock(0));
  f.arm({ fault: 'wrongStatus', nth: 2, status: 'busy' });
  expect([f.statusFor(), f.statusFor(), f.statusFor()]).to.deep.equal([null, 'busy', null]);
});

test('a seeded fraction is repeatable; bad rules are refused with a code', () => {
  const frames = Array.from({ length: 200 }, (_, i) => ev(i & 0xff));
  const a = run([{ fault: 'drop', fraction: 0.25, seed: 9 }], frames).got.length;
  const b = run([{ fault: 'drop', fraction: 0.25, seed: 9 }], frames).got.length;
  expect(a).to.equal(b);
  expect(a).to.be.within(120, 180);
  const f = new FaultInjector(new VirtualClock(0));
  for (const bad of [
    { fault: 'explode' },
    { fault: 'drop', nth: 0 },
    { fault: 'delay' },
    { fault: 'corrupt', direction: 'toReader' },
    { fault: 'drop', nth: 1, every: 2 },
  ]) {
    expect(() => f.arm(bad as never), JSON.stringify(bad))
      .to.throw(FaultError)
      .with.property('code', 'EMU_ERR_BAD_FAULT');
  }
});
