import { test } from 'node:test';
import { expect } from 'chai';
import {
  COMMANDS,
  EVENTS,
  PayloadError,
  Status,
  UnknownMessageError,
  decodeFields,
  decodeMessage,
  encodeAck,
  encodeCommand,
  encodeEvent,
  encodeFields,
  encodeResponse,
  type FieldSpec,
  type Frame,
} from '.';
import { COMMAND_NAMES, EVENT_NAMES, sample } from './test-codec';

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
  const specs = [
    ['a', 'u16'],
    ['b', 'str'],
  ] as const;
  const buf = Buffer.concat([Buffer.from([9, 9]), encodeFields(specs, { a: 0x1234, b: 'ok' })]);
  expect(decodeFields(specs, buf, 2)).to.deep.equal({ a: 0x1234, b: 'ok' });
  expect(() => decodeFields(specs, Buffer.concat([buf, Buffer.from([0])]), 2)).to.throw(PayloadError);
});

test('PR-3.1-3 an unknown type raises UnknownMessageError (LINK_ERR_UNKNOWN_TYPE)', () => {
  for (const type of [0x00, 0x02, 0x0f, 0x18, 0x3f, 0x4c, 0x7f, 0x80, 0x81, 0x98, 0xbf, 0xc0, 0xc8, 0xff]) {
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
