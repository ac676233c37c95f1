/**
 * The machinery of the protocol's fuzz tests (not a test file itself): a direct transcription of
 * docs/protocol.md §2.4 to compare the streaming decoder with, a checked feeder, counts, and the
 * fast-check arbitraries. What the properties guarantee is in decoder.fuzz.test.ts's header.
 *
 * `OQS_FUZZ_RUNS=10` multiplies every property's numRuns (the documented longer run: about 70
 * million inputs in about a minute), `OQS_FUZZ_SEED=<n>` replays a seed fast-check printed.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import {
  COMMANDS,
  EVENTS,
  FRAME_OVERHEAD,
  FrameDecoder,
  HEADER_SIZE,
  MAX_FRAME,
  MAX_PAYLOAD,
  SOF,
  crc16,
  encodeAck,
  encodeCommand,
  encodeEvent,
  encodeFrame,
  encodeResponse,
  type DecodeError,
  type DecoderStats,
  type FieldSpec,
  type Frame,
} from '.';
import { COMMAND_NAMES, EVENT_NAMES, STATUS_NAMES } from './test-codec';

// ---- scale and counting -------------------------------------------------------------------------

export const SCALE = (() => {
  const v = process.env.OQS_FUZZ_RUNS;
  if (v === undefined || v === '') return 1;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new RangeError(`OQS_FUZZ_RUNS must be a positive number (a multiplier), got "${v}"`);
  return n;
})();
export const SEED = process.env.OQS_FUZZ_SEED ? Number(process.env.OQS_FUZZ_SEED) : undefined;

export function params(numRuns: number): fc.Parameters<unknown> {
  return { numRuns: Math.max(1, Math.round(numRuns * SCALE)), ...(SEED === undefined ? {} : { seed: SEED }) };
}

export interface Counts {
  runs: number;
  pushes: number;
  bytes: number;
  frames: number;
  mutants: number;
  /** Delivered frames that are not an input frame at its place (CRC matched by chance). */
  phantoms: number;
  /** Input frames whose start byte a phantom spanned. */
  hidden: number;
  decodes: number;
}

export const TOTAL: Counts = { runs: 0, pushes: 0, bytes: 0, frames: 0, mutants: 0, phantoms: 0, hidden: 0, decodes: 0 };
export const started = Date.now();

export function counter(): Counts {
  return { runs: 0, pushes: 0, bytes: 0, frames: 0, mutants: 0, phantoms: 0, hidden: 0, decodes: 0 };
}

export function report(t: { diagnostic: (s: string) => void }, name: string, c: Counts, ms: number): void {
  for (const k of Object.keys(TOTAL) as Array<keyof Counts>) TOTAL[k] += c[k];
  t.diagnostic(
    `${name}: ${c.runs} runs, ${c.pushes + c.decodes} inputs (${c.pushes} pushes, ${c.decodes} decodeMessage), ` +
      `${c.bytes} bytes, ${c.frames} valid frames, ${c.mutants} mutants, ${c.phantoms} delivered frames never sent (CRC collisions), ${c.hidden} sent frames inside another delivered frame, ${ms} ms`,
  );
}

// ---- the reference: docs/protocol.md §2.4 over a whole stream ------------------------------------

export interface Placed {
  at: number;
  frame: Frame;
  size: number;
}

export interface Reference {
  frames: Placed[];
  stats: DecoderStats;
  buffered: number;
}

