import { test } from 'node:test';
import { randomFillSync } from 'node:crypto';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { expect } from 'chai';
import { FrameDecoder, MAX_FRAME, SOF, encodeEvent } from '.';
import { SCALE } from './test-fuzz';

// The frame decoder's memory under a long hostile stream (issue 5, "Bad input"); OQS_FUZZ_RUNS
// scales it up to 4×, like the fuzz properties in decoder.fuzz.test.ts.

// ---- memory: ≥ 100 MB through one decoder -------------------------------------------------------

/** A gc() even without --expose-gc (node's runner starts files without it). */
function findGc(): (() => void) | null {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return null;
  }
}

test('memory stays bounded: 100 MB of random input, dense with false starts, through one decoder', (t) => {
  const TOTAL_BYTES = Math.round(100 * 1024 * 1024 * Math.min(SCALE, 4));
  const gc = findGc();
  const chunk = Buffer.allocUnsafe(64 * 1024);
  let frames = 0;
  let errors = 0;
  const decoder = new FrameDecoder(
    () => frames++,
    () => errors++,
  );
  const valid = encodeEvent('identityConfirmed', 7, { txId: 0xa5a5, method: 1, cardId: 'a5'.repeat(16), checkId: 3 });
  const used = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  // Warm up, so the first measurement includes the code and buffers of the decoding path.
  decoder.push(valid);
  gc?.();
  const before = used();
  let peakBuffered = 0;
  let peakUsed = before;
  const t0 = Date.now();
  let seed = 1;
  let pushes = 0;
  for (let done = 0; done < TOTAL_BYTES; done += chunk.length) {
    randomFillSync(chunk);
    // Every ~2 KB a false start with a plausible length, and now and then a valid frame.
    for (let at = (seed = (seed * 1103515245 + 12345) >>> 0) % 2048; at + valid.length < chunk.length; at += 2048) {
      if ((at >> 11) % 8 === 0) valid.copy(chunk, at);
      else {
        chunk[at] = SOF;
        chunk[at + 1] = (at >> 8) & 0x03;
      }
    }
    // Cut the chunk in two at a random point, so partial frames straddle pushes.
    const cut = seed % chunk.length;
    decoder.push(chunk.subarray(0, cut));
    decoder.push(chunk.subarray(cut));
    pushes += 2;
    peakBuffered = Math.max(peakBuffered, decoder.buffered);
    if ((done / chunk.length) % 256 === 0) peakUsed = Math.max(peakUsed, used());
  }
  gc?.();
  const after = used();
  const ms = Date.now() - t0;
  t.diagnostic(
    `memory: ${(TOTAL_BYTES / 1048576).toFixed(0)} MiB in ${pushes} pushes, ${ms} ms; ${frames} frames, ${errors} errors; ` +
      `peak buffered ${peakBuffered}; heap+arrayBuffers ${(before / 1048576).toFixed(1)} → ${(after / 1048576).toFixed(1)} MiB ` +
      `(peak sampled ${(peakUsed / 1048576).toFixed(1)}; gc ${gc ? 'available' : 'NOT available: rough comparison'})`,
  );
  expect(peakBuffered).to.be.at.most(MAX_FRAME);
  expect(frames).to.be.greaterThan(0);
  expect(errors).to.be.greaterThan(0);
  // With gc: retained growth under 4 MiB. Without: garbage not yet collected counts too, so allow
  // what young-generation garbage can reach, far below the 100 MiB that went through.
  expect(after - before).to.be.below(gc ? 4 * 1048576 : 48 * 1048576);
});
