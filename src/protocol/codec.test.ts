import { test } from 'node:test';
import { expect } from 'chai';
import { prng } from '../util/prng';
import {
  COMMANDS,
  EVENTS,
  FrameDecoder,
  HEADER_SIZE,
  MAX_FRAME,
  MAX_PAYLOAD,
  PayloadError,
  SOF,
  Status,
  UnknownMessageError,
  crc16,
  decodeFields,
  decodeMessage,
  encodeAck,
  encodeCommand,
  encodeEvent,
  encodeFields,
  encodeFrame,
  encodeResponse,
  type CommandName,
  type DecodeError,
  type EventName,
  type FieldSpec,
  type Frame,
  type Message,
  type StatusName,
} from '.';

// ---- helpers ----------------------------------------------------------------------------------

type Fields = Record<string, number | string>;

function encodeMessage(msg: Message): Buffer {
  switch (msg.kind) {
    case 'ack':
      return encodeAck(msg.seq, msg.ackSeq);
    case 'command':
      return encodeCommand(msg.name, msg.seq, msg.fields as never);
    case 'response':
      return encodeResponse(msg.name, msg.seq, msg.reqSeq, msg.status, msg.fields as never);
    case 'event':
      return encodeEvent(msg.name, msg.seq, msg.fields as never);
  }
}

interface Collected {
  frames: Frame[];
  errors: DecodeError[];
  decoder: FrameDecoder;
}

function collector(): Collected {
  const frames: Frame[] = [];
  const errors: DecodeError[] = [];
  const decoder = new FrameDecoder(
    (f) => frames.push(f),
    (e) => errors.push(e),
  );
  return { frames, errors, decoder };
}

/** Feeds `stream` in chunks of `size` bytes (the last one shorter). */
function feed(decoder: FrameDecoder, stream: Buffer, size: number): void {
  for (let i = 0; i < stream.length; i += size) decoder.push(stream.subarray(i, i + size));
}

function decodeAll(stream: Buffer, size = stream.length || 1): Collected & { messages: Message[] } {
  const c = collector();
  feed(c.decoder, stream, size);
  return { ...c, messages: c.frames.map((f) => decodeMessage(f)) };
}


/** Garbage that contains no start byte. */
function garbage(rand: () => number, n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    let b = Math.floor(rand() * 256);
    if (b === SOF) b = 0x5a;
    out[i] = b;
  }
  return out;
}

type Variant = 'min' | 'max' | 'mid';

/** Field values for a spec: the smallest, the largest, and values full of 0xA5 bytes. */
function sample(specs: readonly FieldSpec[], v: Variant): Fields {
  const out: Fields = {};
  for (const [name, kind] of specs) {
    switch (kind) {
      case 'u8':
        out[name] = { min: 0, max: 0xff, mid: 0xa5 }[v];
        break;
      case 'u16':
        out[name] = { min: 0, max: 0xffff, mid: 0xa5a5 }[v];
        break;
      case 'u32':
        out[name] = { min: 0, max: 0xffffffff, mid: 0xa50000a5 }[v];
        break;
      case 'str':
        out[name] = { min: '', max: 'x'.repeat(255), mid: '顔認証付きカードリーダー' }[v];
        break;
      case 'date':
        out[name] = { min: '00000000', max: '99991231', mid: '20261124' }[v];
        break;
      case 'id16':
        out[name] = { min: '00'.repeat(16), max: 'ff'.repeat(16), mid: 'a5'.repeat(16) }[v];
        break;
    }
  }
  return out;
}

function encodedSize(specs: readonly FieldSpec[], values: Fields): number {
  let n = 0;
  for (const [name, kind] of specs) {
    if (kind === 'str') n += 1 + Buffer.byteLength(String(values[name]), 'utf8');
    else n += { u8: 1, u16: 2, u32: 4, date: 8, id16: 16 }[kind];
  }
  return n;
}

/** Encodes, decodes through FrameDecoder and decodeMessage, and re-encodes. */
function roundTrip(msg: Message): void {
  const bytes = encodeMessage(msg);
  const { messages, errors, decoder } = decodeAll(bytes);
  expect(errors).to.deep.equal([]);
  expect(messages).to.deep.equal([msg]);
  expect(decoder.buffered).to.equal(0);
  expect(encodeMessage(messages[0]!).equals(bytes)).to.equal(true);
}

