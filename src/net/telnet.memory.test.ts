import { test } from 'node:test';
import { randomFillSync } from 'node:crypto';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { expect } from 'chai';
import { SCALE } from '../protocol/test-fuzz';
import { IAC, SB, TelnetDecoder } from './telnet';

// The Telnet decoder's memory under a long hostile stream (issue 12, "Bad input on the network"):
// 0xFF storms, subnegotiations that never end, random bytes; OQS_FUZZ_RUNS scales it up to 4×.

/** gc() without --expose-gc (node's runner starts files without it). */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

test('memory stays bounded: 40 MB of 0xFF storms, endless subnegotiations and random bytes through one decoder', (t) => {
  const TOTAL_BYTES = Math.round(40 * 1024 * 1024 * Math.min(SCALE, 4));
  const chunk = Buffer.allocUnsafe(64 * 1024);
  const decoder = new TelnetDecoder();
  const used = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  decoder.push(Buffer.of(IAC, IAC, 1));
  gc();
  const before = used();
  let peak = before;
  let peakPending = 0;
  let faults = 0;
  let dataBytes = 0;
  let n = 0;
  for (let done = 0; done < TOTAL_BYTES; done += chunk.length, n++) {
    // Thirds: a storm of 0xFF (odd length: an IAC left open across the push), a subnegotiation
    // opened and never closed, random bytes.
    if (n % 3 === 0) chunk.fill(IAC, 0, chunk.length - 1).fill(IAC - 1, chunk.length - 1);
    else if (n % 3 === 1) {
      randomFillSync(chunk);
      chunk[0] = IAC;
      chunk[1] = SB;
      for (let i = 2; i < chunk.length; i++) if (chunk[i] === IAC) chunk[i] = 0;
    } else randomFillSync(chunk);
    const cut = (n * 7919) % chunk.length;
    for (const part of [chunk.subarray(0, cut), chunk.subarray(cut)]) {
      for (const e of decoder.push(part)) {
        if (e.type === 'error') faults++;
        else if (e.type === 'data') dataBytes += e.bytes.length;
      }
      peakPending = Math.max(peakPending, decoder.pending);
    }
    if (n % 64 === 0) {
      gc();
      peak = Math.max(peak, used());
    }
  }
  gc();
  const growth = Math.max(peak, used()) - before;
  t.diagnostic(`${TOTAL_BYTES} bytes, ${dataBytes} data bytes out, ${faults} faults, peak pending ${peakPending}, growth ${(growth / 1024).toFixed(0)} KiB`);
  expect(peakPending).to.be.at.most(decoder.maxSubnegotiation + 1);
  expect(faults).to.be.greaterThan(0);
  expect(growth).to.be.below(8 * 1024 * 1024);
});
