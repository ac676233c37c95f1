import { test } from 'node:test';
import { randomFillSync } from 'node:crypto';
import { connect } from 'node:net';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { expect } from 'chai';
import { encodeCommand } from '../../src/protocol';
import { SCALE } from '../../src/protocol/test-fuzz';
import { IAC, SB } from '../../src/net/telnet';
import { EmulatorHost } from '../emulator-host';
import { NetClient } from './test-net-client';
import { settledUse } from '../../src/util/test-memory';

// An emulated reader's rfc2217:// listener under a long hostile stream (issue 12, "Bad input on the
// network"): the emulator's memory stays bounded and the reader still answers the next client.
// The Telnet decoder alone is src/net/telnet.memory.test.ts; this is the whole path to the reader.

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

test('memory stays bounded: 24 MB of 0xFF storms, endless subnegotiations and random bytes into one rfc2217:// reader', async (t) => {
  const TOTAL = Math.round(24 * 1024 * 1024 * Math.min(SCALE, 4));
  const log: string[] = [];
  const host = await EmulatorHost.start({ readers: 1, pty: false, listen: ['rfc2217://127.0.0.1:0'], control: [], log: (l) => log.push(l) });
  const used = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  try {
    const url = host.info()[0]!.listen!;
    // A bare socket that reads and forgets what the emulator answers: only the emulator's memory is measured.
    const port = Number(url.split(':').pop());
    const bad = await new Promise<ReturnType<typeof connect>>((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(s)).once('error', reject);
    });
    bad.on('data', () => undefined);
    const chunk = Buffer.allocUnsafe(256 * 1024);
    const before = await settledUse(gc);
    let peak = before;
    for (let n = 0, done = 0; done < TOTAL; n++, done += chunk.length) {
      if (n % 3 === 0) chunk.fill(IAC, 0, chunk.length - 1).fill(IAC - 1, chunk.length - 1);
      else {
        randomFillSync(chunk);
        if (n % 3 === 1) chunk.set([IAC, SB, 44]);
      }
      // Written only when the socket has room, so what is measured is the emulator, not this side's queue.
      if (!bad.write(chunk)) await new Promise((r) => bad.once('drain', r));
      if (n % 16 === 0) {
        gc();
        peak = Math.max(peak, used());
      }
    }
    // 'close' comes once the emulator has read everything and closed its side: the reader is free again.
    await new Promise((r) => {
      bad.once('close', r);
      bad.end();
    });
    // The reader first finishes reacting to the storm (the status op waits for its queue), and the
    // storm's connection may still hold the line for a moment: NetClient.ask tries again then.
    await host.handle('status', { reader: 0 });
    // The storm may end inside a false start with a plausible LEN: the reader then holds the frames
    // behind it until LEN + 7 bytes have come (docs/protocol.md PR-2.4-4, no inter-byte timeout). A
    // controller's command retries bring those bytes; here 2 KiB of idle zero bytes do, once. Without
    // them a lone hello waited for ever (a CI run here saw no answer at all).
    const hello = Buffer.concat([Buffer.alloc(2048), encodeCommand('hello', 0, { protocolVersion: 1, host: 'after the storm' })]);
    const asked = NetClient.ask(url, hello, 'hello');
    const { client: good, response } = await asked.catch((e: Error) => {
      throw new Error(`${e.message}; emulator log: ${log.join(' | ') || 'empty'}`);
    });
    expect(response.status).to.equal('ok');
    await good.close();
    const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
    const after = (await settledUse(gc)) - before;
    t.diagnostic(`${TOTAL} bytes in; growth at the peak ${kib(peak - before)}, after ${kib(after)}; ${log.length} log lines`);
    // What stays is what was kept: a fraction of the stream would be megabytes. The peak holds reads in
    // flight (10-15 MiB under load); twice the stream would be buffering without bound.
    expect(after).to.be.below(4 * 1024 * 1024);
    expect(peak - before).to.be.below(2 * TOTAL);
    expect(log.length).to.be.below(10);
  } finally {
    await host.close();
  }
});