const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];
const EVENT_NAMES = Object.keys(EVENTS) as EventName[];
const STATUS_NAMES = Object.keys(Status).filter((k) => k !== 'nameOf') as StatusName[];
const VARIANTS: Variant[] = ['min', 'max', 'mid'];

/** A stream of several frames of different kinds and lengths (7 to 53 bytes). */
const STREAM_MESSAGES: Message[] = [
  { kind: 'command', seq: 0, name: 'hello', fields: { protocolVersion: 1, host: 'oqs-reader' } },
  {
    kind: 'response',
    seq: 0,
    name: 'hello',
    reqSeq: 0,
    status: 'ok',
    fields: { protocolVersion: 1, vendor: 'OQS Emulated', model: 'FACE-EMU-1', firmware: '1.0.0', serial: 'EMU-0001', capabilities: 63 },
  },
  { kind: 'command', seq: 1, name: 'getStatus', fields: {} },
  { kind: 'event', seq: 1, name: 'cardPlaced', fields: { txId: 0xa5, cardKind: 1 } },
  { kind: 'ack', seq: 2, ackSeq: 1 },
  {
    kind: 'event',
    seq: 2,
    name: 'identityConfirmed',
    fields: { txId: 0xa5, method: 1, cardId: '06027ca250d52f04342f1f639288fd7c', checkId: 0 },
  },
  { kind: 'response', seq: 3, name: 'setMode', reqSeq: 7, status: 'busy', fields: {} },
  { kind: 'event', seq: 4, name: 'screenShown', fields: { screen: 10 } },
];
const STREAM_FRAMES = STREAM_MESSAGES.map(encodeMessage);
const STREAM = Buffer.concat(STREAM_FRAMES);

// ---- CRC --------------------------------------------------------------------------------------

test('PR-2.3-1 CRC-16/CCITT-FALSE: check value 0x29B1 over "123456789"', () => {
  expect(crc16(Buffer.from('123456789', 'ascii'))).to.equal(0x29b1);
});

test('CRC: empty input gives the initial value, and start/end select a range', () => {
  expect(crc16(new Uint8Array(0))).to.equal(0xffff);
  const buf = Buffer.from('xx123456789yy', 'ascii');
  expect(crc16(buf, 2, 11)).to.equal(0x29b1);
});

