/**
 * Benchmark: what `oqs-reader tap` adds to a command round trip (docs/tap.md).
 *
 *   direct     ReaderClient (the assembly) on the slave of `oqs-reader emulate --readers 1`
 *   tap        the same controller on the pty of `oqs-reader tap --controller pty --reader SLAVE
 *              --trace FILE`: two more pty hops, one more process, the trace written as it goes
 *   tap, armed the same with a fault rule armed toward the host that never fires, so the tap holds
 *              each reader frame until it is whole before it forwards it
 * All in one run, interleaved (direct, tap, armed, direct, tap, armed), against one emulator process.
 * Each tap run starts its own tap process (the emulator's pty is opened by one party at a time).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { autoDetect } from '@serialport/bindings-cpp';
import { assemble } from '../src/assembly';
import { MemoryStore } from '../src/reader/store';
import { RealClock } from '../src/time/clock';
import { WatchedProcess } from '../src/util/child-lines';
import { figure, machine, runAsScript, sig, type BenchResult, type Figure } from './lib/report';
import { nowMs } from './lib/stats';
import { chart, COLORS, type Group } from './lib/svg';
import { both, timeLoop, type Summary } from './round-trip';

const ROOT = join(__dirname, '..');
const BIN = join(ROOT, 'bin', 'oqs-reader.js');
const RUN = { warmup: 300, samples: 2000 };
/** A rule toward the host that picks the billionth frame: armed, so frames are cut, but never fires. */
const NEVER = 'drop,nth=1000000000';

async function roundTrips(path: string): Promise<Summary> {
  const a = assemble({ clock: new RealClock(1), store: new MemoryStore(), readers: [{ path, binding: autoDetect() }], link: { heartbeatMs: 0 } });
  try {
    await a.firstAttempts;
    await a.supervisors[0]!.until('connected');
    const client = a.terminal.client(0)!;
    return (await timeLoop(RUN.warmup, RUN.samples, () => client.getStatus())).summary;
  } finally {
    await a.close();
  }
}

async function throughTap(dir: string, reader: string, extra: string[]): Promise<Summary> {
  const tap = WatchedProcess.node([BIN, 'tap', '--reader', reader, '--controller', 'pty', '--trace', join(dir, `tap-${Date.now()}.ndjson`), ...extra], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const ready = JSON.parse((await tap.line(/^OQS-TAP-READY (.*)$/, 30_000, 'oqs-reader tap ready'))[1]!) as { controller: string };
    return await roundTrips(ready.controller);
  } finally {
    await tap.stop();
  }
}

export async function runTapOverheadBench(): Promise<BenchResult> {
  const started = nowMs();
  const startedAt = new Date().toISOString();
  const dir = mkdtempSync(join(tmpdir(), 'oqs-bench-tap-'));
  const emulator = WatchedProcess.node([BIN, 'emulate', '--readers', '1', '--link-dir', dir, '--control', `unix:${join(dir, 'c.sock')}`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const reader = (JSON.parse((await emulator.line(/^OQS-EMULATOR-READY (.*)$/, 30_000))[1]!) as { readers: string[] }).readers[0]!;
    const runs: Array<{ direct: Summary; tap: Summary; armed: Summary }> = [];
    for (let round = 0; round < 2; round++) {
      const direct = await roundTrips(reader);
      const tap = await throughTap(dir, reader, []);
      const armed = await throughTap(dir, reader, ['--fault', NEVER]);
      runs.push({ direct, tap, armed });
      process.stderr.write('.');
    }
    process.stderr.write('\n');
    const [a, b] = runs as [(typeof runs)[0], (typeof runs)[0]];
    const direct = both(a.direct, b.direct);
    const tap = both(a.tap, b.tap);
    const armed = both(a.armed, b.armed);
    const figures: Figure[] = [];
    for (const p of ['p50', 'p99'] as const) {
      const base = { label: `direct connection to the pty emulator, ${p}`, value: direct[p], unit: 'µs' };
      figures.push(
        figure({
          id: `tap.${p}`,
          label: `getStatus round trip through the tap, ${p}`,
          value: tap[p],
          unit: 'µs',
          baseline: base,
          ratioMeaning: '× the direct connection (lower is better)',
          detail: { overheadUs: sig(tap[p] - direct[p]) },
          ...(p === 'p99' ? { target: { op: '<=' as const, value: direct.p99 + 1000, text: 'adds at most 1 ms at p99' } } : {}),
        }),
        figure({
          id: `armed.${p}`,
          label: `the same with a fault rule armed toward the host (frames held until whole), ${p}`,
          value: armed[p],
          unit: 'µs',
          baseline: base,
          ratioMeaning: '× the direct connection (lower is better)',
          detail: { overheadUs: sig(armed[p] - direct[p]) },
        }),
      );
    }
    return {
      bench: 'tap-overhead',
      title: 'Tap overhead (getStatus round trip through oqs-reader tap)',
      method: `Sequential getStatus requests through ReaderClient, ${RUN.warmup} warm-up then ${RUN.samples} timed per run, directly on the pty emulator and through oqs-reader tap (its own process, a pty for the controller, the trace written); two interleaved rounds, figures are the mean of the two.`,
      machine: machine(),
      startedAt,
      wallMs: Math.round(nowMs() - started),
      figures,
      notes: [
        'The tap adds a process and a second pty (its own pty bridge) to the path: two more tty hops each way, plus one trace line per frame written with writeSync.',
        `"armed" runs the tap with --fault ${NEVER}: a rule toward the host that never fires, so frames from the reader wait until whole before they go on (the path a fault takes).`,
      ],
      data: { runs, lineTimeNote: 'not paced: software path only' },
    };
  } finally {
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The chart for bench/run.ts: p50 and p99, direct against through the tap (plain and armed). */
export function tapOverheadChart(r: BenchResult): string {
  const get = (id: string) => r.figures.find((f) => f.id === id)!;
  const groups = ['p50', 'p99'].map((p): Group => ({
    label: p,
    bars: [
      { label: 'direct', value: get(`tap.${p}`).baseline!.value, color: COLORS.baseline },
      { label: 'through the tap', value: get(`tap.${p}`).value, color: COLORS.ours, note: `×${get(`tap.${p}`).ratio}` },
      { label: 'through the tap, a rule armed', value: get(`armed.${p}`).value, color: COLORS.ours2, note: `×${get(`armed.${p}`).ratio}` },
    ],
  }));
  const p99 = get('tap.p99');
  return chart({
    title: 'getStatus round trip through oqs-reader tap (lower is better)',
    subtitle: `${r.machine.cpuModel}, ${r.machine.cores} cores, node ${r.machine.node}, ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC, commit ${r.machine.commit}`,
    panels: [{ title: 'pty emulator, controller in this process', yLabel: 'µs', log: false, groups }],
    legend: [
      { label: 'direct (baseline)', color: COLORS.baseline },
      { label: 'through the tap', color: COLORS.ours },
      { label: 'through the tap, a rule armed', color: COLORS.ours2 },
    ],
    footnote: p99.met === false ? `MISSED: ${p99.label}` : 'All targets met.',
  });
}

runAsScript(module, runTapOverheadBench);
