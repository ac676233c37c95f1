import { test } from 'node:test';
import { expect } from 'chai';
import { prng } from '../util/prng';
import { COMMANDS, EVENTS, MAX_FRAME, MAX_PAYLOAD, SOF, Status, crc16, decodeMessage, encodeFrame, encodeResponse, type FieldSpec, type Message } from '.';
import {
  COMMAND_NAMES,
  EVENT_NAMES,
  STATUS_NAMES,
  STREAM_FRAMES,
  collector,
  decodeAll,
  encodeMessage,
  feed,
  sample,
  type Fields,
  type Variant,
} from './test-codec';

// The codec: CRC, frame layout and every message of the catalogue there and back. The streaming
// decoder is in decoder.test.ts, payload and field errors in payload.test.ts.

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
const VARIANTS: Variant[] = ['min', 'max', 'mid'];
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