test('PR-2.3-1 CRC: the table-driven code equals the bitwise definition', () => {
  const bitwise = (p: Uint8Array) => {
    let crc = 0xffff;
    for (const byte of p) {
      crc ^= byte << 8;
      for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
    return crc;
  };
  const rand = prng(7);
  for (let n = 0; n < 300; n++) {
    const p = Buffer.from(Array.from({ length: n % 64 }, () => Math.floor(rand() * 256)));
    expect(crc16(p), p.toString('hex')).to.equal(bitwise(p));
  }
});

test('PR-2.3-1 CRC covers LEN..PAYLOAD (not the SOF) and is sent big-endian', () => {
  for (const frame of STREAM_FRAMES) {
    const end = frame.length - 2;
    expect(frame[0]).to.equal(SOF);
    expect(frame.readUInt16BE(end)).to.equal(crc16(frame, 1, end));
    // No final xor and no reflection: running the CRC over the frame including its CRC gives 0.
    expect(crc16(frame, 1)).to.equal(0);
  }
});

// ---- frame ------------------------------------------------------------------------------------

test('PR-2.2-1 frame layout: SOF, LEN u16 BE, SEQ, TYPE, PAYLOAD, CRC', () => {
  const payload = Buffer.from([1, 2, 3]);
  const f = encodeFrame({ seq: 0x42, type: 0x43, payload });
  expect(f.length).to.equal(payload.length + 7);
  expect([...f.subarray(0, 5)]).to.deep.equal([0xa5, 0x00, 0x03, 0x42, 0x43]);
  expect([...f.subarray(5, 8)]).to.deep.equal([1, 2, 3]);
});

test('PR-2.2-2 a payload of exactly 1024 bytes frames and decodes; 1025 is refused by the encoder', () => {
  const payload = Buffer.alloc(MAX_PAYLOAD, 0xa5);
  const bytes = encodeFrame({ seq: 255, type: 0x7f, payload });
  expect(bytes.length).to.equal(MAX_FRAME);
  const { frames, errors, decoder } = collector();
  feed(decoder, bytes, 1);
  expect(errors).to.deep.equal([]);
  expect(frames).to.have.length(1);
  expect(frames[0]!.payload.equals(payload)).to.equal(true);
  expect(decoder.buffered).to.equal(0);
  expect(() => encodeFrame({ seq: 0, type: 0x40, payload: Buffer.alloc(MAX_PAYLOAD + 1) })).to.throw(RangeError);
});

test('encodeFrame refuses SEQ and TYPE outside 0..255', () => {
  const payload = Buffer.alloc(0);
  for (const seq of [-1, 256, 1.5, Number.NaN]) expect(() => encodeFrame({ seq, type: 0x10, payload }), String(seq)).to.throw(RangeError);
  for (const type of [-1, 256, 0.5]) expect(() => encodeFrame({ seq: 0, type, payload }), String(type)).to.throw(RangeError);
});

// ---- catalogue round trips ----------------------------------------------------------------------

test('every command request round-trips (min, max and 0xA5-filled values)', () => {
  for (const name of COMMAND_NAMES) {
    for (const v of VARIANTS) {
      roundTrip({ kind: 'command', seq: v === 'max' ? 255 : 0xa5, name, fields: sample(COMMANDS[name].request, v) });
    }
  }
});

test('every ok response round-trips, or is refused when its fields exceed 1024 bytes', () => {
  for (const name of COMMAND_NAMES) {
    for (const v of VARIANTS) {
      const fields = sample(COMMANDS[name].response, v);
      const msg: Message = { kind: 'response', seq: 0xa5, name, reqSeq: 0xa5, status: 'ok', fields };
      if (2 + encodedSize(COMMANDS[name].response, fields) > MAX_PAYLOAD) {
        // Only hello's four 255-byte strings get there; a reader must keep them shorter.
        expect(name).to.equal('hello');
        expect(() => encodeMessage(msg)).to.throw(RangeError);
      } else {
        roundTrip(msg);
      }
    }
  }
});

test('PR-3.1-2 every non-ok response of every command round-trips as exactly [reqSeq, status]', () => {
  for (const name of COMMAND_NAMES) {
    for (const status of STATUS_NAMES.filter((s) => s !== 'ok')) {
      const msg: Message = { kind: 'response', seq: 9, name, reqSeq: 200, status, fields: {} };
      roundTrip(msg);
      const bytes = encodeMessage(msg);
      expect([...bytes.subarray(1, 3)], `${name} ${status} LEN`).to.deep.equal([0, 2]);
      expect(bytes[4]).to.equal(COMMANDS[name].type | 0x80);
      expect([...bytes.subarray(5, 7)]).to.deep.equal([200, Status[status]]);
    }
  }
});

test('a non-ok response carries no fields even if the encoder is given some', () => {
  const bytes = encodeResponse('setMode', 1, 2, 'busy', { mode: 2 });
  expect(decodeMessage({ seq: 1, type: 0x92, payload: bytes.subarray(5, -2) })).to.deep.equal({
    kind: 'response',
    seq: 1,
    name: 'setMode',
    reqSeq: 2,
    status: 'busy',
    fields: {},
  });
});

test('every event round-trips (min, max and 0xA5-filled values)', () => {
  for (const name of EVENT_NAMES) {
    for (const v of VARIANTS) roundTrip({ kind: 'event', seq: v === 'min' ? 0 : 0xa5, name, fields: sample(EVENTS[name].fields, v) });
  }
});

test('ACK round-trips for every SEQ', () => {
  for (let s = 0; s < 256; s++) roundTrip({ kind: 'ack', seq: s, ackSeq: 255 - s });
});

test('PR-3.1-1 message types keep to their ranges: commands 0x10–0x3F, events 0x40–0x7F, response = type | 0x80', () => {
  const types = new Set<number>([0x01]);
  for (const name of COMMAND_NAMES) {
    const t = COMMANDS[name].type;
    expect(t, name).to.be.within(0x10, 0x3f);
    types.add(t).add(t | 0x80);
  }
  for (const name of EVENT_NAMES) {
    const t = EVENTS[name].type;
    expect(t, name).to.be.within(0x40, 0x7f);
    types.add(t);
  }
  expect(types.size, 'no type used twice').to.equal(1 + 2 * COMMAND_NAMES.length + EVENT_NAMES.length);
});

// ---- streaming decoder ------------------------------------------------------------------------

test('PR-2.1-1 every chunk size from 1 to 40 bytes yields the same frames from a multi-frame stream', () => {
  for (let size = 1; size <= 40; size++) {
    const { messages, errors, decoder } = decodeAll(STREAM, size);
    expect(messages, `chunk size ${size}`).to.deep.equal(STREAM_MESSAGES);
    expect(errors).to.deep.equal([]);
    expect(decoder.stats).to.deep.equal({ frames: STREAM_MESSAGES.length, crcErrors: 0, oversize: 0, skipped: 0 });
    expect(decoder.buffered).to.equal(0);
  }
});

test('PR-2.1-1 a frame split anywhere in two pieces is decoded once', () => {
  for (const frame of STREAM_FRAMES) {
    for (let cut = 0; cut <= frame.length; cut++) {
      const c = collector();
      c.decoder.push(frame.subarray(0, cut));
      expect(c.frames).to.have.length(cut === frame.length ? 1 : 0);
      c.decoder.push(frame.subarray(cut));
      expect(c.frames).to.have.length(1);
      expect(encodeFrame(c.frames[0]!).equals(frame)).to.equal(true);
    }
  }
});

test('PR-2.4-1 garbage before and between frames is skipped and counted in stats.skipped', () => {
  const rand = prng(1);
  const parts: Buffer[] = [];
  let junk = 0;
  for (const frame of STREAM_FRAMES) {
    const g = garbage(rand, 1 + Math.floor(rand() * 12));
    junk += g.length;
    parts.push(g, frame);
  }
  const tail = garbage(rand, 5);
  junk += tail.length;
  parts.push(tail);
  const stream = Buffer.concat(parts);
  for (let size = 1; size <= 40; size++) {
    const { messages, errors, decoder } = decodeAll(stream, size);
    expect(messages, `chunk size ${size}`).to.deep.equal(STREAM_MESSAGES);
    expect(errors).to.deep.equal([]);
    expect(decoder.stats.skipped, `chunk size ${size}`).to.equal(junk);
    expect(decoder.stats.frames).to.equal(STREAM_MESSAGES.length);
  }
});

test('PR-2.4-2 a stray 0xA5 right before a frame is refused as oversize and the frame still decodes', () => {
  // A5 A5 00 05 …: the first A5 reads LEN 0xA500, which is too long; resync at the next byte.
  const frame = STREAM_FRAMES[3]!;
  const stream = Buffer.concat([Buffer.from([0xa5]), frame]);
  for (let size = 1; size <= 40; size++) {
    const { messages, errors, decoder } = decodeAll(stream, size);
    expect(messages).to.deep.equal([STREAM_MESSAGES[3]]);
    expect(errors.map((e) => e.code)).to.deep.equal(['LINK_ERR_OVERSIZE']);
    expect(decoder.stats).to.deep.equal({ frames: 1, crcErrors: 0, oversize: 1, skipped: 1 });
  }
});

test('PR-2.4-3 a frame with a bad CRC is dropped (LINK_ERR_CRC) and the next frame is recovered', () => {
  const bad = Buffer.from(STREAM_FRAMES[2]!); // getStatus: no 0xA5 after its SOF
  bad[bad.length - 1]! ^= 0x01;
  expect(bad.indexOf(SOF, 1)).to.equal(-1);
  const stream = Buffer.concat([STREAM_FRAMES[0]!, bad, STREAM_FRAMES[4]!, STREAM_FRAMES[7]!]);
  for (let size = 1; size <= 40; size++) {
    const { messages, errors, decoder } = decodeAll(stream, size);
    expect(messages, `chunk size ${size}`).to.deep.equal([STREAM_MESSAGES[0], STREAM_MESSAGES[4], STREAM_MESSAGES[7]]);
    expect(errors.map((e) => e.code)).to.deep.equal(['LINK_ERR_CRC']);
    expect(decoder.stats.crcErrors).to.equal(1);
    // The bad frame's bytes (its SOF and the rest) count as skipped.
    expect(decoder.stats.skipped).to.equal(bad.length);
  }
});

test('a corrupted payload byte is caught by the CRC too', () => {
  for (let at = 5; at < STREAM_FRAMES[1]!.length - 2; at++) {
    const bad = Buffer.from(STREAM_FRAMES[1]!);
    bad[at]! ^= 0x40;
    const { messages, errors } = decodeAll(Buffer.concat([bad, STREAM_FRAMES[2]!]));
    expect(messages, `byte ${at}`).to.deep.equal([STREAM_MESSAGES[2]]);
    expect(errors.map((e) => e.code)).to.include('LINK_ERR_CRC');
  }
});

test('PR-2.4-3 a bad frame with an embedded 0xA5 whose false LEN runs into the next frame: the next frames are recovered', () => {
  // cardId ends in a5 00 0a: a false SOF with LEN 10 whose 17 bytes run 6 bytes into the next frame.
  const confirmed: Message = {
    kind: 'event',
    seq: 5,
    name: 'identityConfirmed',
    fields: { txId: 7, method: 1, cardId: '00'.repeat(13) + 'a5000a', checkId: 0 },
  };
  const bad = encodeMessage(confirmed);
  expect(bad.indexOf(SOF, 1), 'embedded A5').to.equal(bad.length - 2 - 2 - 3);
  bad[bad.length - 2]! ^= 0xff;
  const after: Message[] = [STREAM_MESSAGES[7]!, STREAM_MESSAGES[4]!];
  const stream = Buffer.concat([bad, ...after.map(encodeMessage)]);
  for (let size = 1; size <= 40; size++) {
    const { messages, errors, decoder } = decodeAll(stream, size);
    expect(messages, `chunk size ${size}`).to.deep.equal(after);
    expect(errors.length).to.be.at.least(1);
    expect(errors.every((e) => e.code === 'LINK_ERR_CRC')).to.equal(true);
    expect(decoder.stats.crcErrors).to.equal(errors.length);
    expect(decoder.buffered).to.equal(0);
  }
});

test('PR-2.4-3 a bad frame with an embedded 0xA5 inside its own bytes: resync after the bad SOF finds the next frame', () => {
  const placed = encodeMessage({ kind: 'event', seq: 0xa5, name: 'cardPlaced', fields: { txId: 0xa5a5a5a5, cardKind: 0xa5 } });
  const bad = Buffer.from(placed);
  bad[bad.length - 1]! ^= 0x10;
  const stream = Buffer.concat([bad, STREAM_FRAMES[2]!, STREAM_FRAMES[6]!]);
  for (let size = 1; size <= 40; size++) {
    const { messages, decoder } = decodeAll(stream, size);
    expect(messages, `chunk size ${size}`).to.deep.equal([STREAM_MESSAGES[2], STREAM_MESSAGES[6]]);
    expect(decoder.stats.crcErrors + decoder.stats.oversize).to.be.at.least(1);
  }
});

test('PR-2.4-3 a corrupted LEN that swallows the next frame: the swallowed frame is found again', () => {
  const bad = Buffer.from(STREAM_FRAMES[4]!); // ACK, LEN 1
  bad[2] = 9; // claims 9 payload bytes: runs 7 bytes into the next frame
  const stream = Buffer.concat([bad, STREAM_FRAMES[3]!, STREAM_FRAMES[7]!]);
  for (let size = 1; size <= 40; size++) {
    const { messages, errors } = decodeAll(stream, size);
    expect(messages, `chunk size ${size}`).to.deep.equal([STREAM_MESSAGES[3], STREAM_MESSAGES[7]]);
    expect(errors.map((e) => e.code)).to.deep.equal(['LINK_ERR_CRC']);
  }
});

test('a false start with a plausible LEN delays, but does not lose, the frames behind it', () => {
  // A5 00 A5 …: LEN 0x00A5 = 165, so the decoder waits for 172 bytes before it can tell.
  expect(STREAM.length).to.be.below(170);
  const c = collector();
  c.decoder.push(Buffer.from([0xa5, 0x00]));
  c.decoder.push(STREAM);
  expect(c.frames, 'held until LEN + 7 bytes are in').to.have.length(0);
  expect(c.decoder.buffered).to.equal(2 + STREAM.length);
  c.decoder.push(STREAM);
  expect(c.errors.map((e) => e.code)).to.deep.equal(['LINK_ERR_CRC']);
  expect(c.frames.map((f) => decodeMessage(f))).to.deep.equal([...STREAM_MESSAGES, ...STREAM_MESSAGES]);
  expect(c.decoder.buffered).to.equal(0);
});

test('PR-2.4-2 an oversized LEN (0xFFFF) is refused at once with LINK_ERR_OVERSIZE, nothing is buffered', () => {
  const c = collector();
  c.decoder.push(Buffer.from([0xa5, 0xff, 0xff, 0x00, 0x10]));
  expect(c.errors.map((e) => e.code)).to.deep.equal(['LINK_ERR_OVERSIZE']);
  expect(c.decoder.buffered).to.equal(0);
  expect(c.decoder.stats.oversize).to.equal(1);
  c.decoder.push(STREAM_FRAMES[0]!);
  expect(c.frames.map((f) => decodeMessage(f))).to.deep.equal([STREAM_MESSAGES[0]]);
});

test('PR-2.4-4 oversize byte by byte: at most the 5 header bytes are held, then refused', () => {
  const c = collector();
  const bytes = [0xa5, 0xff, 0xff, 0x00, 0x10];
  bytes.forEach((b, i) => {
    c.decoder.push(Uint8Array.of(b));
    expect(c.decoder.buffered).to.be.at.most(HEADER_SIZE);
    expect(c.errors.length, `after byte ${i}`).to.equal(i === bytes.length - 1 ? 1 : 0);
  });
  expect(c.decoder.buffered).to.equal(0);
  expect(c.errors[0]!.code).to.equal('LINK_ERR_OVERSIZE');
});

test('PR-2.4-2 LEN 1024 is waited for; LEN 1025 is refused', () => {
  const ok = collector();
  ok.decoder.push(Buffer.from([0xa5, 0x04, 0x00, 0x00, 0x40]));
  expect(ok.errors).to.deep.equal([]);
  expect(ok.decoder.buffered).to.equal(5);
  const over = collector();
  over.decoder.push(Buffer.from([0xa5, 0x04, 0x01, 0x00, 0x40]));
  expect(over.errors.map((e) => e.code)).to.deep.equal(['LINK_ERR_OVERSIZE']);
  expect(over.decoder.buffered).to.equal(0);
});

test('PR-2.4-4 decoder.buffered never exceeds MAX_FRAME (1031) while fed lots of hostile bytes', () => {
  expect(MAX_FRAME).to.equal(1031);
  const rand = prng(42);
  const c = collector();
  let max = 0;
  for (let round = 0; round < 2000; round++) {
    const pick = rand();
    let chunk: Buffer;
    if (pick < 0.3) chunk = Buffer.from([0xa5, 0xff, 0xff, 0xa5, 0xff, 0xff]);
    else if (pick < 0.5) chunk = Buffer.from([0xa5, 0x04, 0x00]); // the largest legal LEN
    else if (pick < 0.6) chunk = STREAM_FRAMES[Math.floor(rand() * STREAM_FRAMES.length)]!;
    else chunk = Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 200) }, () => Math.floor(rand() * 256)));
    const size = 1 + Math.floor(rand() * 64);
    for (let i = 0; i < chunk.length; i += size) {
      c.decoder.push(chunk.subarray(i, i + size));
      max = Math.max(max, c.decoder.buffered);
      expect(c.decoder.buffered).to.be.at.most(MAX_FRAME);
    }
  }
  expect(c.decoder.stats.oversize).to.be.greaterThan(0);
  expect(max).to.be.greaterThan(HEADER_SIZE);
});

