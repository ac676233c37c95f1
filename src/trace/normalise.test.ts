import { test } from 'node:test';
import { expect } from 'chai';
import type { Trace, TraceFrame } from './format';
import { diffTraces, normaliseTrace } from './normalise';
import { PATH, faceFlow, recording } from './test-recording';

// ---- normalise and diff ------------------------------------------------------------------------

test('two recordings of the same flow on different clocks, txIds and SEQs normalise equal', async (t) => {
  const a = await recording(t, { txIdSeed: 0 });
  await faceFlow(a);
  const b = await recording(t, { now: Date.UTC(2027, 0, 5, 3, 17, 42), txIdSeed: 'clock', warmup: 3 });
  await faceFlow(b);
  const ta = a.recorder.trace();
  const tb = b.recorder.trace();
  // the raw traces do differ: times, SEQs, txIds, bytes
  expect(ta.header.startedAt).to.not.equal(tb.header.startedAt);
  expect(ta.frames.map((f) => f.hex)).to.not.deep.equal(tb.frames.map((f) => f.hex));
  const afterHello = (tr: Trace) => tr.frames.find((f) => f.dir === 'h2r' && f.msg?.kind === 'command' && f.msg.name !== 'hello')!.msg!.seq;
  expect(afterHello(ta)).to.not.equal(afterHello(tb));
  const cardTx = (tr: Trace) => tr.frames.flatMap((f) => (f.msg?.kind === 'event' && f.msg.name === 'cardPlaced' ? [f.msg.fields.txId] : []));
  expect(cardTx(ta)).to.deep.equal([1]);
  expect(cardTx(tb)).to.deep.equal([Math.floor(Date.UTC(2027, 0, 5, 3, 17, 42) / 1000) + 1]);

  const na = normaliseTrace(ta);
  expect(normaliseTrace(tb)).to.deep.equal(na);
  expect(diffTraces(ta, tb)).to.deep.equal([]);
  expect(diffTraces(na, normaliseTrace(tb))).to.deep.equal([]);
  // no ACKs, no times, no hex; SEQs counted per direction; a response names its command's number
  expect(na.frames.some((f) => f.msg === null)).to.equal(false);
  expect(Object.keys(na.frames[0]!)).to.deep.equal(['path', 'dir', 'msg']);
  expect(na.frames.slice(0, 2).map((f) => f.msg && f.msg.name)).to.deep.equal(['hello', 'hello']);
  expect(na.frames.slice(2, 6).map((f) => f.msg)).to.deep.equal([
    { kind: 'command', seq: 2, name: 'getStatus', fields: {} },
    { kind: 'response', seq: 2, name: 'getStatus', reqSeq: 2, status: 'ok', fields: { mode: 1, state: 0, cardPresent: 0, screen: 1, txId: 'tx1' } },
    { kind: 'command', seq: 3, name: 'setMode', fields: { mode: 1 } },
    { kind: 'response', seq: 3, name: 'setMode', reqSeq: 3, status: 'ok', fields: { mode: 1 } },
  ]);
  const txs = na.frames.flatMap((f) => (f.msg && 'txId' in f.msg.fields ? [f.msg.fields.txId] : []));
  expect(new Set(txs)).to.deep.equal(new Set(['tx1', 'tx2']));
});

