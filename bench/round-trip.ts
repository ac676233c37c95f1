/**
 * Benchmark 2: command round trip controller → emulator → controller (getStatus).
 *
 *   in-process  ReaderClient.open over EmulatorBinding + EmulatedReader, RealClock(1)
 *   pty         ReaderClient.open over the native binding (autoDetect) on the slave of
 *               `oqs-reader emulate --readers 1` running in its own process
 * Baselines, measured in this same process:
 *   in-process  a bare SerialPortStream over MockBinding with echo on, 17 bytes out and back
 *               (the getStatus response is 17 bytes; the request is 7)
 *   pty         the transport alone: the same python pty bridge with a node process behind it
 *               that answers every 7 bytes with 17 (no decoder, no emulator, no clock)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { autoDetect } from '@serialport/bindings-cpp';
import { MockBinding } from '@serialport/binding-mock';
import type { BindingInterface } from '@serialport/bindings-interface';
import { SerialPortStream } from '@serialport/stream';
import { encodeCommand, encodeResponse } from '../src/protocol';
import { assemble, embeddedReaders } from '../src/assembly';
import { MemoryStore } from '../src/reader/store';
import { RealClock } from '../src/time/clock';
import { WatchedProcess } from '../src/util/child-lines';
import { figure, machine, round, sig, runAsScript, type BenchResult, type Figure } from './lib/report';
import { median, nowMs, percentileSorted, sorted } from './lib/stats';

const ROOT = join(__dirname, '..');
/** The round trip every link benchmark times: a getStatus and its answer. */
export const REQUEST = encodeCommand('getStatus', 0, {});
export const RESPONSE = encodeResponse('getStatus', 0, 0, 'ok', { mode: 1, state: 0, cardPresent: 0, screen: 1, txId: 1 });
/** Line time of request + response at 115200 baud 8N1, in ms. */
export const LINE_TIME_MS = ((REQUEST.length + RESPONSE.length) * 10 * 1000) / 115200;

const IN_PROCESS = { warmup: 2000, samples: 10_000 };
const PTY = { warmup: 300, samples: 3000 };

export interface Summary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  /** Round trips per second when run back to back. */
  perSecond: number;
}

/** The median of two runs' p50 and p99 (a benchmark that measures twice, alternating). */
export const both = (a: Summary, b: Summary): Pick<Summary, 'p50' | 'p99'> => ({ p50: median([a.p50, b.p50]), p99: median([a.p99, b.p99]) });

/** Times `n` sequential round trips after `warmup` untimed ones; microseconds. */
export async function timeLoop(warmup: number, n: number, once: () => Promise<unknown>): Promise<{ summary: Summary; samples: number[] }> {
  for (let i = 0; i < warmup; i++) await once();
  const us: number[] = new Array(n);
  const t0 = nowMs();
  for (let i = 0; i < n; i++) {
    const a = process.hrtime.bigint();
    await once();
    us[i] = Number(process.hrtime.bigint() - a) / 1000;
  }
  const wall = nowMs() - t0;
  const s = sorted(us);
  return {
    summary: {
      n,
      p50: sig(percentileSorted(s, 50)),
      p90: sig(percentileSorted(s, 90)),
      p99: sig(percentileSorted(s, 99)),
      max: sig(s[s.length - 1]!),
      mean: sig(us.reduce((a, b) => a + b, 0) / n),
      perSecond: Math.round((n / wall) * 1000),
    },
    samples: us,
  };
}

function openStream(binding: BindingInterface, path: string): Promise<SerialPortStream> {
  const port = new SerialPortStream({ binding, path, baudRate: 115200, autoOpen: false });
  return new Promise((resolve, reject) => port.open((err) => (err ? reject(err) : resolve(port))));
}

/** What a raw round trip needs of a stream: a serial port, a socket. */
interface ByteStream {
  on(event: 'data', fn: (chunk: Buffer) => void): unknown;
  write(out: Buffer, cb: (err?: Error | null) => void): unknown;
}

/** A round trip on a raw stream: write `out`, resolve once `expect` bytes have come back. */
export function rawRoundTrip(port: ByteStream, out: Buffer, expect: number): () => Promise<void> {
  let want = 0;
  let got = 0;
  let done: (() => void) | null = null;
  port.on('data', (chunk: Buffer) => {
    got += chunk.length;
    if (done && got >= want) {
      const d = done;
      done = null;
      d();
    }
  });
  return () =>
    new Promise<void>((resolve, reject) => {
      want += expect;
      done = resolve;
      port.write(out, (err) => err && reject(err));
    });
}

