import { test } from 'node:test';
import { expect } from 'chai';
import { encodeEvent } from '../protocol';
import { Terminal } from '../reader/terminal';
import { parseTrace, serializeTrace } from './format';
import { TraceRecorder } from './recorder';
import { PATH, faceFlow, names, recording } from './test-recording';

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
          capabilities: ['face', 'pin', 'consent', 'visualCheck', 'pinOnlyMode', 'consentSingleScreen', 'readerVisualCheck'],
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
    JSON.stringify({
      t: 1,
      path: PATH,
      dir: 'r2h',
      hex: 'a500010c4803a6df',
      msg: { kind: 'event', seq: 12, name: 'screenShown', fields: { screen: 3 } },
      ...o,
    });
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
  expect(
    bad(
      header.replace(
        '"readers":[]',
        '"readers":[{"path":"/dev/x","identity":{"vendor":"v","model":"m","firmware":"f","serial":"s","protocolVersion":1,"capabilities":"face"}}]',
      ),
    ),
  ).to.match(/capabilities/);
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