/** §2.4 steps 1–6, position by position, with no chunking at all. */
export function referenceDecode(s: Uint8Array): Reference {
  const out: Placed[] = [];
  const stats: DecoderStats = { frames: 0, crcErrors: 0, oversize: 0, skipped: 0 };
  const n = s.length;
  let i = 0;
  while (i < n) {
    if (s[i] !== SOF) {
      stats.skipped++;
      i++;
      continue;
    }
    if (n - i < HEADER_SIZE) return { frames: out, stats, buffered: n - i };
    const len = (s[i + 1]! << 8) | s[i + 2]!;
    if (len > MAX_PAYLOAD) {
      stats.oversize++;
      stats.skipped++;
      i++;
      continue;
    }
    const size = len + FRAME_OVERHEAD;
    if (n - i < size) return { frames: out, stats, buffered: n - i };
    const crcAt = i + HEADER_SIZE + len;
    if (crc16(s, i + 1, crcAt) === ((s[crcAt]! << 8) | s[crcAt + 1]!)) {
      stats.frames++;
      out.push({ at: i, size, frame: { seq: s[i + 3]!, type: s[i + 4]!, payload: Buffer.from(s.subarray(i + HEADER_SIZE, crcAt)) } });
      i += size;
    } else {
      stats.crcErrors++;
      stats.skipped++;
      i++;
    }
  }
  return { frames: out, stats, buffered: 0 };
}

// ---- feeding the streaming decoder ---------------------------------------------------------------

export interface Fed {
  frames: Frame[];
  errors: DecodeError[];
  decoder: FrameDecoder;
}

/**
 * Pushes `stream` in chunks whose sizes cycle through `sizes` (an empty push now and then), and
 * checks after every push: nothing thrown, `buffered` ≤ MAX_FRAME, and every byte pushed is
 * accounted for exactly once: skipped + bytes of delivered frames + buffered = bytes pushed.
 */
export function feed(stream: Uint8Array, sizes: readonly number[], c: Counts): Fed {
  const frames: Frame[] = [];
  const errors: DecodeError[] = [];
  let delivered = 0;
  const decoder = new FrameDecoder(
    (f) => {
      frames.push(f);
      delivered += f.payload.length + FRAME_OVERHEAD;
    },
    (e) => errors.push(e),
  );
  let k = 0;
  for (let i = 0; i < stream.length;) {
    const size = sizes[k++ % sizes.length]!;
    decoder.push(stream.subarray(i, i + size));
    i = Math.min(stream.length, i + size);
    c.pushes++;
    if (decoder.buffered > MAX_FRAME) throw new Error(`buffered ${decoder.buffered} > MAX_FRAME after ${i} bytes`);
    const { skipped, frames: nf, crcErrors, oversize } = decoder.stats;
    if (skipped + delivered + decoder.buffered !== i) {
      throw new Error(`bookkeeping: skipped ${skipped} + delivered ${delivered} + buffered ${decoder.buffered} != pushed ${i}`);
    }
    if (nf !== frames.length || crcErrors + oversize !== errors.length || crcErrors + oversize > skipped) {
      throw new Error(`stats ${JSON.stringify(decoder.stats)} disagree with ${frames.length} frames and ${errors.length} errors`);
    }
    if (k % 97 === 0) {
      decoder.push(new Uint8Array(0));
      c.pushes++;
    }
  }
  c.bytes += stream.length;
  return { frames, errors, decoder };
}

/** The decoder must do exactly what §2.4 says, whatever the chunking. */
export function expectSameAsReference(fed: Fed, ref: Reference): void {
  expect(fed.decoder.stats).to.deep.equal(ref.stats);
  expect(fed.decoder.buffered).to.equal(ref.buffered);
  expect(fed.frames.length).to.equal(ref.frames.length);
  for (let i = 0; i < ref.frames.length; i++) {
    const a = fed.frames[i]!;
    const b = ref.frames[i]!.frame;
    if (a.seq !== b.seq || a.type !== b.type || !a.payload.equals(b.payload)) {
      expect.fail(`frame ${i} differs from the reference: ${encodeFrame(a).toString('hex')} vs ${encodeFrame(b).toString('hex')}`);
    }
  }
  expect(fed.errors.map((e) => e.code)).to.have.length(ref.stats.crcErrors + ref.stats.oversize);
}

export const sameFrame = (a: Frame, bytes: Uint8Array) => Buffer.compare(encodeFrame(a), bytes) === 0;

// ---- arbitraries ----------------------------------------------------------------------------------