test('PR-2.1-1 decoding does not depend on chunking, even for random streams of frames, garbage and damage', () => {
  const rand = prng(2026);
  for (let trial = 0; trial < 60; trial++) {
    const parts: Buffer[] = [];
    for (let k = 0; k < 12; k++) {
      const frame = Buffer.from(STREAM_FRAMES[Math.floor(rand() * STREAM_FRAMES.length)]!);
      const r = rand();
      if (r < 0.2) frame[Math.floor(rand() * frame.length)]! ^= 1 << Math.floor(rand() * 8);
      else if (r < 0.3) parts.push(Buffer.from([0xa5]));
      else if (r < 0.4) parts.push(garbage(rand, Math.floor(rand() * 20)));
      parts.push(frame);
    }
    const stream = Buffer.concat(parts);
    const whole = decodeAll(stream);
    for (const size of [1, 2, 3, 5, 7, 13, 31, 40]) {
      const chunked = decodeAll(stream, size);
      expect(chunked.frames, `trial ${trial}, size ${size}`).to.deep.equal(whole.frames);
      expect(chunked.errors).to.deep.equal(whole.errors);
      expect(chunked.decoder.stats).to.deep.equal(whole.decoder.stats);
      expect(chunked.decoder.buffered).to.equal(whole.decoder.buffered);
    }
  }
});

