/**
 * Property-based tests of the streaming frame decoder and the message decoder (issue 5, "Bad
 * input"). Every stream is fed through `FrameDecoder` in random chunks and compared with a direct,
 * non-streaming transcription of docs/protocol.md §2.4 (`referenceDecode` below), so the decoder is
 * held to the spec on every input, not only to "does not throw".
 *
 * What "recovered" can guarantee, and what is asserted:
 *
 * - The receiver resynchronises at the byte after a rejected start byte (§2.4 steps 3 and 5), so a
 *   stray 0xA5 in garbage followed by a plausible LEN does not lose the frames behind it: it only
 *   delays them until LEN + 7 bytes have arrived (there is no inter-byte timeout in version 1).
 *   Hence the strongest true property, asserted in (b) and (c): once the stream has gone on for
 *   MAX_FRAME bytes past the last frame (`flush`), EVERY intact input frame is delivered, exactly
 *   once and in order — except one whose start byte lies inside a *phantom*: a false frame (from a
 *   stray 0xA5, a truncated or bit-flipped frame) whose 16-bit CRC happens to match (probability
 *   about 2^-16 per false start with a plausible LEN). A phantom is delivered (it passes the CRC,
 *   which is all a receiver can check) and skips the bytes it spans. The tests count phantoms and
 *   assert each one passes the CRC and covers the frames it hides. In (c) the covering frame can
 *   also be a sent frame rebuilt by the mutation: a frame cut one byte short whose last CRC byte
 *   was 0xA5 is completed by the next frame's start byte, and that next frame is lost (counted as
 *   "sent frames inside another delivered frame").
 * - Without the flush, frames not yet delivered all lie in the bytes the decoder still holds
 *   (`buffered`, behind a false start still waiting for its claimed length): delayed, not lost.
 * - Garbage without any 0xA5: every frame is delivered, no error, `stats.skipped` = garbage bytes.
 * - (c) "never produce a frame that was not in the input": CRC-16 cannot rule that out in general
 *   (a false start whose claimed bytes happen to carry a matching CRC is a valid frame to any
 *   receiver), so it asserts: every delivered frame is an intact input frame at its own position,
 *   or passes the CRC; and a frame with 1–3 flipped bits outside SOF/LEN is never delivered at its
 *   position (CRC-16/CCITT-FALSE detects every odd-weight error — its generator has the factor
 *   x+1 — and every 2-bit error within its period of 32767 bits, more than a 1031-byte frame).
 *
 * Input counts (printed with t.diagnostic): "inputs" = decoder pushes + decodeMessage calls.
 * Default: about 7 million inputs in about 8 s on 2 cores, nearly all of them here (the last test
 * asserts ≥ 1,000,000 for this file); decodeMessage is fuzzed in message.fuzz.test.ts, and 100 MB
 * go through one decoder in decoder.memory.test.ts. OQS_FUZZ_RUNS and OQS_FUZZ_SEED: test-fuzz.ts.
 */
import { test } from 'node:test';
import { expect } from 'chai';
import fc from 'fast-check';
import { SOF, crc16, encodeFrame } from '.';
import {
  FLUSH,
  SCALE,
  TOTAL,
  chunkSizes,
  cleanGarbage,
  counter,
  expectSameAsReference,
  falseStart,
  feed,
  params,
  referenceDecode,
  report,
  sameFrame,
  sofGarbage,
  started,
  u8,
  validFrame,
  type Counts,
  type Reference,
} from './test-fuzz';

// ---- (a) random bytes -------------------------------------------------------------------------------

test('(a) random bytes in random chunks: no throw, buffered ≤ MAX_FRAME, every byte accounted for, result as §2.4 says', (t) => {
  const c = counter();
  const t0 = Date.now();
  const token = fc.oneof(
    { weight: 4, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)) },
    { weight: 3, arbitrary: falseStart },
    { weight: 1, arbitrary: fc.constant(Buffer.from([SOF])) },
    { weight: 1, arbitrary: validFrame },
    // a valid frame with one byte changed
    { weight: 1, arbitrary: fc.tuple(validFrame, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([f, at, x]) => ((f[at % f.length]! ^= x), f)) },
  );
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 3000, size: 'max' }),
    fc.array(token, { maxLength: 60, size: 'large' }).map((parts) => Buffer.concat(parts)),
  );
  fc.assert(
    fc.property(bytes, chunkSizes, (stream, sizes) => {
      c.runs++;
      const fed = feed(stream, sizes, c);
      expectSameAsReference(fed, referenceDecode(stream));
    }),
    params(10_000),
  );
  report(t, '(a) random bytes', c, Date.now() - t0);
});

