import { test } from 'node:test';
import { expect } from 'chai';
import { ScaledClock } from './clock';
import { VirtualClock } from './virtual-clock';

test("ScaledClock: the base clock's time, its delays stretched by the scale (0: at once); a bad scale is refused", async () => {
  const base = new VirtualClock(1_000);
  const half = new ScaledClock(base, 0.5);
  const instant = new ScaledClock(base, 0);
  const fired: string[] = [];
  half.setTimer('a', 1_000, () => fired.push(`half at ${base.now()}`));
  instant.setTimer('b', 3_600_000, () => fired.push(`instant at ${base.now()}`));
  expect(half.now()).to.equal(1_000);
  await base.advance(0);
  expect(fired).to.deep.equal(['instant at 1000']);
  await base.advance(500);
  expect(fired).to.deep.equal(['instant at 1000', 'half at 1500']);
  expect(() => new ScaledClock(base, -1)).to.throw(TypeError);
});