test('reset() drops a partly received frame', () => {
  const c = collector();
  c.decoder.push(STREAM_FRAMES[1]!.subarray(0, 20));
  expect(c.decoder.buffered).to.equal(20);
  c.decoder.reset();
  expect(c.decoder.buffered).to.equal(0);
  c.decoder.push(STREAM_FRAMES[2]!);
  expect(c.frames.map((f) => decodeMessage(f))).to.deep.equal([STREAM_MESSAGES[2]]);
});

// ---- payload errors ---------------------------------------------------------------------------

function payloadError(frame: Frame): PayloadError {
  let err: unknown;
  try {
    decodeMessage(frame);
  } catch (e) {
    err = e;
  }
  expect(err, `type 0x${frame.type.toString(16)} payload ${frame.payload.toString('hex')}`).to.be.instanceOf(PayloadError);
  expect(err).to.have.property('code', 'LINK_ERR_PAYLOAD');
  return err as PayloadError;
}

test('PR-3.2-1 a truncated payload raises PayloadError (LINK_ERR_PAYLOAD) for every command and event', () => {
  for (const name of COMMAND_NAMES) {
    const payload = encodeFields(COMMANDS[name].request, sample(COMMANDS[name].request, 'mid'));
    for (let cut = 0; cut < payload.length; cut++) payloadError({ seq: 0, type: COMMANDS[name].type, payload: payload.subarray(0, cut) });
    const response = Buffer.concat([Buffer.from([0, 0]), encodeFields(COMMANDS[name].response, sample(COMMANDS[name].response, 'mid'))]);
    for (let cut = 0; cut < response.length; cut++) {
      payloadError({ seq: 0, type: COMMANDS[name].type | 0x80, payload: response.subarray(0, cut) });
    }
  }
  for (const name of EVENT_NAMES) {
    const payload = encodeFields(EVENTS[name].fields, sample(EVENTS[name].fields, 'mid'));
    for (let cut = 0; cut < payload.length; cut++) payloadError({ seq: 0, type: EVENTS[name].type, payload: payload.subarray(0, cut) });
  }
});

