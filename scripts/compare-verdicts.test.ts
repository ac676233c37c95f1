import { test } from 'node:test';
import { expect } from 'chai';
import type { Verdict } from '../src/certify/results';
import { diffVerdicts } from './compare-verdicts';

const verdicts = (entries: Array<[string, Verdict]>) => new Map(entries);

test('diffVerdicts: a changed verdict, a missing scenario and one only on the other side differ; N/A on either side is left out', () => {
  const base = verdicts([
    ['a.feature:3 a', 'PASS'],
    ['a.feature:9 b', 'PASS'],
    ['b.feature:4 c', 'FAIL'],
    ['b.feature:8 d', 'N/A'],
    ['c.feature:2 e', 'PASS'],
  ]);
  const pty = verdicts([
    ['a.feature:3 a', 'PASS'],
    ['a.feature:9 b', 'FAIL'],
    ['b.feature:8 d', 'PASS'],
    ['c.feature:2 e', 'N/A'],
    ['z.feature:1 z', 'PASS'],
  ]);
  expect(diffVerdicts(base, pty, ['emulator.json', 'pty.json'])).to.deep.equal({
    diffs: ['a.feature:9 b: emulator.json PASS, pty.json FAIL', 'b.feature:4 c: emulator.json FAIL, pty.json missing', 'z.feature:1 z: only in pty.json'],
    compared: 3,
    na: 2,
  });
  expect(diffVerdicts(base, base, ['x', 'x']).diffs).to.deep.equal([]);
});
