/**
 * `npm run bench`: every benchmark, each in a process of its own, then one chart per benchmark
 * and a summary. Writes reports/bench/{decoder,round-trip,suite,scale,api,startup,tap-overhead,history,net-round-trip}.{json,svg} and
 * reports/bench/summary.json. See docs/performance.md.
 *
 *   node -r ts-node/register bench/run.ts                  all of them
 *   node -r ts-node/register bench/run.ts decoder api      some of them
 *   node -r ts-node/register bench/run.ts --charts         redraw the charts from the JSON
 *   node -r ts-node/register bench/run.ts --markdown       the figures as tables for docs/performance.md
 *
 * Benchmarks are not tests: a missed target prints MISSED and the run still succeeds. The exit
 * code is non-zero only when a benchmark could not run at all.
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHARTS } from './charts';
import { startupChart } from './startup';
import { tapOverheadChart } from './tap-overhead';
import { historyChart } from './history';
import { netRoundTripChart } from './net-round-trip';
import { describe, fmt, lineRate, machine, OUT_DIR, readResult, writeSvg, type BenchResult } from './lib/report';
import { nowMs } from './lib/stats';

const BENCHES = [
  { name: 'decoder', file: 'decoder.ts' },
  { name: 'round-trip', file: 'round-trip.ts' },
  { name: 'suite', file: 'suite.ts' },
  { name: 'scale', file: 'scale.ts' },
  { name: 'api', file: 'api.ts' },
  { name: 'startup', file: 'startup.ts' },
  { name: 'tap-overhead', file: 'tap-overhead.ts' },
  { name: 'history', file: 'history.ts' },
  { name: 'net-round-trip', file: 'net-round-trip.ts' },
] as const;

// startup.ts, tap-overhead.ts, history.ts and net-round-trip.ts draw their own charts (charts.ts holds the others).
const CHART_OF: Record<string, (r: BenchResult) => string> = {
  ...CHARTS,
  startup: startupChart,
  'tap-overhead': tapOverheadChart,
  history: historyChart,
  'net-round-trip': netRoundTripChart,
};

function runChild(file: string): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register', join(__dirname, file)], {
      cwd: join(__dirname, '..'),
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('exit', (code) => resolve(code));
    child.on('error', () => resolve(-1));
  });
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** The figures of one benchmark as a markdown table (docs/performance.md shows these). */
function markdown(r: BenchResult): string[] {
  const lines = [`### ${r.title}`, '', `| figure | value | baseline (same run) | ratio | target |`, '|---|---|---|---|---|'];
  for (const f of r.figures) {
    const base = f.baseline ? `${cell(f.baseline.label)}: ${fmt(f.baseline.value)} ${f.baseline.unit}` : '';
    const ratio = f.ratio !== undefined ? `${fmt(f.ratio)}` : '';
    const target = f.target ? `${cell(f.target.text)}: **${f.met ? 'met' : 'MISSED'}**` : '';
    lines.push(`| ${cell(f.label)} | ${fmt(f.value)} ${f.unit}${lineRate(f)} | ${base} | ${ratio} | ${target} |`);
  }
  return [...lines, ''];
}

function report(r: BenchResult): string[] {
  const lines = [`${r.title} (${(r.wallMs / 1000).toFixed(1)} s)`];
  for (const f of r.figures) lines.push(`  ${f.met === false ? 'MISSED ' : f.met ? 'met    ' : '       '}${describe(f)}`);
  for (const n of r.notes.filter((x) => x.startsWith('INVALID'))) lines.push(`  ${n}`);
  return lines;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const asMarkdown = args.includes('--markdown');
  const chartsOnly = asMarkdown || args.includes('--charts');
  const only = args.filter((a) => !a.startsWith('--'));
  const unknown = only.filter((a) => !BENCHES.some((b) => b.name === a));
  if (unknown.length) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}; expected ${BENCHES.map((b) => b.name).join(', ')}`);
    process.exit(2);
  }
  const selected = BENCHES.filter((b) => only.length === 0 || only.includes(b.name));
  if (asMarkdown) {
    for (const b of selected) {
      if (existsSync(join(OUT_DIR, `${b.name}.json`))) console.log(markdown(readResult(b.name)).join('\n'));
    }
    return;
  }
  const started = nowMs();
  const m = machine();
  console.log(`oqs-reader benchmarks on ${m.cpuModel}, ${m.cores} cores, node ${m.node}, load ${m.loadAvg1}, commit ${m.commit}`);
  if (m.loadAvg1 > m.cores * 0.75) {
    console.log(`NOTE: the machine is busy (1-minute load ${m.loadAvg1} on ${m.cores} cores); every figure will come out low and noisy.`);
  }
  const failed: string[] = [];
  const results: BenchResult[] = [];
  for (const b of selected) {
    if (!chartsOnly) {
      console.log(`\n== ${b.name}`);
      const t0 = nowMs();
      const code = await runChild(b.file);
      if (code !== 0) {
        console.log(`${b.name}: FAILED TO RUN (exit ${code}) after ${((nowMs() - t0) / 1000).toFixed(1)} s`);
        failed.push(b.name);
        continue;
      }
    }
    if (!existsSync(join(OUT_DIR, `${b.name}.json`))) {
      console.log(`${b.name}: no results yet (run it first)`);
      continue;
    }
    const r = readResult(b.name);
    results.push(r);
    try {
      writeSvg(b.name, CHART_OF[b.name]!(r));
    } catch (e) {
      console.log(`${b.name}: chart failed: ${(e as Error).message}`);
    }
    if (chartsOnly) console.log(`\n== ${b.name}`);
    for (const line of report(r)) console.log(line);
  }
  const totalMs = nowMs() - started;
  const missed = results.flatMap((r) => r.figures.filter((f) => f.met === false).map((f) => `${r.bench}: ${f.label}`));
  if (!chartsOnly) {
    writeFileSync(
      join(OUT_DIR, 'summary.json'),
      JSON.stringify(
        {
          machine: m,
          startedAt: new Date(Date.now() - totalMs).toISOString(),
          totalWallMs: Math.round(totalMs),
          benches: results.map((r) => ({ bench: r.bench, title: r.title, wallMs: r.wallMs, figures: r.figures })),
          missed,
          failedToRun: failed,
        },
        null,
        2,
      ) + '\n',
    );
  }
  console.log(`\n${missed.length ? `MISSED ${missed.length} target(s):\n  ${missed.join('\n  ')}` : 'All targets met.'}`);
  if (failed.length) console.log(`FAILED TO RUN: ${failed.join(', ')}`);
  console.log(`Results: ${OUT_DIR}/{${results.map((r) => r.bench).join(',')}}.{json,svg}${chartsOnly ? '' : ', summary.json'}`);
  console.log(`Total: ${(totalMs / 1000).toFixed(1)} s`);
  if (failed.length) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
