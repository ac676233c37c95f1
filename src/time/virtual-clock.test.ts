import { test } from 'node:test';
import { expect } from 'chai';
import { VirtualClock } from './virtual-clock';

test('timers fire in time order, not scheduling order', async () => {
  const clock = new VirtualClock(0);
  const fired: string[] = [];
  clock.setTimer('late', 300, () => fired.push('late'));
  clock.setTimer('early', 100, () => fired.push('early'));
  await clock.runUntilIdle();
  expect(fired).to.deep.equal(['early', 'late']);
  expect(clock.now()).to.equal(300);
});

test('resolve() advances only as far as the promise needs', async () => {
  const clock = new VirtualClock(0);
  clock.setTimer('far', 10_000, () => undefined);
  await clock.resolve(clock.sleep('near', 50));
  expect(clock.now()).to.equal(50);
  expect(clock.pending()).to.deep.equal(['far']);
});

test('resolve() fails a wait that nothing can end instead of hanging', async () => {
  const clock = new VirtualClock(0);
  const never = new Promise<void>(() => undefined);
  let err: unknown;
  try {
    await clock.resolve(never);
  } catch (e) {
    err = e;
  }
  expect(err).to.have.property('code', 'CLOCK_WAIT_STALLED');
});

test('a cancelled timer never fires', async () => {
  const clock = new VirtualClock(0);
  let fired = false;
  clock.setTimer('x', 10, () => (fired = true)).cancel();
  await clock.advance(100);
  expect(fired).to.equal(false);
});

test('onFire: observers see each timer before it fires, with how far virtual time moves for it, until they stop', async () => {
  const clock = new VirtualClock(0);
  const seen: Array<{ name: string; at: number; advancedMs: number; now: number; ran: boolean }> = [];
  let ran = false;
  const stop = clock.onFire((t) => seen.push({ ...t, now: clock.now(), ran }));
  clock.setTimer('capture', 100, () => (ran = true));
  clock.setTimer('verify', 250, () => undefined);
  clock.setTimer('gone', 200, () => undefined).cancel();
  clock.set(50); // "today is …" moves the wall time, every timer with it: not a fire
  await clock.advance(400);
  expect(seen).to.deep.equal([
    { name: 'capture', at: 150, advancedMs: 100, now: 50, ran: false },
    { name: 'verify', at: 300, advancedMs: 150, now: 150, ran: true },
  ]);
  stop();
  clock.setTimer('after', 10, () => undefined);
  await clock.runUntilIdle();
  expect(seen).to.have.length(2);
});
