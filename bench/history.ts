/**
 * History benchmark (issue 15 item 7): what a terminal costs with 0, 100,000 and 1,000,000
 * confirmation records in its state directory, side by side in one run. The empty store is the
 * baseline: the targets say what history may add to it.
 *
 * Each state directory is filled before any start through the store's bulk path
 * (FileStore.saveRecords: one transaction), 1,000 records a day back from now (1,000,000 is about
 * 2.7 years, inside the default retention, so the start-up run of the retention job deletes
 * nothing). Then, per size, the compiled product (`node bin/oqs-reader.js start`, embedded emulated
 * reader, as README's npm start) is spawned and measured:
 *   - start-up: spawn to the first 200 on GET /api/status (median of RUNS starts, sizes alternating);
 *   - resident memory (VmRSS) just after that first 200, and again after the API load and the export;
 *   - GET /api/records?day=today p99 and a page of 50 from the middle of history p99
 *     (REQUESTS sequential requests each, HTTP Basic, after a warm-up);
 *   - GET /api/records/export?format=ndjson of everything: records per second and MB per second.
 *
 *   node -r ts-node/register bench/history.ts [RUNS] [--sizes 0,100000,1000000]
 *
 * Linux only for memory (/proc); the rest runs anywhere. Writes reports/bench/history.json.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore, type RecordRange } from '../src/reader/store';
import { resolveRange } from '../src/server/records-range';
import type { ConfirmationRecord } from '../src/reader/records';
import { WatchedProcess } from '../src/util/child-lines';
import { historyRecord } from '../scripts/kill-history';
import { cpuMs } from './startup';
import { figure, machine, round, runAsScript, type BenchResult, type Figure } from './lib/report';
import { median, nowMs, percentile } from './lib/stats';
import { chart, COLORS, type Panel } from './lib/svg';

const ROOT = join(__dirname, '..');
const BIN = join(ROOT, 'bin', 'oqs-reader.js');
const PER_DAY = 1000;
const REQUESTS = 300;
const PASSWORD = 'history-bench-1';
const AUTH = 'Basic ' + Buffer.from(`admin:${PASSWORD}`).toString('base64');
const TARGET = { startMs: 150, rssMB: 40, p99Ms: 20 };

/** The n-th of `total` records: the kill test's synthetic history, 1,000 a day, 30 s apart, the newest an hour ago. */
function record(n: number, total: number, endMs: number): ConfirmationRecord {
  const back = total - 1 - n;
  const finished = endMs - Math.floor(back / PER_DAY) * 86_400_000 - (back % PER_DAY) * 30_000 - 3600_000;
  return { ...historyRecord(n, total, endMs), startedAt: new Date(finished - 20_000).toISOString(), finishedAt: new Date(finished).toISOString() };
}

function seed(dir: string, total: number, endMs: number): number {
  const t0 = nowMs();
  const store = new FileStore(dir);
  try {
    store.saveRecords(
      (function* () {
        for (let n = 0; n < total; n++) yield record(n, total, endMs);
      })(),
    );
  } finally {
    store.close();
  }
  return nowMs() - t0;
}

interface Reply {
  status: number;
  bytes: number;
  body: string;
}

function get(base: string, path: string, keepBody = true): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { headers: { authorization: AUTH } }, (res) => {
      let bytes = 0;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (keepBody) chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

function rssMB(pid: number | undefined): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? round(Number(kb) / 1024, 1) : NaN;
  } catch {
    return NaN;
  }
}

