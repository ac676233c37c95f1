/**
 * Benchmark 1: frame decoder throughput.
 *
 * The same bytes, cut into 1-byte, 64-byte and 1 KiB chunks, through
 *   - FrameDecoder.push()            what ReaderLink and LinkDevice do with every 'data' chunk
 *   - FrameDecoder in a Transform    the decoder behind the same stream machinery as the parsers
 *   - @serialport/parser-delimiter   the same frames with the SOF dropped and a 0x0A after each
 *                                    (same total bytes, same frame count)
 *   - @serialport/parser-packet-length  our exact bytes: start 0xA5, length = low byte at offset 2
 *                                    (fits frames under 256 bytes), 7 bytes of overhead; no CRC
 * Reps are interleaved across implementations (so drift hits all alike); the median is reported.
 */
import { prng } from '../src/util/prng';
import { Transform, type TransformCallback } from 'node:stream';
import { DelimiterParser } from '@serialport/parser-delimiter';
import { PacketLengthParser } from '@serialport/parser-packet-length';
import { SOF, encodeEvent, encodeFrame, EVENTS, type Frame } from '../src/protocol';
import type * as DecoderModule from '../src/protocol/decoder';
import { figure, machine, round, sig, runAsScript, type BenchResult, type Figure } from './lib/report';
import { median, nowMs, spreadPct, tick } from './lib/stats';

// OQS_BENCH_DECODER=/path/to/decoder.ts measures a candidate decoder (a fix being tried) in place
// of src/protocol/decoder.ts, in the same harness.
const DECODER_MODULE = process.env.OQS_BENCH_DECODER;
const { FrameDecoder } = (DECODER_MODULE ? require(DECODER_MODULE) : require('../src/protocol/decoder')) as typeof DecoderModule;

export const LINE_RATE_BPS = 11_520; // 115200 baud, 8N1: 10 bits per byte
const CHUNK_SIZES = [1, 64, 1024] as const;
const DELIM = 0x0a;
const STREAM_BYTES = 128 * 1024;
const REPS = 7;
const WARMUP_REPS = 2;
const REP_TARGET_MS = 100;

/** Frames may be used for the delimiter stream only if the delimiter byte occurs nowhere after the SOF. */
const delimiterSafe = (f: Buffer) => f.indexOf(DELIM, 1) < 0;

/**
 * The headline stream: reader→host frames of 20–60 bytes. Event type codes, payloads of 13–53
 * bytes (identityConfirmed is 30 bytes on the wire, hello responses 40–60).
 */
function frames20to60(total: number): Buffer[] {
  const rnd = prng(20_60);
  const types = Object.values(EVENTS).map((e) => e.type);
  const out: Buffer[] = [];
  let bytes = 0;
  let seq = 0;
  while (bytes < total) {
    const len = 13 + Math.floor(rnd() * 41);
    const payload = Buffer.alloc(len);
    for (let i = 0; i < len; i++) payload[i] = Math.floor(rnd() * 256);
    const f = encodeFrame({ seq: seq++ & 0xff, type: types[Math.floor(rnd() * types.length)]!, payload });
    if (!delimiterSafe(f)) continue;
    out.push(f);
    bytes += f.length;
  }
  return out;
}

/**
 * The production stream: what a reader sends during back-to-back face confirmations, every
 * frame made with encodeEvent (8–30 bytes, mean about 14).
 */
function visitFrames(total: number): Buffer[] {
  const rnd = prng(1795480200);
  const out: Buffer[] = [];
  let bytes = 0;
  let seq = 0;
  let txId = 1795480200;
  const push = (f: Buffer) => {
    if (!delimiterSafe(f)) return;
    out.push(f);
    bytes += f.length;
  };
  while (bytes < total) {
    txId++;
    const cardId = Array.from({ length: 16 }, () =>
      Math.floor(rnd() * 256)
        .toString(16)
        .padStart(2, '0'),
    ).join('');
    const s = () => seq++ & 0xff;
    push(encodeEvent('cardPlaced', s(), { txId, cardKind: 1 }));
    push(encodeEvent('screenShown', s(), { screen: 2 }));
    push(encodeEvent('methodChosen', s(), { txId, method: 1 }));
    push(encodeEvent('screenShown', s(), { screen: 3 }));
    push(encodeEvent('faceResult', s(), { txId, matched: 1, score: 80 + Math.floor(rnd() * 20), attempt: 1 }));
    push(encodeEvent('identityConfirmed', s(), { txId, method: 1, cardId, checkId: 0 }));
    push(encodeEvent('screenShown', s(), { screen: 6 }));
    push(encodeEvent('consentGiven', s(), { txId, choice: 1, items: 7 }));
    push(encodeEvent('screenShown', s(), { screen: 7 }));
    push(encodeEvent('cardRemoved', s(), { txId }));
    push(encodeEvent('screenShown', s(), { screen: 1 }));
  }
  return out;
}

