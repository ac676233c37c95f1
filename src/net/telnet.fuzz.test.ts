/**
 * Property-based tests of the Telnet decoder (issue 12, "Bad input on the network"), in the style
 * of src/protocol/decoder.fuzz.test.ts:
 *
 * (a) round trip: any data bytes and any well-formed Telnet sequences, encoded and fed in any
 *     chunking, decode to exactly what was encoded (data joined, events in order);
 * (b) any bytes at all: no throw, the decoder never holds more than its bound, data out ≤ bytes in,
 *     and the result does not depend on the chunking (compared with one push of the whole stream);
 * (c) any subnegotiation longer than the bound is reported once and skipped, never kept.
 *
 * OQS_FUZZ_RUNS and OQS_FUZZ_SEED work as for the frame decoder (src/protocol/test-fuzz.ts).
 */
import { test } from 'node:test';
import { expect } from 'chai';
import fc from 'fast-check';
import { params } from '../protocol/test-fuzz';
import { IAC, SB, SE, TelnetDecoder, command, escapeIac, negotiation, subnegotiation, type TelnetEvent, type Verb } from './telnet';

const chunkSizes = fc.oneof(
  fc.constant([1]),
  fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 12 }),
  fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 8 }),
  fc.constant([1 << 20]),
);

/** Pushes `stream` cut into pieces of the given sizes (cycled); data events joined. */
function feed(d: TelnetDecoder, stream: Uint8Array, sizes: readonly number[]): TelnetEvent[] {
  const out: TelnetEvent[] = [];
  let k = 0;
  for (let at = 0; at < stream.length; k++) {
    const n = sizes[k % sizes.length]!;
    for (const e of d.push(stream.subarray(at, at + n))) {
      const last = out[out.length - 1];
      if (e.type === 'data' && last?.type === 'data') last.bytes = Buffer.concat([last.bytes, e.bytes]);
      else out.push(e.type === 'data' ? { type: 'data', bytes: Buffer.from(e.bytes) } : e);
    }
    expect(d.pending).to.be.at.most(d.maxSubnegotiation + 1);
    at += n;
  }
  return out;
}

const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(IAC, SB, SE, 0));
const bytes = (max: number) => fc.array(byte, { maxLength: max }).map((a) => Buffer.from(a));

/** One well-formed piece of a Telnet stream, with the event it must decode to. */
const piece: fc.Arbitrary<{ wire: Buffer; event: TelnetEvent }> = fc.oneof(
  {
    weight: 4,
    arbitrary: bytes(64)
      .filter((b) => b.length > 0)
      .map((b) => ({ wire: escapeIac(b), event: { type: 'data', bytes: b } as TelnetEvent })),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.constantFrom<Verb>('WILL', 'WONT', 'DO', 'DONT'), fc.integer({ min: 0, max: 255 })).map(([verb, option]) => ({
      wire: negotiation(verb, option),
      event: { type: 'negotiate', verb, option } as TelnetEvent,
    })),
  },
  { weight: 1, arbitrary: fc.integer({ min: 0xf1, max: 0xf9 }).map((code) => ({ wire: command(code), event: { type: 'command', code } as TelnetEvent })) },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.integer({ min: 0, max: 255 }), bytes(40)).map(([option, payload]) => ({
      wire: subnegotiation(option, payload),
      event: { type: 'subnegotiation', option, payload } as TelnetEvent,
    })),
  },
);

/** What the events of `pieces` look like once adjacent data is joined. */
function expected(events: TelnetEvent[]): TelnetEvent[] {
  const out: TelnetEvent[] = [];
  for (const e of events) {
    const last = out[out.length - 1];
    if (e.type === 'data' && last?.type === 'data') last.bytes = Buffer.concat([last.bytes, e.bytes]);
    else out.push(e.type === 'data' ? { type: 'data', bytes: Buffer.from(e.bytes) } : e);
  }
  return out;
}

test('(a) round trip: encoded data and sequences decode to themselves in any chunking', (t) => {
  let runs = 0;
  let total = 0;
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 40 }), chunkSizes, (pieces, sizes) => {
      runs++;
      const wire = Buffer.concat(pieces.map((p) => p.wire));
      total += wire.length;
      const d = new TelnetDecoder();
      expect(feed(d, wire, sizes)).to.deep.equal(expected(pieces.map((p) => p.event)));
      expect(d.pending).to.equal(0);
      expect(d.end()).to.deep.equal([]);
    }),
    params(3_000),
  );
  t.diagnostic(`${runs} runs, ${total} bytes`);
});

test('(b) any bytes: no throw, bounded state, no more data than input, and the chunking does not matter', (t) => {
  let runs = 0;
  const stream = fc.oneof(
    fc.uint8Array({ maxLength: 2000 }),
    bytes(2000),
    fc
      .array(
        fc.oneof(
          piece.map((p) => p.wire),
          bytes(8),
        ),
        { maxLength: 60 },
      )
      .map((parts) => Buffer.concat(parts)),
  );
  fc.assert(
    fc.property(stream, chunkSizes, fc.integer({ min: 1, max: 300 }), (s, sizes, max) => {
      runs++;
      const whole = new TelnetDecoder(max);
      const reference = expected(whole.push(s));
      const d = new TelnetDecoder(max);
      const events = feed(d, s, sizes);
      expect(events).to.deep.equal(reference);
      const dataOut = events.reduce((n, e) => n + (e.type === 'data' ? e.bytes.length : 0), 0);
      expect(dataOut).to.be.at.most(s.length);
      for (const e of events) if (e.type === 'subnegotiation') expect(e.payload.length).to.be.at.most(max);
      // The end of the stream: a sequence left open is reported as truncated, exactly then.
      const end = d.end();
      expect(end.length).to.equal(whole.pending > 0 ? 1 : 0);
    }),
    params(3_000),
  );
  t.diagnostic(`${runs} runs`);
});

test('(c) an overlong subnegotiation is one overflow fault and is skipped, whatever it holds', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 64 }), fc.uint8Array({ minLength: 65, maxLength: 3000 }), chunkSizes, (max, body, sizes) => {
      const payload = Buffer.from(body.filter((b) => b !== IAC));
      fc.pre(payload.length > max);
      const wire = Buffer.concat([subnegotiation(44, payload), Buffer.of(0x41)]);
      const events = feed(new TelnetDecoder(max), wire, sizes);
      expect(events).to.deep.equal([
        { type: 'error', fault: 'subnegotiationOverflow', detail: `the subnegotiation of option 44 is longer than ${max} bytes` },
        { type: 'data', bytes: Buffer.of(0x41) },
      ]);
    }),
    params(1_000),
  );
});
