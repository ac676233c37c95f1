import { test } from 'node:test';
import { expect } from 'chai';
import { RecentSet } from './recent';

test('a RecentSet keeps the max most recent values, the oldest going first', () => {
  const s = new RecentSet<number>(3);
  for (let i = 0; i < 100_000; i++) s.add(i);
  expect(s.size).to.equal(3);
  expect([s.has(99_997), s.has(99_998), s.has(99_999), s.has(99_996)]).to.deep.equal([true, true, true, false]);
  // Touching a value makes it the newest: it outlives values added before the touch.
  s.add(99_997);
  s.add(100_000);
  expect([s.has(99_997), s.has(99_998)]).to.deep.equal([true, false]);
});

test('a RecentSet refuses a size that is not a positive integer', () => {
  for (const bad of [0, -1, 1.5, NaN]) expect(() => new RecentSet(bad)).to.throw(RangeError);
});
