import { test } from 'node:test';
import { expect } from 'chai';
import { VirtualClock } from '../src/time/virtual-clock';
import { FTDI_LATENCY_MS, PacedSink, randomChunks, type PacingOptions } from './pacing';

/** A sink on a fresh virtual clock that records each chunk with the time it arrived. */
function paced(opts: PacingOptions) {
  const clock = new VirtualClock(0);
  const chunks: Array<{ at: number; bytes: Buffer }> = [];
  const sink = new PacedSink(clock, (bytes) => chunks.push({ at: clock.now(), bytes: Buffer.from(bytes) }), opts);
  return { clock, sink, chunks, all: () => Buffer.concat(chunks.map((c) => c.bytes)) };
}

const counting = (n: number, from = 0) => Buffer.from(Array.from({ length: n }, (_, i) => (from + i) & 0xff));

test('without options a write goes straight through, synchronously and whole', () => {
  const { sink, chunks, clock } = paced({});
  sink.write(counting(100));
  expect(chunks).to.have.length(1);
  expect(chunks[0]!.bytes).to.deep.equal(counting(100));
  expect(clock.pending()).to.deep.equal([]);
});

test('115200 baud 8N1 delivers 100 bytes after ~8.68 ms of virtual time', async () => {
  const { sink, chunks, clock } = paced({ baudRate: 115200 });
  sink.write(counting(100));
  expect(chunks).to.have.length(0);
  expect(sink.pending).to.equal(100);
  await clock.runUntilIdle();
  expect(chunks).to.have.length(1);
  expect(chunks[0]!.at).to.be.closeTo((100 * 10 * 1000) / 115200, 1e-9);
  expect(chunks[0]!.at).to.be.closeTo(8.68, 0.01);
  expect(chunks[0]!.bytes).to.deep.equal(counting(100));
});

test('a second write waits for the line: back-to-back writes take the sum of their times', async () => {
  const { sink, chunks, clock } = paced({ baudRate: 9600 });
  sink.write(counting(10));
  sink.write(counting(20, 10));
  await clock.runUntilIdle();
  expect(chunks).to.have.length(2);
  expect(chunks[0]!.at).to.be.closeTo((10 * 10 * 1000) / 9600, 1e-9);
  expect(chunks[1]!.at).to.be.closeTo((30 * 10 * 1000) / 9600, 1e-9);
  expect(Buffer.concat(chunks.map((c) => c.bytes))).to.deep.equal(counting(30));
});

test('an idle line starts a new write at once (no credit for time already spent idle)', async () => {
  const { sink, chunks, clock } = paced({ baudRate: 1000 });
  sink.write(counting(1));
  await clock.advance(500);
  sink.write(counting(1, 1));
  await clock.runUntilIdle();
  expect(chunks.map((c) => c.at)).to.deep.equal([10, 510]);
});

test('1-byte fragmentation delivers 1-byte chunks, in order, each when its byte has crossed', async () => {
  const { sink, chunks, clock, all } = paced({ baudRate: 115200, fragment: 1 });
  sink.write(counting(50));
  await clock.runUntilIdle();
  expect(chunks).to.have.length(50);
  for (const c of chunks) expect(c.bytes).to.have.length(1);
  expect(all()).to.deep.equal(counting(50));
  const byteMs = 10_000 / 115200;
  chunks.forEach((c, i) => expect(c.at).to.be.closeTo((i + 1) * byteMs, 1e-9));
});

test('fragmentation without a baud rate splits synchronously', () => {
  const { sink, chunks } = paced({ fragment: 7 });
  sink.write(counting(20));
  expect(chunks.map((c) => c.bytes.length)).to.deep.equal([7, 7, 6]);
});

test('a chooser splits deterministically for a given seed', async () => {
  const run = (seed: number) => {
    const p = paced({ fragment: randomChunks(9), seed });
    p.sink.write(counting(200));
    return { sizes: p.chunks.map((c) => c.bytes.length), all: p.all() };
  };
  const a = run(42);
  const b = run(42);
  const c = run(43);
  expect(a.sizes).to.deep.equal(b.sizes);
  expect(a.sizes).to.not.deep.equal(c.sizes);
  expect(a.all).to.deep.equal(counting(200));
  for (const n of a.sizes) expect(n).to.be.within(1, 9);
});