// ---- (b) valid frames after garbage -------------------------------------------------------------------

interface Layout {
  stream: Buffer;
  /** Where each valid frame starts, with its bytes. */
  placed: Array<{ at: number; bytes: Buffer }>;
  garbageBytes: number;
}

function layout(parts: Array<{ garbage: Buffer; frame: Buffer | null }>, tail: Buffer | null): Layout {
  const chunks: Buffer[] = [];
  const placed: Layout['placed'] = [];
  let at = 0;
  let garbageBytes = 0;
  for (const p of parts) {
    chunks.push(p.garbage);
    at += p.garbage.length;
    garbageBytes += p.garbage.length;
    if (p.frame) {
      placed.push({ at, bytes: p.frame });
      chunks.push(p.frame);
      at += p.frame.length;
    }
  }
  if (tail) {
    chunks.push(tail);
    garbageBytes += tail.length;
  }
  return { stream: Buffer.concat(chunks), placed, garbageBytes };
}

/**
 * Every placed frame is delivered at its position, or lies inside a delivered phantom (a false
 * frame that passed the CRC), or — without a flush — inside the bytes still held at the end.
 * Counts phantoms and the frames they hide into `c`.
 */
function expectRecovered(l: Layout, ref: Reference, c: Counts): void {
  const byAt = new Map(ref.frames.map((p) => [p.at, p]));
  const pendingFrom = l.stream.length - ref.buffered;
  let hidden = 0;
  for (const { at, bytes } of l.placed) {
    const got = byAt.get(at);
    if (got) {
      expect(sameFrame(got.frame, bytes), `frame at ${at} delivered as something else`).to.equal(true);
      continue;
    }
    const phantom = ref.frames.find((p) => p.at < at && at < p.at + p.size);
    if (phantom) {
      // Not an input frame at its place, yet a frame to any receiver: its CRC matches.
      const enc = encodeFrame(phantom.frame);
      expect(crc16(enc, 1)).to.equal(0);
      expect(l.placed.some((q) => q.at === phantom.at)).to.equal(false);
      hidden++;
      continue;
    }
    expect(at, `frame at ${at} (${bytes.toString('hex').slice(0, 40)}…) lost; decoder holds bytes from ${pendingFrom}`).to.be.at.least(pendingFrom);
  }
  c.hidden += hidden;
}

test('(b) valid frames between garbage without 0xA5: every frame delivered in order, no error, skipped = garbage', (t) => {
  const c = counter();
  const t0 = Date.now();
  fc.assert(
    fc.property(
      fc.array(fc.record({ garbage: cleanGarbage, frame: validFrame }), { minLength: 1, maxLength: 12 }),
      cleanGarbage,
      chunkSizes,
      (parts, tail, sizes) => {
        c.runs++;
        c.frames += parts.length;
        const l = layout(parts, tail);
        const fed = feed(l.stream, sizes, c);
        expect(fed.errors).to.deep.equal([]);
        expect(fed.frames.length).to.equal(parts.length);
        fed.frames.forEach((f, i) => expect(sameFrame(f, parts[i]!.frame)).to.equal(true));
        expect(fed.decoder.stats).to.deep.equal({ frames: parts.length, crcErrors: 0, oversize: 0, skipped: l.garbageBytes });
        expect(fed.decoder.buffered).to.equal(0);
      },
    ),
    params(5_000),
  );
  report(t, '(b1) clean garbage', c, Date.now() - t0);
});

