import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { FrameDecoder, crc16, decodeMessage, encodeFrame, type DecodeError, type Frame, type Message } from '.';
import { encodeMessage } from './test-codec';

/**
 * The test vectors of docs/protocol.md §8, read from the document itself. The expected meaning of
 * every vector lives here, keyed by name, so a changed byte in the document, a missing row or a
 * row without an expectation fails.
 */
const DOC = join(__dirname, '..', '..', 'docs', 'protocol.md');

type Expected = Message | { kind: 'crc'; ascii: string; crc: number };

const CARD_NORMAL = '06027ca250d52f04342f1f639288fd7c';
const CARD_INFANT = '1c34f3876cf58557831dd8eaadae62de';

const EXPECTED: Record<string, Expected> = {
  'crc-check': { kind: 'crc', ascii: '123456789', crc: 0x29b1 },
  'hello-command': { kind: 'command', seq: 0, name: 'hello', fields: { protocolVersion: 1, host: 'oqs-reader' } },
  'hello-command-utf8': { kind: 'command', seq: 1, name: 'hello', fields: { protocolVersion: 1, host: '受付端末1' } },
  'hello-response': {
    kind: 'response',
    seq: 0,
    name: 'hello',
    reqSeq: 0,
    status: 'ok',
    fields: { protocolVersion: 1, vendor: 'OQS Emulated', model: 'FACE-EMU-1', firmware: '1.0.0', serial: 'EMU-0001', capabilities: 0x7f },
  },
  'hello-response-bad-version': { kind: 'response', seq: 0, name: 'hello', reqSeq: 1, status: 'badVersion', fields: {} },
  'getStatus-command': { kind: 'command', seq: 2, name: 'getStatus', fields: {} },
  'getStatus-response': {
    kind: 'response',
    seq: 5,
    name: 'getStatus',
    reqSeq: 2,
    status: 'ok',
    fields: { mode: 2, state: 5, cardPresent: 1, screen: 13, txId: 259 },
  },
  'setMode-command': { kind: 'command', seq: 3, name: 'setMode', fields: { mode: 2 } },
  'setMode-response': { kind: 'response', seq: 6, name: 'setMode', reqSeq: 3, status: 'ok', fields: { mode: 2 } },
  'setMode-response-busy': { kind: 'response', seq: 7, name: 'setMode', reqSeq: 4, status: 'busy', fields: {} },
  'startVisualCheck-command': {
    kind: 'command',
    seq: 5,
    name: 'startVisualCheck',
    fields: { checkId: 1, confirmationDate: '20261124' },
  },
  'startVisualCheck-response': { kind: 'response', seq: 8, name: 'startVisualCheck', reqSeq: 5, status: 'ok', fields: {} },
  'executeVisualCheck-command': { kind: 'command', seq: 7, name: 'executeVisualCheck', fields: { checkId: 1 } },
  'executeVisualCheck-response-bad-state': {
    kind: 'response',
    seq: 12,
    name: 'executeVisualCheck',
    reqSeq: 7,
    status: 'badState',
    fields: {},
  },
  'cancelVisualCheck-command': { kind: 'command', seq: 8, name: 'cancelVisualCheck', fields: {} },
  'reset-command': { kind: 'command', seq: 9, name: 'reset', fields: {} },
  'setVisualPassword-command': {
    kind: 'command',
    seq: 3,
    name: 'setVisualPassword',
    fields: { salt: '00112233445566778899aabbccddeeff', verifier: '24b3f1f6cf76cb88de75b9ca27d77d9e', maxWrong: 5, lockMinutes: 10 },
  },
  'setVisualPassword-response-unsupported': { kind: 'response', seq: 42, name: 'setVisualPassword', reqSeq: 3, status: 'unsupported', fields: {} },
  'visualPasswordResult-locked': { kind: 'event', seq: 40, name: 'visualPasswordResult', fields: { txId: 7, ok: 0, triesLeft: 0, lockMinutes: 10 } },
  'identityConfirmed-visualOnReader': {
    kind: 'event',
    seq: 41,
    name: 'identityConfirmed',
    fields: { txId: 7, method: 4, cardId: CARD_NORMAL, checkId: 0 },
  },
  'reset-response': { kind: 'response', seq: 13, name: 'reset', reqSeq: 9, status: 'ok', fields: {} },
  ack: { kind: 'ack', seq: 4, ackSeq: 9 },
  'ack-wrap': { kind: 'ack', seq: 255, ackSeq: 0 },
  cardPlaced: { kind: 'event', seq: 9, name: 'cardPlaced', fields: { txId: 1, cardKind: 1 } },
  methodChosen: { kind: 'event', seq: 11, name: 'methodChosen', fields: { txId: 1, method: 1 } },
  faceResult: { kind: 'event', seq: 13, name: 'faceResult', fields: { txId: 1, matched: 1, score: 92, attempt: 1 } },
  pinResult: { kind: 'event', seq: 22, name: 'pinResult', fields: { txId: 2, ok: 0, triesLeft: 2 } },
  consentGiven: { kind: 'event', seq: 28, name: 'consentGiven', fields: { txId: 2, choice: 2, items: 5 } },
  identityConfirmed: {
    kind: 'event',
    seq: 14,
    name: 'identityConfirmed',
    fields: { txId: 1, method: 1, cardId: CARD_NORMAL, checkId: 0 },
  },
  'identityConfirmed-visual': {
    kind: 'event',
    seq: 37,
    name: 'identityConfirmed',
    fields: { txId: 3, method: 3, cardId: CARD_INFANT, checkId: 1 },
  },
  identityFailed: { kind: 'event', seq: 18, name: 'identityFailed', fields: { txId: 2, reason: 1 } },
  cardRemoved: { kind: 'event', seq: 18, name: 'cardRemoved', fields: { txId: 1 } },
  screenShown: { kind: 'event', seq: 12, name: 'screenShown', fields: { screen: 3 } },
  readerError: { kind: 'event', seq: 40, name: 'readerError', fields: { code: 1 } },
  'txId-large': { kind: 'event', seq: 200, name: 'cardPlaced', fields: { txId: 0xfedcba98, cardKind: 2 } },
  readerReset: { kind: 'event', seq: 0, name: 'readerReset', fields: { bootId: 1776000001 } },
  'identityFailed-noPin': { kind: 'event', seq: 19, name: 'identityFailed', fields: { txId: 5, reason: 8 } },
  'cardPlaced-unrecognised': { kind: 'event', seq: 21, name: 'cardPlaced', fields: { txId: 6, cardKind: 4 } },
  'identityFailed-cardUnreadable': { kind: 'event', seq: 22, name: 'identityFailed', fields: { txId: 6, reason: 9 } },
  'screenShown-doneCertGrace': { kind: 'event', seq: 23, name: 'screenShown', fields: { screen: 17 } },
};

