import { test } from 'node:test';
import { expect } from 'chai';
import { splitLines } from './lines';
import { WatchedProcess } from './child-lines';

test('splitLines: whole lines however the chunks fall, CRLF as LF, an unfinished line held', () => {
  const lines: string[] = [];
  const feed = splitLines((l) => lines.push(l));
  for (const chunk of ['OQS-EMU', 'LATOR-READY {}\nsecond\r', '\n\nthird line 日本', '語']) feed(chunk);
  expect(lines).to.deep.equal(['OQS-EMULATOR-READY {}', 'second', '']);
  feed('\n');
  expect(lines).to.deep.equal(['OQS-EMULATOR-READY {}', 'second', '', 'third line 日本語']);
});

test('splitLines: a line that grows past maxBytes (UTF-8) without its newline is dropped, once, and the next line is whole', () => {
  const lines: string[] = [];
  let overflows = 0;
  const feed = splitLines((l) => lines.push(l), { maxBytes: 8, onOverflow: () => overflows++ });
  feed('ok\n照合エラ'); // 12 bytes held
  expect([lines, overflows]).to.deep.equal([['ok'], 1]);
  feed('ー\n12345678');
  feed('\n');
  expect([lines, overflows]).to.deep.equal([['ok', 'ー', '12345678'], 1]);
});

const script = (code: string) => WatchedProcess.node(['-e', code]);

test('WatchedProcess: waits for a line on stdout or stderr, printed before or after the wait began', async () => {
  const p = script(
    `console.log('starting'); console.error('OQS-READY {"port":7}'); setInterval(() => undefined, 1000); setTimeout(() => console.log('later 42'), 0)`,
  );
  const ready = await p.line(/^OQS-READY (.*)$/, 20_000);
  expect(JSON.parse(ready[1]!)).to.deep.equal({ port: 7 });
  expect((await p.line(/^later (\d+)$/, 20_000))[1]).to.equal('42');
  expect((await p.waitFor(/^starting$/, 20_000))?.[0]).to.equal('starting');
  expect(await p.stop()).to.deep.equal({ code: null, signal: 'SIGTERM' });
});

test('WatchedProcess: a child that exits without the line gives null from waitFor and a telling error from line', async () => {
  const p = script(`console.log('no port given'); process.exit(2)`);
  expect(await p.waitFor(/^listening/, 20_000)).to.equal(null);
  let err: Error | null = null;
  await p.line(/^listening/, 20_000, 'oqs-reader start listening').catch((e: Error) => (err = e));
  expect(err!.message).to.equal('oqs-reader start listening: it exited (2) first; its last lines:\nno port given');
});

test('WatchedProcess: a line that never comes gives null after the timeout; stop() ends a child that ignores SIGTERM', async () => {
  const p = script(`process.on('SIGTERM', () => console.log('ignored')); setInterval(() => undefined, 1000); console.log('up')`);
  await p.line(/^up$/, 20_000);
  expect(await p.waitFor(/^never$/, 10)).to.equal(null);
  expect(await p.stop(50)).to.deep.equal({ code: null, signal: 'SIGKILL' });
});