test('PR-3.2-1 trailing bytes raise PayloadError for every command, response and event', () => {
  const extra = Buffer.from([0x00]);
  for (const name of COMMAND_NAMES) {
    const req = encodeFields(COMMANDS[name].request, sample(COMMANDS[name].request, 'mid'));
    payloadError({ seq: 0, type: COMMANDS[name].type, payload: Buffer.concat([req, extra]) });
    const res = encodeFields(COMMANDS[name].response, sample(COMMANDS[name].response, 'mid'));
    payloadError({ seq: 0, type: COMMANDS[name].type | 0x80, payload: Buffer.concat([Buffer.from([0, 0]), res, extra]) });
    // A non-ok response is exactly [reqSeq, status].
    payloadError({ seq: 0, type: COMMANDS[name].type | 0x80, payload: Buffer.from([0, Status.busy, 0]) });
  }
  for (const name of EVENT_NAMES) {
    const payload = encodeFields(EVENTS[name].fields, sample(EVENTS[name].fields, 'mid'));
    payloadError({ seq: 0, type: EVENTS[name].type, payload: Buffer.concat([payload, extra]) });
  }
});

test('PR-3.2-2 other malformed payloads: ACK length, short response, unknown status, str length, date digits', () => {
  payloadError({ seq: 0, type: 0x01, payload: Buffer.alloc(0) });
  payloadError({ seq: 0, type: 0x01, payload: Buffer.from([1, 2]) });
  payloadError({ seq: 0, type: 0x91, payload: Buffer.from([1]) });
  payloadError({ seq: 0, type: 0x91, payload: Buffer.from([1, 0x08]) });
  payloadError({ seq: 0, type: 0x91, payload: Buffer.from([1, 0xff]) });
  payloadError({ seq: 0, type: 0x10, payload: Buffer.from([1, 5, 0x61, 0x62]) }); // str claims 5, has 2
  const date = (s: string) => Buffer.concat([Buffer.from([0, 1]), Buffer.from(s, 'latin1')]);
  for (const s of ['2026-1124', '2026112a', '2026 124', '２０２６１１']) {
    payloadError({ seq: 0, type: 0x13, payload: date(s).subarray(0, 10) });
  }
});