/** Our frames as DelimiterParser records: SOF dropped, DELIM appended, so the same length. */
function asDelimited(frames: Buffer[]): Buffer {
  return Buffer.concat(frames.map((f) => Buffer.concat([f.subarray(1), Buffer.from([DELIM])])));
}

function chunk(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, Math.min(buf.length, i + size)));
  return out;
}

/** FrameDecoder behind a Transform, emitting each frame's payload like the parsers do. */
class FrameDecoderStream extends Transform {
  private readonly decoder = new FrameDecoder((f: Frame) => this.push(f.payload));
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.decoder.push(chunk);
    cb();
  }
}

interface Impl {
  name: string;
  /** Feeds every chunk once; resolves when every frame has come out; returns the frame count. */
  pass(chunks: Buffer[]): Promise<number>;
}

function directDecoder(): Impl {
  let frames = 0;
  const decoder = new FrameDecoder(() => frames++);
  return {
    name: 'FrameDecoder.push',
    async pass(chunks) {
      frames = 0;
      for (let i = 0; i < chunks.length; i++) decoder.push(chunks[i]!);
      return frames;
    },
  };
}

function streamImpl(name: string, make: () => Transform): Impl {
  let frames = 0;
  const s = make();
  s.on('data', () => frames++);
  return {
    name,
    async pass(chunks) {
      frames = 0;
      for (let i = 0; i < chunks.length; i++) s.write(chunks[i]!);
      // Writes complete synchronously, but 'data' may be deferred a tick; wait until all is out.
      await tick();
      return frames;
    },
  };
}

interface Cell {
  stream: string;
  chunk: number;
  impl: string;
  mbps: number[];
  framesPerPass: number;
  expectedFrames: number;
  passes: number;
}

async function measureChunkSize(streamName: string, frames: Buffer[], size: number): Promise<Cell[]> {
  const framed = Buffer.concat(frames);
  const delimited = asDelimited(frames);
  const ours = chunk(framed, size);
  const theirs = chunk(delimited, size);
  const impls: Array<{ impl: Impl; chunks: Buffer[] }> = [
    { impl: directDecoder(), chunks: ours },
    { impl: streamImpl('FrameDecoder (Transform)', () => new FrameDecoderStream()), chunks: ours },
    { impl: streamImpl('parser-delimiter', () => new DelimiterParser({ delimiter: [DELIM] })), chunks: theirs },
    {
      impl: streamImpl(
        'parser-packet-length',
        () => new PacketLengthParser({ delimiter: SOF, lengthOffset: 2, lengthBytes: 1, packetOverhead: 7, maxLen: 0xff }),
      ),
      chunks: ours,
    },
  ];
  const cells: Cell[] = [];
  // Calibrate: passes per rep so that one rep takes about REP_TARGET_MS.
  for (const { impl, chunks } of impls) {
    const t0 = nowMs();
    const got = await impl.pass(chunks);
    const ms = nowMs() - t0;
    cells.push({
      stream: streamName,
      chunk: size,
      impl: impl.name,
      mbps: [],
      framesPerPass: got,
      expectedFrames: frames.length,
      passes: Math.max(1, Math.round(REP_TARGET_MS / Math.max(ms, 0.05))),
    });
  }
  for (let rep = 0; rep < WARMUP_REPS + REPS; rep++) {
    for (let k = 0; k < impls.length; k++) {
      const { impl, chunks } = impls[k]!;
      const cell = cells[k]!;
      const t0 = nowMs();
      for (let p = 0; p < cell.passes; p++) await impl.pass(chunks);
      const ms = nowMs() - t0;
      if (rep >= WARMUP_REPS) cell.mbps.push((framed.length * cell.passes) / (ms * 1000));
    }
  }
  return cells;
}

