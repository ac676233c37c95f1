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