/** The rows of the table under the "Test vectors" heading, in document order. */
function readVectors(markdown: string): { name: string; hex: string }[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => /^#{2,3} .*Test vectors\s*$/.test(l));
  if (start < 0) throw new Error('docs/protocol.md has no "Test vectors" heading');
  const level = /^#+/.exec(lines[start]!)![0].length;
  const out: { name: string; hex: string }[] = [];
  for (const line of lines.slice(start + 1)) {
    const h = /^(#+) /.exec(line);
    if (h && h[1]!.length <= level) break;
    if (!line.startsWith('|')) continue;
    if (/^\|\s*name\s*\|/.test(line) || /^\|[-\s|:]+\|$/.test(line)) continue; // header, separator
    const m = /^\| `([A-Za-z0-9-]+)` \| `([0-9a-f]+)` \| \S.* \|$/.exec(line);
    if (!m) throw new Error(`malformed test-vector row (name and lowercase hex in backticks): ${line}`);
    out.push({ name: m[1]!, hex: m[2]! });
  }
  return out;
}

/** "vector <name>, field by field:" blocks: the leading hex of each line, concatenated. */
function readBreakdowns(markdown: string): { name: string; hex: string }[] {
  const out: { name: string; hex: string }[] = [];
  const re = /```\nvector ([A-Za-z0-9-]+), field by field:\n([\s\S]*?)```/g;
  for (let m = re.exec(markdown); m; m = re.exec(markdown)) {
    const hex = m[2]!
      .split('\n')
      .map((l) => /^((?:[0-9a-f]{2} ?)+)(?:\s|$)/.exec(l)?.[1] ?? '')
      .join('')
      .replace(/ /g, '');
    out.push({ name: m[1]!, hex });
  }
  return out;
}

const markdown = readFileSync(DOC, 'utf8');
const vectors = readVectors(markdown);

test('PR-8-1 docs/protocol.md lists every expected vector exactly once, and nothing else', () => {
  const names = vectors.map((v) => v.name);
  expect(new Set(names).size, 'duplicate vector names').to.equal(names.length);
  expect([...names].sort()).to.deep.equal(Object.keys(EXPECTED).sort());
  expect(names.length).to.be.at.least(12);
});

test('docs/protocol.md covers every message kind the brief asks for', () => {
  const kinds = new Set(
    Object.values(EXPECTED).map((e) =>
      e.kind === 'crc' ? 'crc' : e.kind === 'ack' ? 'ack' : e.kind === 'response' ? `${e.name}:${e.status === 'ok' ? 'ok' : 'err'}` : e.name,
    ),
  );
  for (const k of [
    'crc',
    'ack',
    'hello',
    'hello:ok',
    'getStatus:ok',
    'setMode',
    'startVisualCheck',
    'setMode:err',
    'cardPlaced',
    'faceResult',
    'pinResult',
    'identityConfirmed',
    'identityFailed',
    'screenShown',
  ]) {
    expect(kinds, k).to.include(k);
  }
});

for (const { name, hex } of vectors) {
  test(`PR-8-1 vector ${name}: decodes to its documented meaning and re-encodes to the same bytes`, () => {
    const expected = EXPECTED[name];
    if (!expected) throw new Error(`vector "${name}" in docs/protocol.md has no expectation in vectors.test.ts`);
    const bytes = Buffer.from(hex, 'hex');
    expect(bytes.toString('hex'), 'hex must be whole bytes').to.equal(hex);

    if (expected.kind === 'crc') {
      expect(bytes.toString('ascii')).to.equal(expected.ascii);
      expect(crc16(bytes)).to.equal(expected.crc);
      return;
    }

    const frames: Frame[] = [];
    const errors: DecodeError[] = [];
    const decoder = new FrameDecoder(
      (f) => frames.push(f),
      (e) => errors.push(e),
    );
    decoder.push(bytes);
    expect(errors, 'decode errors').to.deep.equal([]);
    expect(frames, 'exactly one frame').to.have.length(1);
    expect(decoder.stats.skipped, 'no byte skipped').to.equal(0);
    expect(decoder.buffered, 'nothing left over').to.equal(0);

    const frame = frames[0]!;
    expect(decodeMessage(frame)).to.deep.equal(expected);
    expect(encodeFrame(frame).equals(bytes), 'frame re-encodes identically').to.equal(true);
    expect(encodeMessage(expected).toString('hex'), 'expected fields encode to the documented bytes').to.equal(hex);
  });
}

test('the field-by-field breakdowns in docs/protocol.md match their vectors', () => {
  const breakdowns = readBreakdowns(markdown);
  expect(breakdowns.length).to.be.at.least(1);
  const byName = new Map(vectors.map((v) => [v.name, v.hex]));
  for (const b of breakdowns) {
    expect(byName.has(b.name), `breakdown of unknown vector ${b.name}`).to.equal(true);
    expect(b.hex, `breakdown of ${b.name}`).to.equal(byName.get(b.name));
  }
});

test('every frame vector decodes the same when fed one byte at a time, back to back', () => {
  const frameVectors = vectors.filter((v) => EXPECTED[v.name]?.kind !== 'crc');
  const stream = Buffer.concat(frameVectors.map((v) => Buffer.from(v.hex, 'hex')));
  const got: Message[] = [];
  const decoder = new FrameDecoder((f) => got.push(decodeMessage(f)));
  for (const b of stream) decoder.push(Uint8Array.of(b));
  expect(got).to.deep.equal(frameVectors.map((v) => EXPECTED[v.name]));
  expect(decoder.stats.skipped).to.equal(0);
});