test('diffTraces names the first differing frame with both sides', async (t) => {
  const a = await recording(t);
  await faceFlow(a, 'all');
  const b = await recording(t);
  await faceFlow(b, 'individual');
  const diff = diffTraces(a.recorder.trace(), b.recorder.trace());
  expect(diff).to.have.length(4);
  expect(diff[0]).to.match(/^frames differ at index \d+ \(expected (\d+) frames, actual \1;/);
  expect(diff[1]).to.match(/^  after:    R→H \/dev\/ttyEMU0 #\d+ screenShown screen=9 同意の確認/);
  expect(diff[2]).to.match(/^  expected: R→H \/dev\/ttyEMU0 #\d+ consentGiven txId=tx2 choice=all items=medication\+checkups\+highCost$/);
  expect(diff[3]).to.match(/^  actual:   R→H \/dev\/ttyEMU0 #\d+ consentGiven txId=tx2 choice=individual items=medication$/);
});

test('diffTraces: a shorter trace, other readers, the first frame, and differences the readable line hides', () => {
  const header = { trace: 1 as const, startedAt: '2026-11-24T01:00:00.000Z', title: '', readers: [] };
  const ev = (seq: number, cardId: string): TraceFrame => ({
    t: 0,
    path: PATH,
    dir: 'r2h',
    hex: '',
    msg: { kind: 'event', seq, name: 'identityConfirmed', fields: { txId: 1, method: 1, cardId, checkId: 0 } },
  });
  const long = 'a'.repeat(32);
  const other = 'a'.repeat(31) + 'b';
  const a: Trace = { header, frames: [ev(0, long), ev(1, long)] };
  const shorter: Trace = { header, frames: [ev(5, long)] };
  expect(diffTraces(a, shorter)).to.deep.equal([
    'frames differ at index 1 (expected 2 frames, actual 1; ACKs left out, SEQs and txIds renumbered):',
    `  after:    R→H ${PATH} #1 identityConfirmed txId=tx1 method=face(顔認証) cardId=${long} checkId=0`,
    `  expected: R→H ${PATH} #2 identityConfirmed txId=tx1 method=face(顔認証) cardId=${long} checkId=0`,
    '  actual:   (end of trace)',
  ]);
  const first = diffTraces({ header, frames: [ev(0, long)] }, { header, frames: [ev(0, other)] });
  expect(first[0]).to.match(/^frames differ at index 0 /);
  expect(first[1]).to.match(/^  expected: .*cardId=a{32} /);
  // a difference the readable line cannot show falls back to JSON
  const undecodable = (error?: string): TraceFrame => ({ t: 0, path: PATH, dir: 'r2h', hex: '', msg: null, ...(error !== undefined ? { error } : {}) });
  expect(diffTraces({ header, frames: [undecodable()] }, { header, frames: [undecodable()] })).to.deep.equal([]);
  const hidden = diffTraces(
    { header, frames: [{ ...undecodable(), dir: 'h2r' }] },
    { header, frames: [{ ...undecodable(), dir: 'h2r', path: PATH }, undecodable('LINK_ERR_CRC')] },
  );
  expect(hidden[0]).to.match(/^frames differ at index 1/);
  expect(hidden.at(-1)).to.equal(`  actual:   R→H ${PATH} (undecodable) LINK_ERR_CRC`);
  const withError = (e: string): Trace => ({ header, frames: [{ ...ev(0, long), error: e }] });
  expect(diffTraces(withError('x'), withError('y'))).to.deep.equal([
    'frames differ at index 0 (expected 1 frames, actual 1; ACKs left out, SEQs and txIds renumbered):',
    `  expected: R→H ${PATH} #1 identityConfirmed txId=tx1 method=face(顔認証) cardId=${long} checkId=0 error=x`,
    `  actual:   R→H ${PATH} #1 identityConfirmed txId=tx1 method=face(顔認証) cardId=${long} checkId=0 error=y`,
  ]);
  // readable lines equal but the frames differ (an empty error against none): JSON shows it
  const json = diffTraces({ header, frames: [undecodable()] }, { header, frames: [undecodable('')] });
  expect(json).to.deep.equal([
    'frames differ at index 0 (expected 1 frames, actual 1; ACKs left out, SEQs and txIds renumbered):',
    `  expected: R→H ${PATH} (undecodable)`,
    `  actual:   R→H ${PATH} (undecodable)`,
    `  expected: {"dir":"r2h","msg":null,"path":"${PATH}"}`,
    `  actual:   {"dir":"r2h","error":"","msg":null,"path":"${PATH}"}`,
  ]);
  // readers are compared too; a response to no known command keeps its original reqSeq, marked
  const reader = { path: PATH, identity: { vendor: 'V', model: 'M', firmware: '2', serial: 'S', protocolVersion: 1, capabilities: [] } };
  const stray: Trace = {
    header: { ...header, readers: [reader] },
    frames: [{ t: 0, path: PATH, dir: 'r2h', hex: '', msg: { kind: 'response', seq: 3, name: 'reset', reqSeq: 9, status: 'ok', fields: {} } }],
  };
  expect(normaliseTrace(stray).frames[0]!.msg).to.deep.include({ reqSeq: '?9' });
  const readers = diffTraces({ header, frames: [] }, stray);
  expect(readers[0]).to.equal('readers differ:');
  expect(readers[2]).to.include('"serial":"S"');
  expect(readers[3]).to.match(/^frames differ at index 0/);
  expect(readers.at(-1)).to.equal(`  actual:   R→H ${PATH} #1 reset response re #?9 ok`);
});