async function echoBaseline(): Promise<Summary> {
  const path = '/dev/ttyBENCHECHO';
  MockBinding.createPort(path, { echo: true, record: false });
  const port = await openStream(MockBinding, path);
  const once = rawRoundTrip(port, Buffer.from(RESPONSE), RESPONSE.length);
  const { summary } = await timeLoop(IN_PROCESS.warmup, IN_PROCESS.samples, once);
  await new Promise<void>((r) => port.close(() => r()));
  MockBinding.reset();
  return summary;
}

async function inProcess(): Promise<{ summary: Summary; samples: number[] }> {
  const clock = new RealClock(1);
  const embedded = embeddedReaders(clock, 1);
  const a = assemble({ clock, store: new MemoryStore(), readers: embedded.ports });
  await a.firstAttempts;
  const client = a.terminal.client(0)!;
  const r = await timeLoop(IN_PROCESS.warmup, IN_PROCESS.samples, () => client.getStatus());
  await a.close();
  return r;
}

/** The pty transport floor: the bridge plus a node process that answers 7 bytes with 17. */
const PTY_ECHO_CHILD = `
const { spawn } = require('node:child_process');
const bridge = spawn(process.env.PYTHON || 'python3', [process.argv[1]], { stdio: ['pipe', 'pipe', 'pipe'] });
const reply = Buffer.from(process.argv[2], 'hex');
const reqLen = Number(process.argv[3]);
let pending = 0;
bridge.stdout.on('data', (b) => {
  pending += b.length;
  while (pending >= reqLen) { pending -= reqLen; bridge.stdin.write(reply); }
});
let first = true;
bridge.stderr.on('data', (b) => {
  if (!first) return;
  first = false;
  process.stdout.write('PTY-ECHO-READY ' + b.toString().split('\\n')[0].trim() + '\\n');
});
const end = () => { bridge.stdin.end(); bridge.kill('SIGTERM'); setTimeout(() => process.exit(0), 200); };
process.on('SIGTERM', end);
process.on('SIGINT', end);
`;