export async function runDecoderBench(): Promise<BenchResult> {
  const started = nowMs();
  const startedAt = new Date().toISOString();
  const streams = [
    { name: 'frames 20–60 B', id: 'f20to60', frames: frames20to60(STREAM_BYTES) },
    { name: 'visit events 8–30 B', id: 'visit', frames: visitFrames(STREAM_BYTES) },
  ];
  const cells: Cell[] = [];
  for (const s of streams) {
    for (const size of CHUNK_SIZES) {
      cells.push(...(await measureChunkSize(s.name, s.frames, size)));
      process.stderr.write('.');
    }
  }
  process.stderr.write('\n');
  const med = (stream: string, chunk: number, impl: string) => {
    const c = cells.find((x) => x.stream === stream && x.chunk === chunk && x.impl === impl)!;
    return median(c.mbps);
  };
  const figures: Figure[] = [];
  for (const s of streams) {
    for (const size of CHUNK_SIZES) {
      const label = size === 1 ? '1 B' : size === 64 ? '64 B' : '1 KiB';
      const delim = med(s.name, size, 'parser-delimiter');
      for (const impl of ['FrameDecoder.push', 'FrameDecoder (Transform)', 'parser-packet-length'] as const) {
        const v = med(s.name, size, impl);
        // Targets judge the decoder as the product uses it: ReaderLink and LinkDevice call push()
        // for every 'data' chunk. The Transform is the like-for-like stream comparison, no target.
        const target =
          impl !== 'FrameDecoder.push'
            ? undefined
            : size === 1024
              ? { op: '>=' as const, value: Math.max(100, delim), text: `≥ 100 MB/s and ≥ parser-delimiter (${sig(delim)} MB/s)` }
              : size === 1
                ? { op: '>=' as const, value: 10, text: '≥ 10 MB/s' }
                : undefined;
        const cell = cells.find((x) => x.stream === s.name && x.chunk === size && x.impl === impl)!;
        figures.push(
          figure({
            id: `${s.id}.${impl === 'FrameDecoder.push' ? 'push' : impl === 'FrameDecoder (Transform)' ? 'stream' : 'packetLength'}.${size}`,
            label: `${impl}, ${s.name}, ${label} chunks`,
            value: sig(v),
            unit: 'MB/s',
            baseline: { label: `parser-delimiter, same bytes, ${label} chunks`, value: sig(delim), unit: 'MB/s' },
            ratioMeaning: '× parser-delimiter (higher is faster)',
            target,
            detail: {
              lineRateMultiple: Math.round((v * 1e6) / LINE_RATE_BPS),
              framesPerSecond: sig((v * 1e6 * cell.expectedFrames) / Buffer.concat(s.frames).length),
              spreadPct: round(spreadPct(cell.mbps), 1),
              framesOk: cell.framesPerPass === cell.expectedFrames,
            },
          }),
        );
      }
    }
  }
  const notes: string[] = [];
  for (const c of cells) {
    if (c.framesPerPass !== c.expectedFrames)
      notes.push(`INVALID: ${c.impl} on ${c.stream}, ${c.chunk} B chunks gave ${c.framesPerPass} frames, expected ${c.expectedFrames}`);
  }
  const s0 = streams.map((s) => {
    const total = Buffer.concat(s.frames).length;
    return `${s.name}: ${s.frames.length} frames, ${total} bytes, mean ${round(total / s.frames.length, 1)} B/frame`;
  });
  notes.push(...s0);
  if (DECODER_MODULE) notes.push(`CANDIDATE: FrameDecoder from ${DECODER_MODULE}, not src/protocol/decoder.ts`);
  notes.push(`MB = 10^6 bytes. Line rate: 115200 baud 8N1 = ${LINE_RATE_BPS} B/s; detail.lineRateMultiple is MB/s ÷ that.`);
  return {
    bench: DECODER_MODULE ? 'decoder-candidate' : 'decoder',
    title: 'Frame decoder throughput',
    method: `Each implementation decodes the same ${STREAM_BYTES / 1024} KiB of frames (delimited records of the same length for parser-delimiter), pre-cut into chunks, pass after pass for ~${REP_TARGET_MS} ms per rep; ${WARMUP_REPS} warm-up reps, then the median of ${REPS}, reps interleaved across implementations.`,
    machine: machine(),
    startedAt,
    wallMs: Math.round(nowMs() - started),
    figures,
    notes,
    data: { cells: cells.map((c) => ({ ...c, mbps: c.mbps.map((x) => sig(x, 4)), median: sig(median(c.mbps), 4) })), lineRateBps: LINE_RATE_BPS },
  };
}

runAsScript(module, runDecoderBench);