test('(b) valid frames between garbage with 0xA5 and plausible lengths: every frame recovered (see header for the exact guarantee)', (t) => {
  const c = counter();
  const t0 = Date.now();
  const part = fc.record({ garbage: fc.oneof(sofGarbage, cleanGarbage), frame: fc.option(validFrame, { freq: 8, nil: null }) });
  fc.assert(
    fc.property(fc.array(part, { minLength: 1, maxLength: 12 }), fc.oneof(sofGarbage, cleanGarbage), fc.boolean(), chunkSizes, (parts, tail, flush, sizes) => {
      c.runs++;
      const l = layout(parts, flush ? Buffer.concat([tail, FLUSH]) : tail);
      c.frames += l.placed.length;
      const fed = feed(l.stream, sizes, c);
      const ref = referenceDecode(l.stream);
      expectSameAsReference(fed, ref);
      if (flush) expect(fed.decoder.buffered, 'nothing held after a flush').to.equal(0);
      expectRecovered(l, ref, c);
      const placedAt = new Set(l.placed.map((p) => p.at));
      c.phantoms += ref.frames.filter((p) => !placedAt.has(p.at)).length;
    }),
    params(10_000),
  );
  report(t, '(b2) garbage with SOFs', c, Date.now() - t0);
});

// ---- (c) mutated frames -------------------------------------------------------------------------------

type Mutation =
  | { op: 'intact' }
  | { op: 'duplicate' }
  | { op: 'drop' }
  | { op: 'flipSafe'; bits: number[] }
  | { op: 'flipAny'; bits: number[] }
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; byte: number }
  | { op: 'delete'; at: number }
  | { op: 'splice'; at: number; other: Buffer };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ op: 'intact' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'duplicate' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'drop' as const }) },
  { weight: 2, arbitrary: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }).map((bits) => ({ op: 'flipSafe' as const, bits })) },
  { weight: 2, arbitrary: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }).map((bits) => ({ op: 'flipAny' as const, bits })) },
  { weight: 2, arbitrary: fc.nat().map((at) => ({ op: 'truncate' as const, at })) },
  { weight: 1, arbitrary: fc.tuple(fc.nat(), u8).map(([at, byte]) => ({ op: 'insert' as const, at, byte })) },
  { weight: 1, arbitrary: fc.nat().map((at) => ({ op: 'delete' as const, at })) },
  { weight: 1, arbitrary: fc.tuple(fc.nat(), validFrame).map(([at, other]) => ({ op: 'splice' as const, at, other })) },
);

interface Mutated {
  stream: Buffer;
  intact: Array<{ at: number; bytes: Buffer }>;
  /** Starts of frames with 1–3 flipped bits outside SOF and LEN: the CRC must reject them there. */
  detectable: number[];
  mutants: number;
}

function mutate(items: Array<{ frame: Buffer; m: Mutation }>, flush: boolean): Mutated {
  const chunks: Buffer[] = [];
  const intact: Mutated['intact'] = [];
  const detectable: number[] = [];
  let at = 0;
  let mutants = 0;
  const put = (b: Buffer, kind: 'intact' | 'detectable' | 'other') => {
    if (kind === 'intact') intact.push({ at, bytes: b });
    if (kind === 'detectable') detectable.push(at);
    chunks.push(b);
    at += b.length;
  };
  for (const { frame, m } of items) {
    const f = Buffer.from(frame);
    if (m.op !== 'intact' && m.op !== 'duplicate') mutants++;
    switch (m.op) {
      case 'intact':
        put(f, 'intact');
        break;
      case 'duplicate':
        put(f, 'intact');
        put(Buffer.from(f), 'intact');
        break;
      case 'drop':
        break;
      case 'flipSafe': {
        // Distinct bits in SEQ..CRC (offset 3 on): the frame keeps its place and length.
        const region = (f.length - 3) * 8;
        const bits = [...new Set(m.bits.map((b) => b % region))];
        for (const b of bits) f[3 + (b >> 3)]! ^= 0x80 >> (b & 7);
        put(f, 'detectable');
        break;
      }
      case 'flipAny':
        for (const b of m.bits) f[(b >> 3) % f.length]! ^= 0x80 >> (b & 7);
        put(f, f.equals(frame) ? 'intact' : 'other');
        break;
      case 'truncate':
        put(f.subarray(0, m.at % f.length), 'other');
        break;
      case 'insert': {
        const i = m.at % (f.length + 1);
        if (i === f.length) {
          // After the end: the frame itself is intact, followed by one stray byte.
          put(f, 'intact');
          put(Buffer.from([m.byte]), 'other');
        } else if (i === 0) {
          put(Buffer.from([m.byte]), 'other');
          put(f, 'intact');
        } else put(Buffer.concat([f.subarray(0, i), Buffer.from([m.byte]), f.subarray(i)]), 'other');
        break;
      }
      case 'delete': {
        const i = m.at % f.length;
        put(Buffer.concat([f.subarray(0, i), f.subarray(i + 1)]), 'other');
        break;
      }
      case 'splice': {
        // The head of this frame, then the tail of another from the same offset (a frame cut off
        // by a reader reset); from offset 0 the other frame arrives whole.
        const i = m.at % f.length;
        const from = i % m.other.length;
        put(f.subarray(0, i), 'other');
        put(m.other.subarray(from), from === 0 ? 'intact' : 'other');
        break;
      }
    }
  }
  if (flush) chunks.push(FLUSH);
  return { stream: Buffer.concat(chunks), intact, detectable, mutants };
}

