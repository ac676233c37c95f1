import { test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { EmulatedReader, EmulatorBinding } from '../../simulator';
import { encodeEvent } from '../protocol';
import type { Actor } from '../reader/accounts';
import { ReaderClient } from '../reader/reader-client';
import { Terminal } from '../reader/terminal';
import { VirtualClock } from '../time/virtual-clock';
import { parseTrace, serializeTrace, type Trace, type TraceFrame } from './format';
import { diffTraces, normaliseTrace } from './normalise';
import { prettyHeader, prettyTrace, renderField } from './pretty';
import { TraceRecorder } from './recorder';
import { runTrace } from './trace-main';

const ADMIN: Actor = { account: 'admin', role: 'admin' };
const PATH = '/dev/ttyEMU0';

interface Options {
  now?: number;
  /** The emulator's txId counter before the first card (default 0); 'clock' seeds it from the clock. */
  txIdSeed?: number | 'clock';
  /** getStatus round trips before the terminal attaches (not recorded): shifts both SEQ counters. */
  warmup?: number;
}

/** An emulated reader, a terminal over it and a recorder on the terminal, on one virtual clock. */
async function recording(t: { after: (fn: () => Promise<void>) => void }, opts: Options = {}) {
  const clock = new VirtualClock(opts.now ?? Date.UTC(2026, 10, 24, 1, 0));
  const binding = new EmulatorBinding();
  const reader = new EmulatedReader({ clock, ...(opts.txIdSeed === 'clock' ? {} : { txIdSeed: opts.txIdSeed ?? 0 }) });
  binding.addPort(PATH, reader);
  const terminal = new Terminal({ clock });
  const recorder = new TraceRecorder({ clock, title: 'test flow', terminal });
  const settle = async <T>(work: Promise<T>): Promise<T> => {
    const value = await clock.resolve(work);
    await clock.runUntilIdle();
    return value;
  };
  const act = (fn: () => void | Promise<void>) => settle(Promise.resolve().then(fn));
  const client = await settle(ReaderClient.open({ path: PATH, binding, clock }));
  for (let i = 0; i < (opts.warmup ?? 0); i++) await settle(client.getStatus());
  await settle(terminal.attachReader(client));
  t.after(() => settle(terminal.close()));
  return { clock, reader, terminal, recorder, settle, act };
}

type Rec = Awaited<ReturnType<typeof recording>>;

/** hello (in ReaderClient.open), a face-auth patient with consent, then 目視確認 by an administrator. */
async function faceFlow(r: Rec, consent: 'all' | 'individual' = 'all'): Promise<void> {
  await r.act(() => r.reader.placeCard('normal'));
  await r.act(() => r.reader.chooseMethod('face'));
  await r.act(() => r.reader.presentFace());
  await r.act(() => r.reader.answerConsent(consent, 1));
  await r.act(() => r.reader.removeCard());
  await r.settle(r.terminal.switchMode(ADMIN, 'visual'));
}

/** 照合エラー in 無人運転, then the PIN fallback. */
async function matchErrorFlow(r: Rec): Promise<void> {
  await r.act(() => r.reader.placeCard('faceChangedSurgery'));
  await r.act(() => r.reader.chooseMethod('face'));
  await r.act(() => r.reader.presentFace());
  await r.act(() => r.reader.enterWrongPin());
  await r.act(() => r.reader.enterCorrectPin());
  await r.act(() => r.reader.answerConsent('all'));
  await r.act(() => r.reader.removeCard());
}

const names = (frames: TraceFrame[]) => frames.map((f) => (f.msg?.kind === 'ack' ? 'ack' : `${f.dir}:${f.msg?.kind === 'response' ? 'resp:' : ''}${f.msg && 'name' in f.msg ? f.msg.name : '?'}`));

// ---- recorder and format ----------------------------------------------------------------------

test('the recorder keeps every frame from attach on, with identity, direction, time and the link’s own decoding', async (t) => {
  const r = await recording(t);
  await faceFlow(r);
  const trace = r.recorder.trace();
  expect(trace.header).to.deep.equal({
    trace: 1,
    startedAt: '2026-11-24T01:00:00.000Z',
    title: 'test flow',
    readers: [
      {
        path: PATH,
        identity: {
          protocolVersion: 1,
          vendor: 'OQS Emulated',
          model: 'FACE-EMU-1',
          firmware: '1.0.0',
          serial: 'EMU-0001',
          capabilities: ['face', 'pin', 'consent', 'visualCheck', 'pinOnlyMode', 'consentSingleScreen'],
        },
      },
    ],
  });
  const seen = names(trace.frames).filter((n) => n !== 'ack');
  // hello happens inside ReaderClient.open; the terminal republishes it when the reader is attached
  expect(seen.slice(0, 6)).to.deep.equal(['h2r:hello', 'r2h:resp:hello', 'h2r:getStatus', 'r2h:resp:getStatus', 'h2r:setMode', 'r2h:resp:setMode']);
  expect(seen).to.include.members(['r2h:cardPlaced', 'r2h:faceResult', 'r2h:identityConfirmed', 'r2h:consentGiven', 'r2h:cardRemoved']);
  expect(seen.slice(-2)).to.deep.equal(['h2r:setMode', 'r2h:resp:setMode']);
  // every event is followed by the host's ACK naming its SEQ
  trace.frames.forEach((f, i) => {
    if (f.msg?.kind !== 'event') return;
    const ack = trace.frames[i + 1];
    expect(ack?.dir).to.equal('h2r');
    expect(ack?.msg).to.include({ kind: 'ack', ackSeq: f.msg.seq });
  });
  for (const f of trace.frames) {
    expect(f.hex).to.match(/^a5[0-9a-f]+$/);
    expect(parseInt(f.hex.slice(6, 8), 16)).to.equal(f.msg!.seq);
    expect(f.path).to.equal(PATH);
  }
  // times come from the clock: the face result is 1.5 s after the face was presented
  const faceChosen = trace.frames.find((f) => f.msg?.kind === 'event' && f.msg.name === 'methodChosen')!;
  const faceResult = trace.frames.find((f) => f.msg?.kind === 'event' && f.msg.name === 'faceResult')!;
  expect(faceResult.t - faceChosen.t).to.equal(r.reader.model.timing.faceCaptureMs);
  expect(trace.frames.map((f) => f.t)).to.deep.equal(trace.frames.map((f) => f.t).sort((a, b) => a - b));
});

test('serialize → parse is a round trip, line by line NDJSON with the header first', async (t) => {
  const r = await recording(t);
  await faceFlow(r);
  const text = r.recorder.toNdjson();
  const lines = text.trimEnd().split('\n');
  expect(lines).to.have.length(r.recorder.frames.length + 1);
  expect(Object.keys(JSON.parse(lines[0]!))).to.deep.equal(['trace', 'startedAt', 'title', 'readers']);
  expect(Object.keys(JSON.parse(lines[1]!))).to.deep.equal(['t', 'path', 'dir', 'hex', 'msg']);
  const parsed = parseTrace(text);
  expect(parsed).to.deep.equal(r.recorder.trace());
  expect(serializeTrace(parsed)).to.equal(text);
  // CRLF and blank lines are tolerated
  expect(parseTrace(text.replace(/\n/g, '\r\n') + '\n\n')).to.deep.equal(parsed);
});

test('the recorder rounds t to 3 decimals, keeps an error, and stops when detached', () => {
  let now = 1000;
  const clock = { now: () => now, setTimer: () => ({ cancel: () => undefined }), sleep: async () => undefined };
  const terminal = new Terminal({ clock });
  const recorder = new TraceRecorder({ clock });
  const detach = recorder.attach(terminal);
  const bytes = encodeEvent('screenShown', 7, { screen: 4 }).toString('hex');
  now = 1012.34567;
  terminal.emit('event', { type: 'frame', path: PATH, frame: { dir: 'in', at: now, bytes, error: 'odd' } });
  expect(recorder.frames).to.deep.equal([{ t: 12.346, path: PATH, dir: 'r2h', hex: bytes, msg: null, error: 'odd' }]);
  detach();
  detach();
  terminal.emit('event', { type: 'frame', path: PATH, frame: { dir: 'out', at: now, bytes } });
  expect(recorder.frames).to.have.length(1);
  recorder.attach(terminal);
  recorder.detach();
  terminal.emit('event', { type: 'frame', path: PATH, frame: { dir: 'out', at: now, bytes } });
  expect(recorder.frames).to.have.length(1);
  expect(parseTrace(recorder.toNdjson()).frames[0]).to.deep.equal(recorder.frames[0]);
});

test('parseTrace refuses bad input with the line number', () => {
  const header = JSON.stringify({ trace: 1, startedAt: '2026-11-24T01:00:00.000Z', title: 'x', readers: [] });
  const frame = (o: Record<string, unknown>) =>
    JSON.stringify({ t: 1, path: PATH, dir: 'r2h', hex: 'a500010c4803a6df', msg: { kind: 'event', seq: 12, name: 'screenShown', fields: { screen: 3 } }, ...o });
  const bad = (text: string) => {
    try {
      parseTrace(text);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error(`accepted: ${text}`);
  };
  expect(parseTrace(`${header}\n${frame({})}\n`).frames).to.have.length(1);
  expect(bad('')).to.match(/^trace line 1: .*empty/);
  expect(bad('{"trace":2}')).to.match(/^trace line 1: not a trace file of version 1/);
  expect(bad('[1]')).to.match(/^trace line 1: the header must be a JSON object/);
  expect(bad(header.replace('2026-11-24T01:00:00.000Z', 'yesterday'))).to.match(/^trace line 1: header: "startedAt"/);
  expect(bad(header.replace('"readers":[]', '"readers":{}'))).to.match(/"readers" must be an array/);
  expect(bad(header.replace('"readers":[]', '"readers":[{"path":"/dev/x","identity":{"vendor":"v","model":"m","firmware":"f","serial":"s","protocolVersion":1,"capabilities":"face"}}]'))).to.match(/capabilities/);
  expect(bad(header.replace('"readers":[]', '"readers":[{"path":"/dev/x","identity":null}]'))).to.match(/"identity" must be an object/);
  expect(bad(header.replace('"readers":[]', '"readers":[7]'))).to.match(/readers\[0\]: must be an object/);
  expect(bad(header.replace('"title":"x"', '"title":"x","extra":1'))).to.match(/unexpected key "extra"/);
  expect(bad(`${header}\n${frame({})}\n{oops`)).to.match(/^trace line 3: not JSON/);
  expect(bad(`${header}\n\n${frame({ dir: 'in' })}`)).to.match(/^trace line 3: "dir" must be "h2r" or "r2h"/);
  expect(bad(`${header}\n"frame"`)).to.match(/^trace line 2: a frame line must be a JSON object/);
  expect(bad(`${header}\n${frame({ t: -1 })}`)).to.match(/"t" must be a number/);
  expect(bad(`${header}\n${frame({ path: 3 })}`)).to.match(/"path" must be a string/);
  expect(bad(`${header}\n${frame({ hex: 'A5' })}`)).to.match(/"hex" must be lowercase hex/);
  expect(bad(`${header}\n${frame({ error: 5 })}`)).to.match(/"error" must be a string/);
  expect(bad(`${header}\n${JSON.stringify({ t: 1, path: PATH, dir: 'h2r', hex: '' })}`)).to.match(/"msg" is missing/);
  expect(bad(`${header}\n${frame({ msg: 'screenShown' })}`)).to.match(/"msg" must be an object or null/);
  const msg = (m: Record<string, unknown>) => bad(`${header}\n${frame({ msg: m })}`);
  expect(msg({ kind: 'event', seq: 300, name: 'screenShown', fields: { screen: 3 } })).to.match(/"seq" must be an integer 0..255/);
  expect(msg({ kind: 'note', seq: 1 })).to.match(/"kind" must be command, response, event or ack/);
  expect(msg({ kind: 'event', seq: 1, name: 'teleport', fields: {} })).to.match(/unknown event "teleport"/);
  expect(msg({ kind: 'event', seq: 1, name: 'screenShown', fields: { screen: '3' } })).to.match(/field "screen" must be a number/);
  expect(msg({ kind: 'event', seq: 1, name: 'screenShown', fields: { screen: 3, pin: '1234' } })).to.match(/unexpected field "pin"/);
  expect(msg({ kind: 'event', seq: 1, name: 'screenShown', fields: [] })).to.match(/"fields" must be an object/);
  expect(msg({ kind: 'event', seq: 1, name: 'screenShown', fields: { screen: 999 } })).to.match(/^trace line 2: msg: .*0\.\.255/);
  expect(msg({ kind: 'command', seq: 1, name: 'selfDestruct', fields: {} })).to.match(/unknown command "selfDestruct"/);
  expect(msg({ kind: 'response', seq: 1, name: 'launch', reqSeq: 1, status: 'ok', fields: {} })).to.match(/unknown command "launch"/);
  expect(msg({ kind: 'response', seq: 1, name: 'setMode', reqSeq: 1, status: 'nameOf', fields: {} })).to.match(/unknown status "nameOf"/);
  expect(msg({ kind: 'response', seq: 1, name: 'setMode', reqSeq: 1, status: 'busy', fields: { mode: 1 } })).to.match(/unexpected field "mode"/);
  expect(msg({ kind: 'ack', seq: 1, ackSeq: 1, extra: 0 })).to.match(/unexpected key "extra"/);
  // every kind that is valid parses
  for (const m of [
    { kind: 'ack', seq: 1, ackSeq: 255 },
    { kind: 'command', seq: 1, name: 'setMode', fields: { mode: 2 } },
    { kind: 'response', seq: 1, name: 'setMode', reqSeq: 1, status: 'busy', fields: {} },
    { kind: 'response', seq: 1, name: 'setMode', reqSeq: 1, status: 'ok', fields: { mode: 2 } },
  ]) {
    expect(parseTrace(`${header}\n${frame({ msg: m })}`).frames[0]!.msg).to.deep.equal(m);
  }
});

// ---- pretty ------------------------------------------------------------------------------------

test('prettyTrace of 照合エラー → PIN: aligned lines with names, screen texts and compact ACKs', async (t) => {
  const r = await recording(t);
  await matchErrorFlow(r);
  const trace = r.recorder.trace();
  const text = prettyTrace(trace);
  const lines = text.split('\n');
  expect(lines).to.have.length(trace.frames.length);
  expect(text).to.include('照合エラー');
  expect(text).to.match(/^ +\d+\.\d{3}  R→H  #\d+ +screenShown +screen=4 照合エラー$/m);
  expect(text).to.match(/^ +\d+\.\d{3}  H→R  #\d+ +ack #\d+$/m);
  expect(text).to.match(/faceResult +txId=1 matched=no score=31 attempt=1$/m);
  expect(text).to.match(/methodChosen +txId=1 method=pin\(暗証番号\)$/m);
  expect(text).to.match(/pinResult +txId=1 ok=no triesLeft=2$/m);
  expect(text).to.include('screen=6 暗証番号が違います');
  expect(text).to.match(/setMode response +re #\d+ ok mode=unattended\(無人運転\)$/m);
  expect(text).to.match(/getStatus response +re #\d+ ok mode=unattended\(無人運転\) state=idle cardPresent=no screen=1 マイナンバーカードを置いてください txId=0$/m);
  expect(text).to.match(/identityConfirmed +txId=1 method=pin\(暗証番号\) cardId=[0-9a-f]{8}… checkId=0$/m);
  expect(text).to.match(/consentGiven +txId=1 choice=all items=medication\+checkups\+highCost$/m);
  expect(text).not.to.include('\x1b[');
  // aligned: the arrow, the SEQ and the name start in the same column on every line
  for (const l of lines) expect(l.indexOf('→')).to.equal(lines[0]!.indexOf('→'));
  const nameAt = (l: string) => l.search(/#\d+ +\S/) + (l.match(/#\d+ +/)![0].length);
  for (const l of lines) expect(nameAt(l)).to.equal(nameAt(lines[0]!));
  expect(lines.every((l) => l === l.trimEnd())).to.equal(true);

  const colored = prettyTrace(trace, { color: true, raw: true });
  expect(colored).to.include('\x1b[');
  expect(colored.replace(/\x1b\[[0-9;]*m/g, '')).to.equal(prettyTrace(trace, { raw: true }));
  expect(prettyTrace(trace, { raw: true })).to.include(`[${trace.frames[0]!.hex}]`);
  expect(prettyHeader(trace)).to.match(/^# test flow — started 2026-11-24T01:00:00.000Z, \d+ frames\n# \/dev\/ttyEMU0: OQS Emulated FACE-EMU-1 firmware 1.0.0 serial EMU-0001, protocol 1, capabilities face,pin/);
});

test('prettyTrace shows a path column for several readers, undecodable frames, refusals and every code table', () => {
  const at = (t: number, path: string, dir: 'h2r' | 'r2h', msg: TraceFrame['msg'], extra: Partial<TraceFrame> = {}): TraceFrame => ({ t, path, dir, hex: 'a5000000', msg, ...extra });
  const trace: Trace = {
    header: { trace: 1, startedAt: '2026-11-24T01:00:00.000Z', title: '', readers: [] },
    frames: [
      at(0, '/dev/a', 'h2r', { kind: 'command', seq: 0, name: 'startVisualCheck', fields: { checkId: 1, confirmationDate: '20261124' } }),
      at(1.5, '/dev/b', 'r2h', { kind: 'response', seq: 0, name: 'setMode', reqSeq: 4, status: 'busy', fields: {} }),
      at(2, '/dev/a', 'r2h', { kind: 'event', seq: 1, name: 'identityFailed', fields: { txId: 9, reason: 1 } }),
      at(3, '/dev/a', 'r2h', { kind: 'event', seq: 2, name: 'readerError', fields: { code: 1 } }, { error: 'late' }),
      at(4, '/dev/a', 'r2h', { kind: 'event', seq: 3, name: 'cardPlaced', fields: { txId: 10, cardKind: 3 } }),
      at(5, '/dev/a', 'r2h', { kind: 'event', seq: 4, name: 'identityConfirmed', fields: { txId: 10, method: 3, cardId: '1c34f3876cf58557831dd8eaadae62de', checkId: 1 } }),
      at(6, '/dev/a', 'r2h', null, { error: 'LINK_ERR_PAYLOAD' }),
      at(7, '/dev/a', 'r2h', null, { hex: 'a5' }),
      at(12345.5, '/dev/b', 'r2h', { kind: 'response', seq: 1, name: 'hello', reqSeq: 0, status: 'ok', fields: { protocolVersion: 1, vendor: 'V', model: 'M', firmware: '1', serial: 'S', capabilities: 0x3f } }),
    ],
  };
  const lines = prettyTrace(trace).split('\n');
  expect(lines[0]).to.equal('    0.000  H→R  /dev/a  #0  startVisualCheck   checkId=1 confirmationDate=2026/11/24');
  expect(lines[1]).to.equal('    1.500  R→H  /dev/b  #0  setMode response   re #4 busy');
  expect(lines[2]).to.include('identityFailed     txId=9 reason=faceMismatch(照合エラー)');
  expect(lines[3]).to.include('readerError        code=cameraFault error=late');
  expect(lines[4]).to.include('cardKind=notMyNumber');
  expect(lines[5]).to.include('method=visual(目視確認) cardId=1c34f387…');
  expect(lines[6]).to.equal('    6.000  R→H  /dev/a  #0  (undecodable)      LINK_ERR_PAYLOAD');
  expect(lines[7]).to.equal('    7.000  R→H  /dev/a  #?  (undecodable)');
  expect(lines[8]).to.equal('12345.500  R→H  /dev/b  #1  hello response     re #0 ok protocolVersion=1 vendor="V" model="M" firmware="1" serial="S" capabilities=0x003f(face,pin,consent,visualCheck,pinOnlyMode,consentSingleScreen)');
  const colored = prettyTrace(trace, { color: true });
  expect(colored).to.include('\x1b[1m\x1b[31midentityFailed');
  expect(colored).to.include('\x1b[1m\x1b[32midentityConfirmed');
  expect(colored).to.include('\x1b[31msetMode response');
  expect(prettyHeader(trace)).to.equal('# (untitled trace) — started 2026-11-24T01:00:00.000Z, 9 frames');
});

test('renderField: unknown codes stay numbers, items and flags are named', () => {
  expect(renderField('mode', 9)).to.equal('9');
  expect(renderField('screen', 99)).to.equal('99');
  expect(renderField('method', 0)).to.equal('0');
  expect(renderField('reason', 42)).to.equal('42');
  expect(renderField('state', 5)).to.equal('awaitingStaff');
  expect(renderField('choice', 2)).to.equal('individual');
  expect(renderField('items', 0)).to.equal('none');
  expect(renderField('items', 0x05)).to.equal('medication+highCost');
  expect(renderField('items', 0x09)).to.equal('medication+0x8');
  expect(renderField('matched', 1)).to.equal('yes');
  expect(renderField('ok', 7)).to.equal('7');
  expect(renderField('confirmationDate', '2026')).to.equal('"2026"');
  expect(renderField('cardId', '1c34f3876cf58557831dd8eaadae62de', { fullIds: true })).to.equal('1c34f3876cf58557831dd8eaadae62de');
  expect(renderField('cardId', 'short')).to.equal('short');
  expect(renderField('txId', 'tx2')).to.equal('tx2');
  expect(renderField('host', 'oqs-reader')).to.equal('"oqs-reader"');
  expect(renderField('score', 92)).to.equal('92');
});

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
  const stray: Trace = { header: { ...header, readers: [reader] }, frames: [{ t: 0, path: PATH, dir: 'r2h', hex: '', msg: { kind: 'response', seq: 3, name: 'reset', reqSeq: 9, status: 'ok', fields: {} } }] };
  expect(normaliseTrace(stray).frames[0]!.msg).to.deep.include({ reqSeq: '?9' });
  const readers = diffTraces({ header, frames: [] }, stray);
  expect(readers[0]).to.equal('readers differ:');
  expect(readers[2]).to.include('"serial":"S"');
  expect(readers[3]).to.match(/^frames differ at index 0/);
  expect(readers.at(-1)).to.equal(`  actual:   R→H ${PATH} #1 reset response re #?9 ok`);
});

// ---- oqs-reader trace FILE ----------------------------------------------------------------------

test('runTrace prints a trace file, with --raw and --no-color, and refuses bad usage and bad files', async (t) => {
  const r = await recording(t);
  await matchErrorFlow(r);
  const dir = mkdtempSync(join(tmpdir(), 'oqs-trace-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'flow.ndjson');
  writeFileSync(file, r.recorder.toNdjson());
  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const code = await runTrace(argv, (s) => out.push(s));
    return { code, text: out.join('\n') };
  };
  const plain = await run(file, '--no-color');
  expect(plain.code).to.equal(0);
  expect(plain.text).to.include('# test flow');
  expect(plain.text).to.include('screen=4 照合エラー');
  expect(plain.text).not.to.include('\x1b[');
  expect(plain.text.split('\n')).to.have.length(r.recorder.frames.length + 2);
  const raw = await run('--raw', '--no-color', file);
  expect(raw.text).to.include(`[${r.recorder.frames[0]!.hex}]`);
  // Colours as Node decides for stdout (a pipe here): none unless FORCE_COLOR (src/cli.test.ts: TTY, TERM=dumb).
  const saved = { NO_COLOR: process.env.NO_COLOR, FORCE_COLOR: process.env.FORCE_COLOR };
  try {
    delete process.env.NO_COLOR;
    process.env.FORCE_COLOR = '1';
    expect((await run(file)).text).to.include('\x1b[');
    delete process.env.FORCE_COLOR;
    process.env.NO_COLOR = '1';
    expect((await run(file)).text).not.to.include('\x1b[');
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  const help = await run('--help');
  expect(help.code).to.equal(0);
  expect(help.text).to.match(/^usage: oqs-reader trace FILE/);
  expect((await run()).code).to.equal(2);
  expect((await run(file, file)).text).to.include('give exactly one trace FILE');
  const unknown = await run(file, '--colour');
  expect(unknown.code).to.equal(2);
  expect(unknown.text).to.match(/^oqs-reader trace: .*--colour/);
  const missing = await run(join(dir, 'nope.ndjson'));
  expect(missing.code).to.equal(1);
  expect(missing.text).to.match(/nope\.ndjson: ENOENT/);
  const broken = join(dir, 'broken.ndjson');
  writeFileSync(broken, r.recorder.toNdjson().replace(/"dir":"r2h"/, '"dir":"sideways"'));
  const bad = await run(broken);
  expect(bad.code).to.equal(1);
  expect(bad.text).to.match(/broken\.ndjson: trace line \d+: "dir" must be "h2r" or "r2h"/);
  const empty = join(dir, 'empty.ndjson');
  writeFileSync(empty, serializeTrace({ header: { trace: 1, startedAt: '2026-11-24T01:00:00.000Z', title: 'nothing', readers: [] }, frames: [] }));
  const none = await run(empty);
  expect(none).to.deep.equal({ code: 0, text: '# nothing — started 2026-11-24T01:00:00.000Z, 0 frames' });
});