test('decodeFields reads at an offset and still refuses trailing bytes', () => {
  const specs = [['a', 'u16'], ['b', 'str']] as const;
  const buf = Buffer.concat([Buffer.from([9, 9]), encodeFields(specs, { a: 0x1234, b: 'ok' })]);
  expect(decodeFields(specs, buf, 2)).to.deep.equal({ a: 0x1234, b: 'ok' });
  expect(() => decodeFields(specs, Buffer.concat([buf, Buffer.from([0])]), 2)).to.throw(PayloadError);
});

test('PR-3.1-3 an unknown type raises UnknownMessageError (LINK_ERR_UNKNOWN_TYPE)', () => {
  for (const type of [0x00, 0x02, 0x0f, 0x17, 0x3f, 0x4b, 0x7f, 0x80, 0x81, 0x97, 0xbf, 0xc0, 0xc8, 0xff]) {
    let err: unknown;
    try {
      decodeMessage({ seq: 0, type, payload: Buffer.from([0, 0]) });
    } catch (e) {
      err = e;
    }
    expect(err, `type 0x${type.toString(16)}`).to.be.instanceOf(UnknownMessageError);
    expect(err).to.have.property('code', 'LINK_ERR_UNKNOWN_TYPE');
    expect(err).to.have.property('type', type);
  }
});