test('(c) mutated frames (bit flips, truncation, duplication, splices): no throw, only input frames or CRC-valid frames', (t) => {
  const c = counter();
  const t0 = Date.now();
  fc.assert(
    fc.property(fc.array(fc.record({ frame: validFrame, m: mutation }), { minLength: 1, maxLength: 10 }), fc.boolean(), chunkSizes, (items, flush, sizes) => {
      c.runs++;
      c.frames += items.length;
      const mu = mutate(items, flush);
      c.mutants += mu.mutants;
      const fed = feed(mu.stream, sizes, c);
      const ref = referenceDecode(mu.stream);
      expectSameAsReference(fed, ref);
      const intactAt = new Map(mu.intact.map((p) => [p.at, p.bytes]));
      for (const p of ref.frames) {
        // A frame with 1–3 flipped bits outside SOF/LEN is never delivered at its own place.
        expect(mu.detectable, `a frame with 1–3 flipped bits was accepted at ${p.at}`).not.to.include(p.at);
        const original = intactAt.get(p.at);
        if (original) expect(sameFrame(p.frame, original)).to.equal(true);
        if (!original) expect(crc16(encodeFrame(p.frame), 1), 'a delivered frame that is not an input frame must still pass the CRC').to.equal(0);
      }
      expectRecovered({ stream: mu.stream, placed: mu.intact, garbageBytes: 0 }, ref, c);
      // Phantoms: delivered frames equal to no frame that was sent (a splice or truncation can
      // rebuild a sent frame elsewhere; that one is an input frame, not a phantom).
      const sent = new Set(items.flatMap(({ frame, m }) => [frame.toString('hex'), ...(m.op === 'splice' ? [m.other.toString('hex')] : [])]));
      c.phantoms += ref.frames.filter((p) => !sent.has(encodeFrame(p.frame).toString('hex'))).length;
    }),
    params(12_000),
  );
  report(t, '(c) mutated frames', c, Date.now() - t0);
});
test('fuzz totals (default run: at least 1,000,000 inputs)', (t) => {
  const inputs = TOTAL.pushes + TOTAL.decodes;
  t.diagnostic(
    `TOTAL: ${inputs} inputs (${TOTAL.pushes} decoder pushes + ${TOTAL.decodes} decodeMessage calls), ${TOTAL.runs} property runs, ` +
      `${TOTAL.frames} valid frames, ${TOTAL.mutants} mutants, ${(TOTAL.bytes / 1048576).toFixed(1)} MiB, ${TOTAL.phantoms} delivered frames never sent (CRC collisions), ${TOTAL.hidden} sent frames inside another delivered frame, ` +
      `scale ×${SCALE}, ${Date.now() - started} ms`,
  );
  expect(inputs).to.be.at.least(Math.round(1_000_000 * Math.min(SCALE, 1)));
});
