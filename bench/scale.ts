/**
 * Benchmark 4: N emulated readers in one process (N = 1, 10, 100, 500), each completing face
 * confirmations concurrently on one shared VirtualClock. One child process per run
 * (bench/scale-worker.ts, node --expose-gc) so runs do not pollute each other's heap or JIT.
 *
 * Rate: confirmations per second of wall time; the baseline is N = 1 in the same run, so the
 * ratio is 1 when the cost per confirmation does not depend on N (total cost linear in N).
 * Memory: heapUsed + external after two forced GCs. Per reader at N is the growth over the N = 1
 * run divided by N − 1, which removes what every process has once (code, caches, pools); its
 * baseline is a bare SerialPortStream on MockBinding per reader, measured the same way.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { figure, machine, round, sig, runAsScript, type BenchResult, type Figure } from './lib/report';
import { linearFit, median, nowMs } from './lib/stats';

const SIZES = [1, 10, 100, 500] as const;
/** Confirmations per timed run: enough for N = 1 to take a few hundred ms. */
const CONFIRMATIONS = 6000;
const MIN_ROUNDS = 8;
const REPEATS = 3;

type Mode = 'link' | 'terminal' | 'bare';
type Mem = { heapUsed: number; external: number; arrayBuffers: number; rss: number };

interface WorkerOut {
  n: number;
  rounds: number;
  mode: Mode;
  confirmed: number;
  expected: number;
  wallMs: number;
  cpuMs: number;
  virtualMs: number;
  openMs: number;
  unacked: number;
  records: number;
  memory: Record<'before' | 'idle' | 'after', Mem>;
}

