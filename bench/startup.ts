/**
 * Benchmark 6: how long `oqs-reader start` takes to serve.
 *
 * Each run spawns `node bin/oqs-reader.js start --port 0` (the compiled product from dist/, an
 * embedded emulated reader, a fresh temp state directory) and measures the wall time from spawn to
 * the first 200 on GET /api/status: as README's `npm start` does it (no password given: the first
 * start prints a setup token), and again with OQS_ADMIN_PASSWORD set (the first start also hashes
 * the administrator's password with scrypt, about 50 ms of CPU). The baseline is spawned the same way in the same run:
 * bench/startup-bare.cjs, a bare fastify with one route. Runs alternate ours/bare so drift on the
 * machine hits both alike; median and p90 of each.
 *
 *   node -r ts-node/register bench/startup.ts [RUNS]          (default 15 runs each)
 *   OQS_STARTUP_PROFILE=1 …  also one run under --cpu-prof (reports/bench/startup.cpuprofile)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { figure, fmt, machine, OUT_DIR, round, runAsScript, type BenchResult } from './lib/report';
import { chart, COLORS } from './lib/svg';
import { WatchedProcess } from '../src/util/child-lines';
import { median, nowMs, percentile } from './lib/stats';

const ROOT = join(__dirname, '..');
const BIN = join(ROOT, 'bin', 'oqs-reader.js');
const BARE = join(__dirname, 'startup-bare.cjs');
const TARGET_MEDIAN_MS = 400;
const TARGET_RATIO = 2.5;

function status(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'GET' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** CPU time (user + system) a process has used so far, in ms; Linux's /proc, else NaN. */
export function cpuMs(pid: number | undefined): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const rest = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(rest[11]) + Number(rest[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
const CLOCK_TICKS = 100; // USER_HZ on Linux

/** A spawned process's first answer. */
interface Sample {
  /** Wall time from spawn to the first 200 on /api/status. */
  ms: number;
  /** CPU time it had used by then (10 ms resolution): what a busy machine does not inflate. */
  cpuMs: number;
}

/** Spawn → first 200 on /api/status; the process is killed afterwards. */
export async function once(args: string[], env: NodeJS.ProcessEnv): Promise<Sample> {
  const t0 = nowMs();
  const child = WatchedProcess.node(args, { cwd: ROOT, env });
  try {
    const url = `${(await child.line(/listening on (http:\/\/127\.0\.0\.1:\d+)/, 60_000, 'listening'))[1]}/api/status`;
    // It says it listens once listen() resolved; ask until the first 200 (it is normally the first).
    for (;;) {
      if ((await status(url)) === 200) return { ms: nowMs() - t0, cpuMs: cpuMs(child.proc.pid) };
      await new Promise((r) => setTimeout(r, 2));
    }
  } finally {
    await child.kill('SIGKILL');
  }
}

export async function runStartupBench(runs: number): Promise<BenchResult> {
  const started = nowMs();
  const startedAt = new Date().toISOString();
  // What bin runs must be current; the build is not part of any figure.
  const env = { ...process.env };
  delete env.NODE_V8_COVERAGE;
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.cjs')], { cwd: ROOT, env, encoding: 'utf8' });
  if (build.status !== 0) process.stderr.write(`startup bench: the build reported errors; measuring the last build\n${build.stdout}`);

  const oursSamples: Sample[] = [];
  const hashingSamples: Sample[] = [];
  const bareSamples: Sample[] = [];
  const states: string[] = [];
  const oursOnce = (password?: string) => {
    const state = mkdtempSync(join(tmpdir(), 'oqs-startup-'));
    states.push(state);
    return once([BIN, 'start', '--port', '0', '--state-dir', state], { ...env, ...(password ? { OQS_ADMIN_PASSWORD: password } : {}), HTTP_LOG_LEVEL: 'warn' });
  };
  try {
    // One of each first, not counted: the disk cache is warm for both from here on.
    await oursOnce();
    await once([BARE], env);
    for (let i = 0; i < runs; i++) {
      oursSamples.push(await oursOnce());
      hashingSamples.push(await oursOnce('bench-password-1'));
      bareSamples.push(await once([BARE], env));
      process.stderr.write('.');
    }
    process.stderr.write('\n');
    if (process.env.OQS_STARTUP_PROFILE) {
      const state = mkdtempSync(join(tmpdir(), 'oqs-startup-'));
      states.push(state);
      await once(['--cpu-prof', `--cpu-prof-dir=${OUT_DIR}`, '--cpu-prof-name=startup.cpuprofile', BIN, 'start', '--port', '0', '--state-dir', state], {
        ...env,
        OQS_ADMIN_PASSWORD: 'bench-password-1',
      });
    }
  } finally {
    for (const s of states) rmSync(s, { recursive: true, force: true });
  }

  const ours = oursSamples.map((x) => x.ms);
  const bare = bareSamples.map((x) => x.ms);
  const oursCpu = median(oursSamples.map((x) => x.cpuMs));
  const bareCpu = median(bareSamples.map((x) => x.cpuMs));
  const m = machine();
  const oursMedian = round(median(ours), 1);
  const bareMedian = round(median(bare), 1);
  return {
    bench: 'startup',
    title: 'Startup: spawn to the first 200 on /api/status',
    method: `${runs} runs each, alternating: node bin/oqs-reader.js start --port 0 (compiled dist/, embedded emulated reader, fresh temp state dir) as README's npm start runs it (no password given), the same with OQS_ADMIN_PASSWORD set (the first start hashes it), and bench/startup-bare.cjs (bare fastify, one route), each from spawn to the first 200 on GET /api/status; one uncounted warm-up run each; median and p90.`,
    machine: m,
    startedAt,
    wallMs: Math.round(nowMs() - started),
    figures: [
      figure({
        id: 'start.median',
        label: 'oqs-reader start, median',
        value: oursMedian,
        unit: 'ms',
        baseline: { label: 'bare fastify + one route, median', value: bareMedian, unit: 'ms' },
        ratioMeaning: '× the bare fastify start (lower is better)',
        target: { op: '<=', value: TARGET_MEDIAN_MS, text: `median ≤ ${TARGET_MEDIAN_MS} ms` },
        detail: { runs },
      }),
      figure({
        id: 'start.hashing.median',
        label: 'oqs-reader start with OQS_ADMIN_PASSWORD (hashes the administrator), median',
        value: round(median(hashingSamples.map((x) => x.ms)), 1),
        unit: 'ms',
        baseline: { label: 'bare fastify + one route, median', value: bareMedian, unit: 'ms' },
        ratioMeaning: '× the bare fastify start (lower is better)',
      }),
      figure({
        id: 'start.p90',
        label: 'oqs-reader start, p90',
        value: round(percentile(ours, 90), 1),
        unit: 'ms',
        baseline: { label: 'bare fastify + one route, p90', value: round(percentile(bare, 90), 1), unit: 'ms' },
      }),
      figure({
        id: 'start.ratio',
        label: 'median ÷ bare fastify median',
        value: round(oursMedian / bareMedian, 2),
        unit: '×',
        target: { op: '<=', value: TARGET_RATIO, text: `≤ ${TARGET_RATIO}×` },
      }),
      figure({
        id: 'start.cpu',
        label: 'CPU time used by the first 200, median',
        value: round(oursCpu, 0),
        unit: 'ms',
        baseline: { label: 'bare fastify + one route, CPU median', value: round(bareCpu, 0), unit: 'ms' },
        ratioMeaning: '× the bare fastify CPU time (lower is better; a busy machine does not inflate it)',
      }),
    ],
    notes: [
      `1-minute load average at the start: ${m.loadAvg1} on ${m.cores} cores${m.loadAvg1 > m.cores * 0.75 ? ' (busy machine: figures come out high and noisy)' : ''}.`,
      'Both processes are plain node on JavaScript (no ts-node); the product runs what `npm run build` compiled.',
    ],
    data: {
      ours: ours.map((x) => round(x, 1)),
      bare: bare.map((x) => round(x, 1)),
      oursCpu: oursSamples.map((x) => x.cpuMs),
      bareCpu: bareSamples.map((x) => x.cpuMs),
      minRatio: round(Math.min(...ours) / Math.min(...bare), 2),
    },
  };
}

/** The chart for reports/bench/startup.svg (bench/run.ts draws it from the JSON). */
export function startupChart(r: BenchResult): string {
  const get = (id: string) => r.figures.find((f) => f.id === id)!;
  const med = get('start.median');
  const p90 = get('start.p90');
  const ratio = get('start.ratio');
  return chart({
    title: 'Startup: spawn to the first 200 on GET /api/status (lower is better)',
    subtitle: `${r.machine.cpuModel}, ${r.machine.cores} cores, node ${r.machine.node}, load ${r.machine.loadAvg1}, commit ${r.machine.commit}`,
    panels: [
      {
        title: 'ms',
        yLabel: 'ms',
        groups: [
          {
            label: 'median',
            bars: [
              { label: 'bare fastify', value: med.baseline!.value, color: COLORS.baseline },
              { label: 'oqs-reader start', value: med.value, color: COLORS.ours, note: `×${fmt(ratio.value)}` },
            ],
            target: { value: TARGET_MEDIAN_MS, op: '<=', label: `≤ ${TARGET_MEDIAN_MS} ms` },
          },
          {
            label: 'p90',
            bars: [
              { label: 'bare fastify', value: p90.baseline!.value, color: COLORS.baseline },
              { label: 'oqs-reader start', value: p90.value, color: COLORS.ours },
            ],
          },
        ],
      },
    ],
    legend: [
      { label: 'bare fastify + one route (bench/startup-bare.cjs)', color: COLORS.baseline },
      { label: 'node bin/oqs-reader.js start', color: COLORS.ours },
    ],
    footnote: [med, ratio].filter((f) => f.met === false).length
      ? `MISSED: ${[med, ratio]
          .filter((f) => f.met === false)
          .map((f) => f.target!.text)
          .join('; ')}`
      : 'All targets met.',
  });
}

runAsScript(module, () => runStartupBench(Number(process.argv[2] ?? 15)));