async function ptyFloor(): Promise<Summary> {
  const child = WatchedProcess.node(['-e', PTY_ECHO_CHILD, join(ROOT, 'simulator', 'pty', 'pty_bridge.py'), RESPONSE.toString('hex'), String(REQUEST.length)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const path = (await child.line(/^PTY-ECHO-READY (.*)$/, 15_000))[1]!;
    const port = await openStream(autoDetect(), path);
    const once = rawRoundTrip(port, Buffer.from(REQUEST), RESPONSE.length);
    const { summary } = await timeLoop(PTY.warmup, PTY.samples, once);
    await new Promise<void>((r) => port.close(() => r()));
    return summary;
  } finally {
    await child.stop();
  }
}

async function overPty(): Promise<{ summary: Summary; samples: number[]; startupMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'oqs-bench-pty-'));
  const t0 = nowMs();
  const child = WatchedProcess.node(
    [join(ROOT, 'bin', 'oqs-reader.js'), 'emulate', '--readers', '1', '--link-dir', dir, '--control', `unix:${join(dir, 'c.sock')}`],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    const ready = JSON.parse((await child.line(/^OQS-EMULATOR-READY (.*)$/, 30_000))[1]!) as { readers: string[] };
    const startupMs = nowMs() - t0;
    const clock = new RealClock(1);
    const a = assemble({ clock, store: new MemoryStore(), readers: [{ path: ready.readers[0]!, binding: autoDetect() }] });
    await a.firstAttempts;
    const client = a.terminal.client(0)!;
    const r = await timeLoop(PTY.warmup, PTY.samples, () => client.getStatus());
    await a.close();
    return { ...r, startupMs };
  } finally {
    await child.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function histogram(samples: number[], edges: number[]): number[] {
  const counts = new Array(edges.length + 1).fill(0) as number[];
  for (const x of samples) {
    let k = 0;
    while (k < edges.length && x > edges[k]!) k++;
    counts[k]!++;
  }
  return counts;
}

export async function runRoundTripBench(): Promise<BenchResult> {
  const started = nowMs();
  const startedAt = new Date().toISOString();
  // Interleave: baseline, subject, baseline again, so drift during the run shows.
  const echo1 = await echoBaseline();
  const inproc = await inProcess();
  const echo2 = await echoBaseline();
  process.stderr.write('.');
  const floor1 = await ptyFloor();
  const pty = await overPty();
  const floor2 = await ptyFloor();
  process.stderr.write('.\n');
  const echo = { ...echo1, ...both(echo1, echo2) };
  const floor = { ...floor1, ...both(floor1, floor2) };
  const ptyTargetUs = (LINE_TIME_MS + 2) * 1000;
  const figures: Figure[] = [
    figure({
      id: 'inProcess.p50',
      label: 'in-process getStatus round trip p50',
      value: inproc.summary.p50,
      unit: 'µs',
      baseline: { label: 'SerialPortStream + MockBinding echo of 17 B, p50', value: echo.p50, unit: 'µs' },
      ratioMeaning: '× the bare mock echo (lower is better)',
    }),
    figure({
      id: 'inProcess.p99',
      label: 'in-process getStatus round trip p99',
      value: inproc.summary.p99,
      unit: 'µs',
      baseline: { label: 'SerialPortStream + MockBinding echo of 17 B, p99', value: echo.p99, unit: 'µs' },
      ratioMeaning: '× the bare mock echo (lower is better)',
      target: { op: '<=', value: 1000, text: 'p99 ≤ 1 ms' },
    }),
    figure({
      id: 'pty.p50',
      label: 'pty getStatus round trip p50 (emulator in its own process)',
      value: pty.summary.p50,
      unit: 'µs',
      baseline: { label: 'pty bridge + node replying 17 B to 7 B, p50', value: floor.p50, unit: 'µs' },
      ratioMeaning: '× the bare pty transport (lower is better)',
    }),
    figure({
      id: 'pty.p99',
      label: 'pty getStatus round trip p99 (emulator in its own process)',
      value: pty.summary.p99,
      unit: 'µs',
      baseline: { label: 'pty bridge + node replying 17 B to 7 B, p99', value: floor.p99, unit: 'µs' },
      ratioMeaning: '× the bare pty transport (lower is better)',
      target: { op: '<=', value: round(ptyTargetUs, 0), text: `p99 ≤ line time ${round(LINE_TIME_MS, 2)} ms + 2 ms = ${round(ptyTargetUs / 1000, 2)} ms` },
      detail: { emulatorStartupMs: Math.round(pty.startupMs) },
    }),
  ];
  const edges = [25, 50, 100, 200, 400, 800, 1600, 3200];
  return {
    bench: 'round-trip',
    title: 'Command round trip (getStatus)',
    method: `Sequential getStatus requests through ReaderClient; ${IN_PROCESS.warmup} warm-up then ${IN_PROCESS.samples} timed in-process, ${PTY.warmup} then ${PTY.samples} over the pty; the baselines move the same bytes with nothing of ours in the path.`,
    machine: machine(),
    startedAt,
    wallMs: Math.round(nowMs() - started),
    figures,
    notes: [
      `getStatus: request ${REQUEST.length} B, response ${RESPONSE.length} B; line time at 115200 baud 8N1 ${round(LINE_TIME_MS, 3)} ms.`,
      'The pty is not paced: its figure is the software path (serialport native binding, tty, python bridge, the emulator process), not the line time.',
      `Emulator process start-up to OQS-EMULATOR-READY: ${Math.round(pty.startupMs)} ms (not in the round trips).`,
      'Each baseline ran before and after its subject; its p50/p99 are the mean of the two runs.',
      'The pty baseline is a floor only in the work done: a process that sleeps in epoll between requests can take longer to wake than the emulator, so on a virtual machine it may come out slower than the full path.',
    ],
    data: {
      echo: { before: echo1, after: echo2 },
      inProcess: inproc.summary,
      ptyFloor: { before: floor1, after: floor2 },
      pty: pty.summary,
      lineTimeMs: LINE_TIME_MS,
      histogramEdgesUs: edges,
      inProcessHistogram: histogram(inproc.samples, edges),
      ptyHistogram: histogram(pty.samples, edges),
    },
  };
}

runAsScript(module, runRoundTripBench);