function worker(n: number, rounds: number, mode: Mode): Promise<WorkerOut> {
  return new Promise((resolve, reject) => {
    const args = ['--expose-gc', '-r', 'ts-node/register', join(__dirname, 'scale-worker.ts'), String(n), String(rounds), mode];
    const child = spawn(process.execPath, args, { cwd: join(__dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`scale-worker ${n} ${mode} exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as WorkerOut);
    });
  });
}

const kb = (m: Mem) => (m.heapUsed + m.external) / 1024;

interface Row {
  n: number;
  mode: Mode;
  rounds: number;
  confirmed: number;
  expected: number;
  perSecond: number;
  usPerConfirmation: number;
  cpuUsPerConfirmation: number;
  /** Growth of heapUsed + external over the process before any reader, KB (median of runs). */
  idleKB: number;
  afterKB: number;
  openMs: number;
  runs: number[];
}

async function measure(n: number, mode: Mode, repeats = REPEATS): Promise<Row> {
  const rounds = mode === 'bare' ? 0 : Math.max(MIN_ROUNDS, Math.ceil(CONFIRMATIONS / n));
  const outs: WorkerOut[] = [];
  for (let i = 0; i < repeats; i++) outs.push(await worker(n, rounds, mode));
  const rates = outs.map((o) => (o.wallMs > 0 ? (o.confirmed / o.wallMs) * 1000 : 0));
  const rate = median(rates);
  return {
    n,
    mode,
    rounds,
    confirmed: Math.min(...outs.map((o) => o.confirmed)),
    expected: outs[0]!.expected,
    perSecond: Math.round(rate),
    usPerConfirmation: rate > 0 ? sig(1e6 / rate) : 0,
    cpuUsPerConfirmation: rate > 0 ? sig(median(outs.map((o) => (o.cpuMs * 1000) / o.confirmed))) : 0,
    idleKB: median(outs.map((o) => kb(o.memory.idle) - kb(o.memory.before))),
    afterKB: median(outs.map((o) => kb(o.memory.after) - kb(o.memory.before))),
    openMs: round(median(outs.map((o) => o.openMs)), 1),
    runs: rates.map((r) => Math.round(r)),
  };
}

export async function runScaleBench(): Promise<BenchResult> {
  const started = nowMs();
  const startedAt = new Date().toISOString();
  const rows: Row[] = [];
  for (const n of SIZES) {
    rows.push(await measure(n, 'link'));
    process.stderr.write('.');
  }
  const withTerminal = await measure(500, 'terminal');
  const bare1 = await measure(1, 'bare', 1);
  const bare500 = await measure(500, 'bare', 1);
  process.stderr.write('.\n');
  const base = rows[0]!;
  const last = rows[rows.length - 1]!;
  /** KB per reader at N beyond the N = 1 run of the same kind. */
  const perReader = (r: Row, one: Row, which: 'idleKB' | 'afterKB') => sig((r[which] - one[which]) / (r.n - 1));
  const barePerPort = perReader(bare500, bare1, 'idleKB');
  const figures: Figure[] = [];
  for (const r of rows) {
    figures.push(
      figure({
        id: `n${r.n}.perSecond`,
        label: `N = ${r.n}: confirmations per second`,
        value: r.perSecond,
        unit: 'conf/s',
        baseline: { label: 'N = 1, same run', value: base.perSecond, unit: 'conf/s' },
        ratioMeaning: '× the N = 1 rate (1 = the same time per confirmation at any N, i.e. linear total cost)',
        target: r.n === 500 ? { op: '>=', value: 1000, text: '≥ 1,000 confirmations/s at N = 500' } : undefined,
        detail: {
          usPerConfirmation: r.usPerConfirmation,
          cpuUsPerConfirmation: r.cpuUsPerConfirmation,
          confirmed: r.confirmed,
          expected: r.expected,
          roundsPerReader: r.rounds,
          runs: r.runs,
        },
      }),
    );
    if (r.n > 1) {
      figures.push(
        figure({
          id: `n${r.n}.memoryPerReader`,
          label: `N = ${r.n}: memory per reader after the run`,
          value: perReader(r, base, 'afterKB'),
          unit: 'KB',
          baseline: { label: 'a bare SerialPortStream on MockBinding, per port', value: barePerPort, unit: 'KB' },
          ratioMeaning: '× a bare serial stream (what any port costs before reader logic)',
          target: { op: '<=', value: 1024, text: '≤ 1 MB per reader' },
          detail: { idleKBPerReader: perReader(r, base, 'idleKB'), processGrowthKB: Math.round(r.afterKB), openMs: r.openMs },
        }),
      );
    }
  }
  figures.push(
    figure({
      id: 'n500terminal.perSecond',
      label: 'N = 500, a Terminal per reader: confirmations per second',
      value: withTerminal.perSecond,
      unit: 'conf/s',
      baseline: { label: 'N = 500, link events only', value: last.perSecond, unit: 'conf/s' },
      ratioMeaning: '× the link-only rate',
      target: { op: '>=', value: 1000, text: '≥ 1,000 confirmations/s at N = 500' },
      detail: { usPerConfirmation: withTerminal.usPerConfirmation, cpuUsPerConfirmation: withTerminal.cpuUsPerConfirmation, runs: withTerminal.runs },
    }),
    figure({
      id: 'n500terminal.memoryPerReader',
      label: 'N = 500, a Terminal per reader: memory per reader after the run',
      value: perReader(withTerminal, base, 'afterKB'),
      unit: 'KB',
      baseline: { label: 'a bare SerialPortStream on MockBinding, per port', value: barePerPort, unit: 'KB' },
      ratioMeaning: '× a bare serial stream',
      target: { op: '<=', value: 1024, text: '≤ 1 MB per reader' },
      detail: { idleKBPerReader: perReader(withTerminal, base, 'idleKB'), recordsPerReader: withTerminal.rounds + 1 },
    }),
  );
  const fit = linearFit(
    rows.map((r) => r.n),
    rows.map((r) => r.usPerConfirmation),
  );
  figures.push(
    figure({
      id: 'linearity',
      label: 'time per confirmation at N = 500 ÷ at N = 1',
      value: round(last.usPerConfirmation / base.usPerConfirmation, 2),
      unit: '×',
      target: { op: '<=', value: 1.5, text: '≤ 1.5 (total cost linear in N: the time per confirmation stays flat)' },
      detail: { fittedSlopeUsPerReader: sig(fit.b), fittedInterceptUs: sig(fit.a), r2: round(fit.r2, 3) },
    }),
  );
  const invalid = [...rows, withTerminal].filter((r) => r.confirmed !== r.expected);
  return {
    bench: process.env.OQS_BENCH_VIRTUAL_CLOCK ? 'scale-candidate' : 'scale',
    title: 'Hundreds of emulated readers in one process',
    method: `One process per run (node --expose-gc), ${REPEATS} runs per N, median. Each reader's patient does face confirmations back to back (placeCard → chooseMethod face → presentFace → answerConsent all → removeCard), all readers at once on one VirtualClock, after one untimed warm-up round; ${CONFIRMATIONS} confirmations per run (at least ${MIN_ROUNDS} per reader). Controller side: a ReaderClient per reader counting identityConfirmed link events (no Terminal); one more run at N = 500 with a Terminal per reader.`,
    machine: machine(),
    startedAt,
    wallMs: Math.round(nowMs() - started),
    figures,
    notes: [
      'Memory per reader at N = (heapUsed + external after the run at N − the same at N = 1) ÷ (N − 1), each after two forced GCs and relative to the process before any reader existed; "idle" is once every client is connected, before any confirmation.',
      `The N = 1 process grows by ${Math.round(base.afterKB)} KB in all (code, caches and pools every process has once, plus one reader).`,
      'A confirmation counts when the controller side receives identityConfirmed; every run checks confirmed = expected.',
      ...(process.env.OQS_BENCH_VIRTUAL_CLOCK ? [`CANDIDATE: VirtualClock from ${process.env.OQS_BENCH_VIRTUAL_CLOCK}, not src/time/virtual-clock.ts`] : []),
      ...invalid.map((r) => `INVALID: N = ${r.n} (${r.mode}) confirmed ${r.confirmed} of ${r.expected}`),
    ],
    data: { rows, withTerminal, bare: { one: bare1, five: bare500, perPortKB: barePerPort }, fit },
  };
}

runAsScript(module, runScaleBench);
