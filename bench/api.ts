/**
 * Benchmark 5: the status API under load.
 *
 * This process is the server: buildServer() as the product builds it (an emulated reader on
 * EmulatorBinding, a Terminal on RealClock(1), no logger, no static files), and in the same
 * process, on another port, the ceiling: a bare fastify with one route returning a small JSON.
 * The load comes from bench/api-load.ts (autocannon) in a child process, so client and server
 * do not share an event loop; on 2 cores each gets about one.
 * Runs alternate ceiling/ours so drift on the machine hits both alike.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { assemble, embeddedReaders } from '../src/assembly';
import { AccountDirectory } from '../src/reader/accounts';
import { MemoryStore } from '../src/reader/store';
import { RealClock } from '../src/time/clock';
import { figure, machine, round, sig, runAsScript, type BenchResult, type Figure } from './lib/report';
import { median, nowMs } from './lib/stats';

const CONNECTIONS = 10;
const WARMUP_S = 2;
const RUN_S = 5;
const ROUNDS = 2;

interface Load {
  url: string;
  requestsPerSecond: number;
  requestsTotal: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  throughputBytesPerSecond: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

function load(url: string, seconds: number): Promise<Load> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register', join(__dirname, 'api-load.ts'), url, String(seconds), String(CONNECTIONS)], {
      cwd: join(__dirname, '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`api-load exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as Load);
      } catch (e) {
        reject(e);
      }
    });
  });
}

async function ourServer(): Promise<{ app: FastifyInstance; close: () => Promise<void>; body: string }> {
  const clock = new RealClock(1);
  const embedded = embeddedReaders(clock, 1);
  const assembly = assemble({ clock, store: new MemoryStore(), readers: embedded.ports, api: { accounts: new AccountDirectory(), publicDir: false } });
  await assembly.firstAttempts;
  const app = assembly.app!;
  await app.listen({ host: '127.0.0.1', port: 0 });
  const res = await app.inject({ method: 'GET', url: '/api/status' });
  return {
    app,
    body: res.body,
    close: () => assembly.close(),
  };
}

async function bareServer(): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.get('/api/status', async () => ({ ok: true, mode: 'unattended' }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  return app;
}

const urlOf = (app: FastifyInstance) => {
  const a = app.server.address();
  if (!a || typeof a === 'string') throw new Error('not listening on TCP');
  return `http://127.0.0.1:${a.port}/api/status`;
};

export async function runApiBench(): Promise<BenchResult> {
  const started = nowMs();
  const startedAt = new Date().toISOString();
  const ours = await ourServer();
  const bare = await bareServer();
  const oursUrl = urlOf(ours.app);
  const bareUrl = urlOf(bare);
  const bareBody = (await bare.inject({ method: 'GET', url: '/api/status' })).body;

  await load(bareUrl, WARMUP_S);
  await load(oursUrl, WARMUP_S);
  const runs: { bare: Load[]; ours: Load[] } = { bare: [], ours: [] };
  for (let i = 0; i < ROUNDS; i++) {
    runs.bare.push(await load(bareUrl, RUN_S));
    process.stderr.write('.');
    runs.ours.push(await load(oursUrl, RUN_S));
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  await bare.close();
  await ours.close();

  const rps = (xs: Load[]) => Math.round(median(xs.map((x) => x.requestsPerSecond)));
  const p99 = (xs: Load[]) => median(xs.map((x) => x.latencyMs.p99));
  const p50 = (xs: Load[]) => median(xs.map((x) => x.latencyMs.p50));
  const failures = (xs: Load[]) => xs.reduce((a, x) => a + x.non2xx + x.errors + x.timeouts, 0);
  /** Our route against the bare fastify route, by the same statistic. */
  const vsBare = (id: string, label: string, stat: (xs: Load[]) => number, unit: string, bareLabel: string) => ({
    id,
    label,
    value: stat(runs.ours),
    unit,
    baseline: { label: bareLabel, value: stat(runs.bare), unit },
  });
  const figures: Figure[] = [
    figure({
      ...vsBare('status.rps', 'GET /api/status requests per second', rps, 'req/s', 'bare fastify route, small JSON'),
      ratioMeaning: '× the bare fastify ceiling (higher is better, 1 is the ceiling)',
      target: { op: '>=', value: 10_000, text: '≥ 10,000 req/s' },
      detail: { failures: failures(runs.ours), bodyBytes: Buffer.byteLength(ours.body) },
    }),
    figure({
      ...vsBare('status.p99', 'GET /api/status latency p99', p99, 'ms', 'bare fastify route, p99'),
      ratioMeaning: '× the bare fastify p99 (lower is better)',
      target: { op: '<=', value: 10, text: 'p99 ≤ 10 ms' },
      // autocannon keeps latencies in whole milliseconds; the mean from Little's law
      // (connections ÷ throughput) shows what lies under that resolution.
      detail: {
        p50: p50(runs.ours),
        bareP50: p50(runs.bare),
        meanMsLittle: round((CONNECTIONS / rps(runs.ours)) * 1000, 3),
        bareMeanMsLittle: round((CONNECTIONS / rps(runs.bare)) * 1000, 3),
        resolutionMs: 1,
      },
    }),
  ];
  return {
    bench: 'api',
    title: 'Status API under load',
    method: `autocannon (in its own process) against 127.0.0.1, ${CONNECTIONS} connections, no pipelining; ${WARMUP_S} s warm-up each, then ${ROUNDS} rounds of ${RUN_S} s alternating the bare fastify ceiling and GET /api/status; median of the rounds.`,
    machine: machine(),
    startedAt,
    wallMs: Math.round(nowMs() - started),
    figures,
    notes: [
      `Server process: buildServer() with an emulated reader (EmulatorBinding, Terminal on RealClock(1)), publicDir false, no logger; the bare fastify ceiling listens in the same process on another port. Load generator: a separate node process (bench/api-load.ts).`,
      `Response bodies: /api/status ${Buffer.byteLength(ours.body)} B, bare ${Buffer.byteLength(bareBody)} B.`,
      "autocannon records latency in whole milliseconds: a p99 of 0 means under 1 ms. detail.meanMsLittle is the mean latency from Little's law (connections ÷ requests per second).",
      `Failures (non-2xx, errors, timeouts): ours ${failures(runs.ours)}, bare ${failures(runs.bare)}.`,
    ],
    data: {
      runs,
      connections: CONNECTIONS,
      seconds: RUN_S,
      statusBody: JSON.parse(ours.body) as unknown,
      p99: { ours: round(p99(runs.ours), 2), bare: round(p99(runs.bare), 2) },
      rpsSig: sig(rps(runs.ours)),
    },
  };
}

runAsScript(module, runApiBench);
