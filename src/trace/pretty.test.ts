import { test } from 'node:test';
import { expect } from 'chai';
import type { Trace, TraceFrame } from './format';
import { prettyHeader, prettyTrace, renderField } from './pretty';
import { matchErrorFlow, recording } from './test-recording';

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
  expect(text).to.match(
    /getStatus response +re #\d+ ok mode=unattended\(無人運転\) state=idle cardPresent=no screen=1 マイナンバーカードを置いてください txId=0$/m,
  );
  expect(text).to.match(/identityConfirmed +txId=1 method=pin\(暗証番号\) cardId=[0-9a-f]{8}… checkId=0$/m);
  expect(text).to.match(/consentGiven +txId=1 choice=all items=medication\+checkups\+highCost$/m);
  expect(text).not.to.include('\x1b[');
  // aligned: the arrow, the SEQ and the name start in the same column on every line
  for (const l of lines) expect(l.indexOf('→')).to.equal(lines[0]!.indexOf('→'));
  const nameAt = (l: string) => l.search(/#\d+ +\S/) + l.match(/#\d+ +/)![0].length;
  for (const l of lines) expect(nameAt(l)).to.equal(nameAt(lines[0]!));
  expect(lines.every((l) => l === l.trimEnd())).to.equal(true);

  const colored = prettyTrace(trace, { color: true, raw: true });
  expect(colored).to.include('\x1b[');
  expect(colored.replace(/\x1b\[[0-9;]*m/g, '')).to.equal(prettyTrace(trace, { raw: true }));
  expect(prettyTrace(trace, { raw: true })).to.include(`[${trace.frames[0]!.hex}]`);
  expect(prettyHeader(trace)).to.match(
    /^# test flow — started 2026-11-24T01:00:00.000Z, \d+ frames\n# \/dev\/ttyEMU0: OQS Emulated FACE-EMU-1 firmware 1.0.0 serial EMU-0001, protocol 1, capabilities face,pin/,
  );
});

test('prettyTrace shows a path column for several readers, undecodable frames, refusals and every code table', () => {
  const at = (t: number, path: string, dir: 'h2r' | 'r2h', msg: TraceFrame['msg'], extra: Partial<TraceFrame> = {}): TraceFrame => ({
    t,
    path,
    dir,
    hex: 'a5000000',
    msg,
    ...extra,
  });
  const trace: Trace = {
    header: { trace: 1, startedAt: '2026-11-24T01:00:00.000Z', title: '', readers: [] },
    frames: [
      at(0, '/dev/a', 'h2r', { kind: 'command', seq: 0, name: 'startVisualCheck', fields: { checkId: 1, confirmationDate: '20261124' } }),
      at(1.5, '/dev/b', 'r2h', { kind: 'response', seq: 0, name: 'setMode', reqSeq: 4, status: 'busy', fields: {} }),
      at(2, '/dev/a', 'r2h', { kind: 'event', seq: 1, name: 'identityFailed', fields: { txId: 9, reason: 1 } }),
      at(3, '/dev/a', 'r2h', { kind: 'event', seq: 2, name: 'readerError', fields: { code: 1 } }, { error: 'late' }),
      at(4, '/dev/a', 'r2h', { kind: 'event', seq: 3, name: 'cardPlaced', fields: { txId: 10, cardKind: 3 } }),
      at(5, '/dev/a', 'r2h', {
        kind: 'event',
        seq: 4,
        name: 'identityConfirmed',
        fields: { txId: 10, method: 3, cardId: '1c34f3876cf58557831dd8eaadae62de', checkId: 1 },
      }),
      at(6, '/dev/a', 'r2h', null, { error: 'LINK_ERR_PAYLOAD' }),
      at(7, '/dev/a', 'r2h', null, { hex: 'a5' }),
      at(12345.5, '/dev/b', 'r2h', {
        kind: 'response',
        seq: 1,
        name: 'hello',
        reqSeq: 0,
        status: 'ok',
        fields: { protocolVersion: 1, vendor: 'V', model: 'M', firmware: '1', serial: 'S', capabilities: 0x3f },
      }),
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
  expect(lines[8]).to.equal(
    '12345.500  R→H  /dev/b  #1  hello response     re #0 ok protocolVersion=1 vendor="V" model="M" firmware="1" serial="S" capabilities=0x003f(face,pin,consent,visualCheck,pinOnlyMode,consentSingleScreen)',
  );
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