test('the latency timer holds bytes until it expires', async () => {
  const { sink, chunks, clock } = paced({ latencyTimerMs: FTDI_LATENCY_MS });
  sink.write(Buffer.from('abc'));
  await clock.advance(10);
  sink.write(Buffer.from('de')); // same packet: the timer started with the first byte
  await clock.advance(5.9);
  expect(chunks).to.have.length(0);
  await clock.advance(0.1);
  expect(chunks).to.have.length(1);
  expect(chunks[0]!.at).to.equal(16);
  expect(chunks[0]!.bytes.toString()).to.equal('abcde');
  sink.write(Buffer.from('f')); // empty buffer again: a new timer
  await clock.runUntilIdle();
  expect(chunks.map((c) => [c.at, c.bytes.toString()])).to.deep.equal([
    [16, 'abcde'],
    [32, 'f'],
  ]);
});

test('a full USB packet (62 bytes) goes at once, the rest waits for the timer', async () => {
  const { sink, chunks, clock, all } = paced({ latencyTimerMs: 16 });
  sink.write(counting(130));
  await clock.runUntilIdle();
  expect(chunks.map((c) => [c.at, c.bytes.length])).to.deep.equal([
    [0, 62],
    [0, 62],
    [16, 6],
  ]);
  expect(all()).to.deep.equal(counting(130));
});

test('with a baud rate, a packet fills when its 62nd byte reaches the adapter', async () => {
  const { sink, chunks, clock, all } = paced({ baudRate: 115200, latencyTimerMs: 16 });
  sink.write(counting(100));
  await clock.runUntilIdle();
  const byteMs = 10_000 / 115200;
  expect(chunks).to.have.length(2);
  expect(chunks[0]!.bytes).to.have.length(62);
  expect(chunks[0]!.at).to.be.closeTo(62 * byteMs, 1e-9);
  expect(chunks[1]!.bytes).to.have.length(38);
  // the second packet's timer started when byte 63 arrived
  expect(chunks[1]!.at).to.be.closeTo(63 * byteMs + 16, 1e-9);
  expect(all()).to.deep.equal(counting(100));
});

test('nothing is lost or reordered under line, adapter and random fragmentation together', async () => {
  const { sink, clock, all, chunks } = paced({ baudRate: 38400, latencyTimerMs: 4, fragment: randomChunks(5), seed: 7 });
  const sent: Buffer[] = [];
  for (let k = 0; k < 40; k++) {
    const b = counting(1 + ((k * 37) % 90), k * 13);
    sent.push(b);
    sink.write(b);
    if (k % 3 === 0) await clock.advance(k % 2 ? 1 : 7);
  }
  await clock.runUntilIdle();
  expect(all()).to.deep.equal(Buffer.concat(sent));
  for (let i = 1; i < chunks.length; i++) expect(chunks[i]!.at).to.be.at.least(chunks[i - 1]!.at);
  expect(sink.stats.bytesIn).to.equal(sink.stats.bytesOut);
  expect(sink.pending).to.equal(0);
});

test('flush() delivers everything now; drained() resolves once the queue is empty', async () => {
  const { sink, chunks, clock } = paced({ baudRate: 300 });
  sink.write(counting(10));
  let drained = false;
  void sink.drained().then(() => (drained = true));
  await clock.advance(1);
  expect(drained).to.equal(false);
  sink.flush();
  await clock.advance(0);
  expect(drained).to.equal(true);
  expect(chunks).to.have.length(1);
  expect(clock.pending()).to.deep.equal([]);
});

test('close() drops what is queued and cancels the timer', async () => {
  const { sink, chunks, clock } = paced({ baudRate: 300 });
  sink.write(counting(10));
  sink.close();
  await clock.runUntilIdle();
  expect(chunks).to.have.length(0);
});

test('bad options are refused', () => {
  const clock = new VirtualClock(0);
  expect(() => new PacedSink(clock, () => undefined, { fragment: 0 })).to.throw(RangeError);
  expect(() => new PacedSink(clock, () => undefined, { baudRate: -1 })).to.throw(RangeError);
  expect(() => new PacedSink(clock, () => undefined, { latencyTimerMs: -1 })).to.throw(RangeError);
  expect(() => randomChunks(0)).to.throw(RangeError);
});
