import { test } from 'node:test';
import { expect } from 'chai';
import { runCommand } from './command-case';

test('runCommand: echoes both streams, keeps their last lines apart (no blank ones), and gives the exit code', async () => {
  let echoed = '';
  const script = `process.stdout.write('one\\n\\ntwo-'); process.stderr.write('warn <x> & y\\n'); process.stdout.write('half\\n'); process.stdout.write('tail'); process.exitCode = 3`;
  const r = await runCommand([process.execPath, '-e', script], (t) => (echoed += t));
  expect(r.code).to.equal(3);
  expect([...r.tail].sort()).to.deep.equal(['one', 'tail', 'two-half', 'warn <x> & y']);
  expect(echoed.length).to.equal('one\n\ntwo-warn <x> & y\nhalf\ntail'.length);
  const many = await runCommand([process.execPath, '-e', 'for (let i = 1; i <= 100; i++) console.log(i)'], () => undefined);
  expect(many).to.deep.equal({ code: 0, signal: null, tail: Array.from({ length: 40 }, (_, i) => String(61 + i)) });
});
