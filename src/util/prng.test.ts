import { test } from 'node:test';
import { expect } from 'chai';
import { prng } from './prng';

test('prng: the same seed gives the same sequence, another seed another', () => {
  const a = prng(42);
  const b = prng(42);
  const xs = Array.from({ length: 5 }, () => a());
  expect(Array.from({ length: 5 }, () => b())).to.deep.equal(xs);
  expect(prng(43)()).to.not.equal(xs[0]);
  for (const x of xs) expect(x).to.be.within(0, 1);
});