/** Chunk sizes, cycled over the stream: byte by byte, USB-serial-like, or big reads. */
export const chunkSizes = fc.oneof(
  fc.constant([1]),
  fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 12 }),
  fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 12 }),
  fc.array(fc.integer({ min: 1, max: 2 * MAX_FRAME }), { minLength: 1, maxLength: 6 }),
  fc.constant([1 << 20]),
);

export const u8 = fc.oneof(fc.integer({ min: 0, max: 0xff }), fc.constantFrom(0, 0xff, SOF));
export const u16 = fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(0, 0xffff, 0xa5a5, 0x0400, 0x0401));
export const u32 = fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0, 0xffffffff, 0xa50000a5));
export const str = fc.string({ unit: 'binary', maxLength: 63 }); // ≤ 63 code points, so ≤ 252 UTF-8 bytes
export const date = fc.integer({ min: 0, max: 99_999_999 }).map((n) => String(n).padStart(8, '0'));
export const id16 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('hex'));

export function fieldsArb(specs: readonly FieldSpec[]): fc.Arbitrary<Record<string, number | string>> {
  const rec: Record<string, fc.Arbitrary<number | string>> = {};
  for (const [name, kind] of specs) rec[name] = { u8, u16, u32, str, date, id16 }[kind];
  return fc.record(rec);
}

/** A valid frame of the catalogue (encodeEvent/Command/Response/Ack) or a raw frame (encodeFrame). */
export const validFrame: fc.Arbitrary<Buffer> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .constantFrom(...EVENT_NAMES)
      .chain((name) => fc.tuple(u8, fieldsArb(EVENTS[name].fields)).map(([seq, f]) => encodeEvent(name, seq, f as never))),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(...COMMAND_NAMES)
      .chain((name) => fc.tuple(u8, fieldsArb(COMMANDS[name].request)).map(([seq, f]) => encodeCommand(name, seq, f as never))),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(...COMMAND_NAMES)
      .chain((name) =>
        fc
          .tuple(u8, u8, fc.constantFrom(...STATUS_NAMES), fieldsArb(COMMANDS[name].response))
          .map(([seq, req, status, f]) => encodeResponse(name, seq, req, status, f as never)),
      ),
  },
  { weight: 1, arbitrary: fc.tuple(u8, u8).map(([seq, ack]) => encodeAck(seq, ack)) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        u8,
        u8,
        fc.oneof(
          { weight: 6, arbitrary: fc.uint8Array({ maxLength: 48 }) },
          { weight: 1, arbitrary: fc.uint8Array({ minLength: 900, maxLength: MAX_PAYLOAD }) },
        ),
      )
      .map(([seq, type, payload]) => encodeFrame({ seq, type, payload: Buffer.from(payload) })),
  },
);

/** A 0xA5 with a header that claims a plausible (or boundary, or oversize) length. */
export const falseStart = fc
  .tuple(
    fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: MAX_PAYLOAD }), fc.constantFrom(0, 1023, 1024, 1025, 0xa5a5, 0xffff)),
    fc.integer({ min: 0, max: 3 }),
  )
  .map(([len, headerBytes]) => Buffer.from([SOF, len >> 8, len & 0xff, 0x11, 0x40].slice(0, 1 + headerBytes)));

export const noSof = (b: Uint8Array) => Buffer.from(b.map((x) => (x === SOF ? 0x5a : x)));

/** Garbage without any start byte. */
export const cleanGarbage = fc.uint8Array({ maxLength: 40 }).map(noSof);

/** Garbage with start bytes: stray 0xA5 runs and false starts with plausible lengths. */
export const sofGarbage = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b)) },
      { weight: 2, arbitrary: falseStart },
      { weight: 1, arbitrary: fc.constant(Buffer.from([SOF, SOF])) },
    ),
    {
      maxLength: 4,
    },
  )
  .map((parts) => Buffer.concat(parts));

/** Zeros (no start byte) long enough to complete any false start placed before them. */
export const FLUSH = Buffer.alloc(MAX_FRAME);
