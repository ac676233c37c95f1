import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem, type as osType, release } from 'node:os';
import { join } from 'node:path';

/** Where `npm run bench` writes: one JSON and one SVG per benchmark, and summary.json. */
export const OUT_DIR = join(__dirname, '..', '..', 'reports', 'bench');

export interface Machine {
  cpuModel: string;
  cores: number;
  node: string;
  v8: string;
  os: string;
  totalMemMB: number;
  freeMemMB: number;
  /** 1-minute load average when the benchmark started (other work on the machine skews figures). */
  loadAvg1: number;
  /** The commit the tree is at (a dirty tree is marked "+dirty"). */
  commit: string;
}

export function machine(): Machine {
  const list = cpus();
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    // --no-optional-locks: read only, never refresh the index behind another git's back.
    const dirty = execFileSync('git', ['--no-optional-locks', 'status', '--porcelain', '--untracked-files=no'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    if (dirty) commit += '+dirty';
  } catch {
    // not a git checkout (a tarball): the figures still stand
  }
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    node: process.version,
    v8: process.versions.v8,
    os: `${osType()} ${release()}`,
    totalMemMB: Math.round(totalmem() / 2 ** 20),
    freeMemMB: Math.round(freemem() / 2 ** 20),
    loadAvg1: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    commit,
  };
}

export interface Target {
  /** `>=`: the figure must reach the value; `<=`: it must stay under it. */
  op: '>=' | '<=';
  value: number;
  text: string;
}

export interface Baseline {
  /** What was measured as the baseline, in the same process or run. */
  label: string;
  value: number;
  unit: string;
}

/** One number of a benchmark, with the baseline it is read against. */
export interface Figure {
  id: string;
  label: string;
  value: number;
  unit: string;
  baseline?: Baseline;
  /** value / baseline.value. */
  ratio?: number;
  /** How to read the ratio, e.g. "× parser-delimiter (higher is better)". */
  ratioMeaning?: string;
  target?: Target;
  /** Whether the target was met; absent without a target. */
  met?: boolean;
  /** Anything else worth keeping (sample counts, spreads). */
  detail?: Record<string, unknown>;
}

export interface BenchResult {
  bench: string;
  title: string;
  /** How it was measured, in a sentence or two (copied to the chart and the summary). */
  method: string;
  machine: Machine;
  startedAt: string;
  wallMs: number;
  figures: Figure[];
  notes: string[];
  /** Raw samples or series for charts and later analysis. */
  data?: Record<string, unknown>;
}

export function figure(f: Omit<Figure, 'ratio' | 'met'> & { ratio?: number }): Figure {
  const out: Figure = { ...f };
  if (f.baseline && out.ratio === undefined && f.baseline.value !== 0) out.ratio = round(f.value / f.baseline.value, 3);
  if (f.target) out.met = f.target.op === '>=' ? f.value >= f.target.value : f.value <= f.target.value;
  return out;
}

export function round(x: number, digits = 2): number {
  if (!Number.isFinite(x)) return x;
  const p = 10 ** digits;
  return Math.round(x * p) / p;
}

/** Rounds to `sig` significant digits (for figures that span orders of magnitude). */
export function sig(x: number, digits = 3): number {
  if (!Number.isFinite(x) || x === 0) return x;
  return Number(x.toPrecision(digits));
}

export function writeResult(result: BenchResult): string {
  mkdirSync(OUT_DIR, { recursive: true });
  const file = join(OUT_DIR, `${result.bench}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  return file;
}

/**
 * A benchmark file run by itself (`node -r ts-node/register bench/x.ts`): runs it, writes its
 * result and prints where; an error exits 1. Imported (by bench/run.ts) it does nothing.
 */
export function runAsScript(mod: NodeModule, run: () => Promise<BenchResult>): void {
  if (require.main !== mod) return;
  run()
    .then((r) => console.log(writeResult(r)))
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}

export function readResult(bench: string): BenchResult {
  return JSON.parse(readFileSync(join(OUT_DIR, `${bench}.json`), 'utf8')) as BenchResult;
}

export function writeSvg(bench: string, svg: string): string {
  mkdirSync(OUT_DIR, { recursive: true });
  const file = join(OUT_DIR, `${bench}.svg`);
  writeFileSync(file, svg);
  return file;
}

/** A line for the console: the figure, its baseline and ratio, and MET/MISSED. */
export function describe(f: Figure): string {
  const v = `${fmt(f.value)} ${f.unit}${lineRate(f)}`;
  const ratio = f.ratio !== undefined ? `, ratio ${fmt(f.ratio)}` : '';
  const base = f.baseline ? `  baseline ${f.baseline.label}: ${fmt(f.baseline.value)} ${f.baseline.unit}${ratio}` : '';
  const target = f.target ? `  target ${f.target.text}: ${f.met ? 'met' : 'MISSED'}` : '';
  return `${f.label}: ${v}${base}${target}`;
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

/** " (n× the 115200-baud line rate)" for throughput figures that carry it. */
export function lineRate(f: Figure): string {
  const m = f.detail?.lineRateMultiple;
  return typeof m === 'number' ? ` (${fmt(m)}× line rate)` : '';
}