// ---- encoder refusals -------------------------------------------------------------------------

test('encodeFields rejects out-of-range integers', () => {
  const cases: [FieldSpec, unknown][] = [
    [['n', 'u8'], 256],
    [['n', 'u8'], -1],
    [['n', 'u8'], 1.5],
    [['n', 'u8'], Number.NaN],
    [['n', 'u8'], '1'],
    [['n', 'u8'], undefined],
    [['n', 'u16'], 0x10000],
    [['n', 'u16'], -1],
    [['n', 'u32'], 2 ** 32],
    [['n', 'u32'], -1],
    [['n', 'u32'], Number.POSITIVE_INFINITY],
  ];
  for (const [spec, value] of cases) {
    expect(() => encodeFields([spec], { n: value }), `${spec[1]} ${String(value)}`).to.throw(PayloadError);
  }
  expect(encodeFields([['n', 'u8']], { n: 255 })).to.deep.equal(Buffer.from([0xff]));
  expect(encodeFields([['n', 'u16']], { n: 0xffff })).to.deep.equal(Buffer.from([0xff, 0xff]));
  expect(encodeFields([['n', 'u32']], { n: 0xffffffff })).to.deep.equal(Buffer.from([0xff, 0xff, 0xff, 0xff]));
});

test('encodeFields rejects over-long strings (counted in UTF-8 bytes) and non-strings', () => {
  const spec: FieldSpec[] = [['s', 'str']];
  expect(encodeFields(spec, { s: 'x'.repeat(255) }).length).to.equal(256);
  expect(() => encodeFields(spec, { s: 'x'.repeat(256) })).to.throw(PayloadError);
  expect(encodeFields(spec, { s: 'あ'.repeat(85) }).length).to.equal(256); // 255 bytes
  expect(() => encodeFields(spec, { s: 'あ'.repeat(86) })).to.throw(PayloadError); // 258 bytes
  expect(() => encodeFields(spec, { s: 42 })).to.throw(PayloadError);
  expect(() => encodeFields(spec, {})).to.throw(PayloadError);
});

test('encodeFields rejects bad dates and ids', () => {
  for (const d of ['2026/11/24', '2026112', '202611240', 'abcdefgh', 20261124]) {
    expect(() => encodeFields([['d', 'date']], { d }), String(d)).to.throw(PayloadError);
  }
  for (const id of ['A5'.repeat(16), 'a5'.repeat(15), 'a5'.repeat(17), 'g'.repeat(32), 7]) {
    expect(() => encodeFields([['i', 'id16']], { i: id }), String(id)).to.throw(PayloadError);
  }
});

test('the typed encoders refuse bad fields too', () => {
  expect(() => encodeCommand('setMode', 0, { mode: 256 })).to.throw(PayloadError);
  expect(() => encodeEvent('screenShown', 0, { screen: -1 })).to.throw(PayloadError);
  expect(() => encodeResponse('getStatus', 0, 0, 'ok', { mode: 1, state: 0, cardPresent: 0, screen: 1, txId: 2 ** 32 })).to.throw(PayloadError);
});


test('encodeAck and encodeResponse refuse a sequence number outside 0..255 instead of wrapping it', () => {
  for (const bad of [256, -1, 1.5]) {
    expect(() => encodeAck(0, bad), String(bad)).to.throw(RangeError);
    expect(() => encodeResponse('reset', 0, bad, 'ok', {}), String(bad)).to.throw(RangeError);
  }
});