/** Spawns the product on `dir`; resolves at the first 200 on /api/status. */
async function start(dir: string): Promise<{ child: WatchedProcess; base: string; ms: number; cpuMs: number }> {
  const t0 = nowMs();
  const child = WatchedProcess.node([BIN, 'start', '--port', '0', '--state-dir', dir], {
    cwd: ROOT,
    env: { ...process.env, OQS_ADMIN_PASSWORD: PASSWORD, HTTP_LOG_LEVEL: 'warn' },
  });
  const base = (await child.line(/listening on (http:\/\/127\.0\.0\.1:\d+)/, 120_000, 'listening'))[1]!;
  for (;;) {
    if ((await get(base, '/api/status', false).catch(() => ({ status: 0 }))).status === 200)
      return { child, base, ms: nowMs() - t0, cpuMs: cpuMs(child.proc.pid) };
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function latencies(base: string, path: () => string): Promise<number[]> {
  for (let i = 0; i < 20; i++) await get(base, path(), false);
  const out: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const t0 = nowMs();
    const r = await get(base, path(), false);
    out.push(nowMs() - t0);
    if (r.status !== 200) throw new Error(`${path()}: ${r.status}`);
  }
  return out;
}

/** The day in Japan `days` days before `endMs`, as YYYY-MM-DD. */
const dayBack = (endMs: number, days: number) => new Date(endMs - days * 86_400_000 + 9 * 3600_000).toISOString().slice(0, 10);

/** The store's own cost for a page (in this process, no HTTP): p99 of REQUESTS pages of a random day and of today. */
function storeTimes(dir: string, size: number, endMs: number): { storeDayP99: number; storeTodayP99: number } {
  const store = new FileStore(dir);
  try {
    const days = Math.max(1, Math.floor(size / PER_DAY));
    const time = (range: () => RecordRange) =>
      percentile(
        Array.from({ length: REQUESTS }, () => {
          const t0 = nowMs();
          store.recordsPage({ ...range(), limit: 50 });
          return nowMs() - t0;
        }),
        99,
      );
    const dayRange = (d: string) => resolveRange({ from: d, to: d }, endMs);
    return {
      storeDayP99: time(() => dayRange(dayBack(endMs, 1 + Math.floor(Math.random() * days)))),
      storeTodayP99: time(() => resolveRange({ day: 'today' }, endMs)),
    };
  } finally {
    store.close();
  }
}

interface SizeResult {
  size: number;
  seedMs: number;
  startMs: number[];
  startCpuMs: number[];
  rssAfterStartMB: number[];
  /** The store alone, in this process: a page of a random day and of today (no HTTP, no other process). */
  storeDayP99: number;
  storeTodayP99: number;
  todayP50: number;
  pageP50: number;
  rssAfterLoadMB: number;
  todayCount: number;
  todayP99: number;
  pageP99: number;
  exportRecords: number;
  exportMs: number;
  exportMB: number;
}

export async function runHistoryBench(runs: number, sizes: number[]): Promise<BenchResult> {
  const started = nowMs();
  const startedAt = new Date().toISOString();
  const endMs = Date.now();
  const dirs = new Map<number, string>();
  const results = new Map<number, SizeResult>();
  try {
    for (const size of sizes) {
      const dir = mkdtempSync(join(tmpdir(), `oqs-history-${size}-`));
      dirs.set(size, dir);
      const seedMs = seed(dir, size, endMs);
      process.stderr.write(`${size}: seeded in ${(seedMs / 1000).toFixed(1)} s\n`);
      // The first start makes accounts.json (hashing the password): not counted.
      const first = await start(dir);
      await first.child.kill('SIGKILL');
      results.set(size, {
        size,
        seedMs,
        startMs: [],
        startCpuMs: [],
        rssAfterStartMB: [],
        rssAfterLoadMB: NaN,
        todayCount: 0,
        todayP99: NaN,
        todayP50: NaN,
        pageP99: NaN,
        pageP50: NaN,
        exportRecords: 0,
        exportMs: NaN,
        exportMB: 0,
        ...storeTimes(dir, size, endMs),
      });
    }
    // Starts, sizes alternating so drift on the machine hits each alike.
    for (let i = 0; i < runs; i++) {
      for (const size of sizes) {
        const s = await start(dirs.get(size)!);
        const r = results.get(size)!;
        r.startMs.push(s.ms);
        r.startCpuMs.push(s.cpuMs);
        r.rssAfterStartMB.push(rssMB(s.child.proc.pid));
        await s.child.kill('SIGKILL');
      }
      process.stderr.write('.');
    }
    process.stderr.write('\n');
    for (const size of sizes) {
      const r = results.get(size)!;
      const s = await start(dirs.get(size)!);
      try {
        r.todayCount = (JSON.parse((await get(s.base, '/api/records?day=today&limit=1000')).body) as { records: unknown[] }).records.length;
        const today = await latencies(s.base, () => '/api/records?day=today');
        [r.todayP50, r.todayP99] = [percentile(today, 50), percentile(today, 99)];
        // A page of 50 somewhere in the middle of history: a day's range a random number of days back.
        const days = Math.max(1, Math.floor(size / PER_DAY));
        const mid = () => {
          const d = dayBack(endMs, 1 + Math.floor(Math.random() * days));
          return `/api/records?from=${d}&to=${d}&limit=50`;
        };
        const page = await latencies(s.base, mid);
        [r.pageP50, r.pageP99] = [percentile(page, 50), percentile(page, 99)];
        const t0 = nowMs();
        const exp = await get(s.base, '/api/records/export?format=ndjson', false);
        r.exportMs = nowMs() - t0;
        r.exportMB = exp.bytes / 2 ** 20;
        r.exportRecords = size;
        r.rssAfterLoadMB = rssMB(s.child.proc.pid);
      } finally {
        await s.child.kill('SIGKILL');
      }
      process.stderr.write(`${size}: today p99 ${r.todayP99.toFixed(1)} ms, page p99 ${r.pageP99.toFixed(1)} ms, export ${(r.exportMs / 1000).toFixed(1)} s\n`);
    }
  } finally {
    for (const dir of dirs.values()) rmSync(dir, { recursive: true, force: true });
  }
  return report(results, sizes, runs, started, startedAt);
}

function report(results: Map<number, SizeResult>, sizes: number[], runs: number, started: number, startedAt: string): BenchResult {
  const base = results.get(sizes[0]!)!;
  const baseStart = median(base.startMs);
  const baseRss = median(base.rssAfterStartMB);
  const figures: Figure[] = [];
  const label = (n: number) => `${n.toLocaleString('en')} records`;
  for (const size of sizes) {
    const r = results.get(size)!;
    const largest = size === sizes.at(-1) && size > 0;
    const start = round(median(r.startMs), 1);
    const rss = round(median(r.rssAfterStartMB), 1);
    figures.push(
      figure({
        id: `start.${size}`,
        label: `start-up, ${label(size)} (median)`,
        value: start,
        unit: 'ms',
        baseline: { label: `empty store`, value: round(baseStart, 1), unit: 'ms' },
        ...(largest ? { target: { op: '<=', value: round(baseStart + TARGET.startMs, 1), text: `≤ empty + ${TARGET.startMs} ms` } } : {}),
        detail: { runs, samples: r.startMs.map((x) => round(x, 1)) },
      }),
      figure({
        id: `startcpu.${size}`,
        label: `CPU time to the first 200, ${label(size)} (median; a busy machine does not inflate it)`,
        value: round(median(r.startCpuMs), 0),
        unit: 'ms',
        baseline: { label: 'empty store', value: round(median(base.startCpuMs), 0), unit: 'ms' },
        ...(largest ? { target: { op: '<=', value: round(median(base.startCpuMs) + TARGET.startMs, 0), text: `≤ empty + ${TARGET.startMs} ms` } } : {}),
      }),
      figure({
        id: `rss.${size}`,
        label: `resident memory after start, ${label(size)} (median)`,
        value: rss,
        unit: 'MB',
        baseline: { label: 'empty store', value: round(baseRss, 1), unit: 'MB' },
        ...(largest ? { target: { op: '<=', value: round(baseRss + TARGET.rssMB, 1), text: `≤ empty + ${TARGET.rssMB} MB` } } : {}),
        detail: { afterApiLoadAndExportMB: r.rssAfterLoadMB },
      }),
      figure({
        id: `today.${size}`,
        label: `GET /api/records?day=today p99, ${label(size)}`,
        value: round(r.todayP99, 2),
        unit: 'ms',
        target: { op: '<=', value: TARGET.p99Ms, text: `≤ ${TARGET.p99Ms} ms` },
        detail: { requests: REQUESTS, todayRecords: r.todayCount, p50: round(r.todayP50, 2), storeOnlyP99: round(r.storeTodayP99, 3) },
      }),
      figure({
        id: `page.${size}`,
        label: `a page of 50 (one day in history) p99, ${label(size)}`,
        value: round(r.pageP99, 2),
        unit: 'ms',
        target: { op: '<=', value: TARGET.p99Ms, text: `≤ ${TARGET.p99Ms} ms` },
        detail: { requests: REQUESTS, p50: round(r.pageP50, 2) },
      }),
      figure({
        id: `storepage.${size}`,
        label: `the store alone: a page of 50 of one day p99, ${label(size)} (no HTTP)`,
        value: round(r.storeDayP99, 3),
        unit: 'ms',
        detail: { todayP99: round(r.storeTodayP99, 3) },
      }),
    );
    if (size > 0)
      figures.push(
        figure({
          id: `export.${size}`,
          label: `export of everything (NDJSON), ${label(size)}`,
          value: Math.round(r.exportRecords / (r.exportMs / 1000)),
          unit: 'records/s',
          detail: { ms: Math.round(r.exportMs), MB: round(r.exportMB, 1), MBps: round(r.exportMB / (r.exportMs / 1000), 1) },
        }),
      );
  }
  const m = machine();
  return {
    bench: 'history',
    title: 'History: start-up, memory and the records API with 0 / 100,000 / 1,000,000 records',
    method: `Per size a state directory bulk-filled through FileStore.saveRecords (${PER_DAY} records a day back from now); node bin/oqs-reader.js start (compiled, embedded emulated reader) spawned ${runs} times per size, sizes alternating: spawn → first 200 on /api/status and VmRSS then; then one more start per size for ${REQUESTS} sequential requests each of ?day=today and of a 50-record page of one day in history (HTTP Basic, after 20 warm-up requests), and one NDJSON export of everything. The empty store is the baseline, in the same run.`,
    machine: m,
    startedAt,
    wallMs: Math.round(nowMs() - started),
    figures,
    notes: [
      `1-minute load average at the start: ${m.loadAvg1} on ${m.cores} cores${m.loadAvg1 > m.cores * 0.75 ? ' (busy machine: figures come out high and noisy)' : ''}.`,
      ...sizes.map(
        (s) => `${s}: seeded in ${(results.get(s)!.seedMs / 1000).toFixed(1)} s; RSS after the API load and the export ${results.get(s)!.rssAfterLoadMB} MB.`,
      ),
    ],
    data: { sizes: sizes.map((s) => results.get(s)) },
  };
}

/** The chart for reports/bench/history.svg (bench/run.ts draws it from the JSON): one panel per measure, one bar per size. */
export function historyChart(r: BenchResult): string {
  const sizes = (r.data as { sizes: Array<{ size: number }> }).sizes.map((s) => s.size);
  const shades = [COLORS.baseline, COLORS.ours2, COLORS.ours];
  const panel = (title: string, yLabel: string, prefix: string): Panel => ({
    title,
    yLabel,
    groups: [
      {
        label: '',
        bars: sizes.flatMap((size, i) => {
          const f = r.figures.find((x) => x.id === `${prefix}.${size}`);
          return f
            ? [
                {
                  label: size.toLocaleString('en'),
                  value: f.value,
                  color: shades[Math.min(i, shades.length - 1)]!,
                  note: f.met === false ? 'MISSED' : undefined,
                },
              ]
            : [];
        }),
        target: r.figures.find((x) => x.id.startsWith(`${prefix}.`) && x.target)?.target as Panel['groups'][number]['target'],
      },
    ],
  });
  const missed = r.figures.filter((f) => f.met === false);
  return chart({
    title: 'History: cost with 0 / 100,000 / 1,000,000 records (lower is better)',
    subtitle: `${r.machine.cpuModel}, ${r.machine.cores} cores, node ${r.machine.node}, load ${r.machine.loadAvg1}, commit ${r.machine.commit}`,
    panels: [
      panel('start-up, median', 'ms', 'start'),
      panel('memory after start', 'MB', 'rss'),
      panel('?day=today p99', 'ms', 'today'),
      panel('a page of 50 p99', 'ms', 'page'),
    ],
    legend: sizes.map((size, i) => ({ label: `${size.toLocaleString('en')} records`, color: shades[Math.min(i, shades.length - 1)]! })),
    footnote: missed.length ? `MISSED: ${missed.map((f) => f.label).join('; ')}` : 'All targets met.',
  });
}

function sizesArg(): number[] {
  const i = process.argv.indexOf('--sizes');
  return i > 0 ? process.argv[i + 1]!.split(',').map(Number) : [0, 100_000, 1_000_000];
}

runAsScript(module, () =>
  runHistoryBench(Number(process.argv.find((a, i) => i >= 2 && /^\d+$/.test(a) && process.argv[i - 1] !== '--sizes') ?? 7), sizesArg()),
);
