/**
 * Benchmark 3: the whole emulator suite.
 *
 * 1. Wall time of `npx cucumber-js -p emulator`, start-up included, 3 runs, median. The profile is
 *    the project's own (bench/suite/cucumber.cjs copies it) with its reports written under
 *    reports/bench/suite/ instead of reports/, so a bench never overwrites what `npm test` wrote.
 * 2. Device time: one more run with bench/suite/device-clock.ts, which sums the virtual time every
 *    scenario's clock moved forward (the time a real reader would have taken). Cross-checked with
 *    the traces of run 1 (the last frame's t of each scenario).
 * 3. Real device timing, estimated: wall time + device time (the CPU work is the same; the device
 *    delays become real waits). With OQS_BENCH_REAL_TIME=1 it is also measured: the same suite
 *    with the virtual clock sleeping out every delay in real time (minutes; not by default).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { figure, machine, round, sig, runAsScript, type BenchResult, type Figure } from './lib/report';
import { median, nowMs } from './lib/stats';

const ROOT = join(__dirname, '..');
const OUT = join(ROOT, 'reports', 'bench', 'suite');
const CONFIG = 'bench/suite/cucumber.cjs';
const RUNS = 3;

interface SuiteRun {
  wallMs: number;
  exitCode: number | null;
  scenarios: number;
  summary: string;
  failed: string[];
}

function cucumber(profile: string, env: Record<string, string> = {}): Promise<SuiteRun> {
  return new Promise((resolve, reject) => {
    const t0 = nowMs();
    const child = spawn('npx', ['--no-install', 'cucumber-js', '--config', CONFIG, '-p', profile], {
      cwd: ROOT,
      env: { ...process.env, ...env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', () => undefined);
    child.on('error', reject);
    child.on('exit', (code) => {
      const wallMs = nowMs() - t0;
      const m = /(\d+) scenarios? \(([^)]*)\)/.exec(out);
      const failed = [...out.matchAll(/^\d+\) Scenario: (.+?) #/gm)].map((x) => x[1]!);
      resolve({ wallMs, exitCode: code, scenarios: m ? Number(m[1]) : 0, summary: m ? m[0] : out.trim().split('\n').slice(-3).join(' | '), failed });
    });
  });
}

interface DeviceTime {
  paced: boolean;
  totalDeviceMs: number;
  sleptMs: number;
  scenarios: Array<{ uri: string; name: string; deviceMs: number; wallMs: number; status: string }>;
}

/** Device time from the traces: the last frame's t of each scenario (0 when it sent no frame). */
function traceDeviceTime(dir: string): { files: number; totalMs: number } {
  if (!existsSync(dir)) return { files: 0, totalMs: 0 };
  let totalMs = 0;
  const files = readdirSync(dir).filter((f) => f.endsWith('.ndjson'));
  for (const f of files) {
    const lines = readFileSync(join(dir, f), 'utf8').trim().split('\n');
    const last = JSON.parse(lines[lines.length - 1] ?? '{}') as { t?: number };
    totalMs += typeof last.t === 'number' ? last.t : 0;
  }
  return { files: files.length, totalMs };
}

export async function runSuiteBench(): Promise<BenchResult> {
  const started = nowMs();
  const startedAt = new Date().toISOString();
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });

  const runs: SuiteRun[] = [];
  for (let i = 0; i < RUNS; i++) {
    runs.push(await cucumber('emulator'));
    process.stderr.write('.');
  }
  const traces = traceDeviceTime(join(OUT, 'traces'));
  const deviceFile = join(OUT, 'device-time.json');
  const timed = await cucumber('emulator-timed', { OQS_BENCH_DEVICE_TIME_OUT: deviceFile });
  const device = JSON.parse(readFileSync(deviceFile, 'utf8')) as DeviceTime;
  process.stderr.write('.');
  let real: (SuiteRun & { device: DeviceTime }) | null = null;
  if (process.env.OQS_BENCH_REAL_TIME === '1') {
    const pacedFile = join(OUT, 'device-time-paced.json');
    const r = await cucumber('emulator-timed', { OQS_BENCH_DEVICE_TIME_OUT: pacedFile, OQS_BENCH_PACED: '1' });
    real = { ...r, device: JSON.parse(readFileSync(pacedFile, 'utf8')) as DeviceTime };
  }
  process.stderr.write('\n');

  const wall = median(runs.map((r) => r.wallMs));
  const scenarios = runs[0]!.scenarios;
  const estimate = wall + device.totalDeviceMs;
  const figures: Figure[] = [
    figure({
      id: 'wall',
      label: `emulator suite wall time, start-up included (${scenarios} scenarios)`,
      value: round(wall / 1000, 2),
      unit: 's',
      baseline: { label: `the same ${scenarios} scenarios at real device timing (estimated: wall + device time)`, value: round(estimate / 1000, 1), unit: 's' },
      ratio: round(estimate / wall, 1),
      ratioMeaning: 'speed-up: real-timing wall ÷ this wall (higher is better)',
      target: { op: '<=', value: 20, text: '≤ 20 s on 2 cores' },
      detail: { runsMs: runs.map((r) => Math.round(r.wallMs)), scenarios, summaries: runs.map((r) => r.summary), exitCodes: runs.map((r) => r.exitCode) },
    }),
    figure({
      id: 'deviceTime',
      label: `device time the scenarios consumed on the virtual clock (${device.scenarios.length} scenarios)`,
      value: round(device.totalDeviceMs / 1000, 1),
      unit: 's',
      baseline: { label: 'the same from the traces (last frame t per scenario)', value: round(traces.totalMs / 1000, 1), unit: 's' },
      ratioMeaning: "clock-measured ÷ trace-measured (the traces miss time after a scenario's last frame)",
      detail: {
        scenariosWithDeviceTime: device.scenarios.filter((s) => s.deviceMs > 0).length,
        longest: [...device.scenarios]
          .sort((a, b) => b.deviceMs - a.deviceMs)
          .slice(0, 5)
          .map((s) => ({ name: s.name, deviceMs: s.deviceMs })),
        traceFiles: traces.files,
        timedRunWallMs: Math.round(timed.wallMs),
      },
    }),
    figure({
      id: 'speedup',
      label: `speed-up of the injected clock (${scenarios} scenarios): real-timing estimate ÷ measured wall`,
      value: round(estimate / wall, 1),
      unit: '×',
      target: { op: '>=', value: 50, text: '≥ 50×' },
      detail: { estimateMs: Math.round(estimate), wallMs: Math.round(wall), deviceMs: device.totalDeviceMs },
    }),
  ];
  if (real) {
    figures.push(
      figure({
        id: 'realTiming',
        label: `the suite at real device timing, measured (${real.scenarios} scenarios, virtual clock sleeping out every delay)`,
        value: round(real.wallMs / 1000, 1),
        unit: 's',
        baseline: { label: 'the estimate (wall + device time)', value: round(estimate / 1000, 1), unit: 's' },
        ratioMeaning: 'measured ÷ estimated',
        detail: {
          summary: real.summary,
          failed: real.failed,
          deviceMs: real.device.totalDeviceMs,
          sleptMs: real.device.sleptMs,
          speedup: round(real.wallMs / wall, 1),
        },
      }),
    );
  }
  const notes = [
    "Wall time: from spawning `npx --no-install cucumber-js --config bench/suite/cucumber.cjs -p emulator` to its exit; that profile is cucumber.js's emulator profile with its reports under reports/bench/suite/.",
    'Device time: the sum, over scenarios, of how far each scenario\'s VirtualClock moved by firing timers (face capture 1.5 s, PIN verify 0.3 s, transient screens 2 s, command and ACK timeouts); clock.set() jumps ("today is …") are not counted.',
    'Real device timing estimate = wall time + device time: the same steps with every device delay waited out.',
    ...runs.filter((r) => r.exitCode !== 0).map((r) => `A suite run exited with ${r.exitCode}: ${r.summary}; failed: ${r.failed.join('; ')}`),
  ];
  if (real && real.failed.length) {
    notes.push(`At real timing ${real.failed.length} scenario(s) failed: ${real.failed.join('; ')} (the suite's step timeout is 15 s of real time).`);
  }
  return {
    bench: 'suite',
    title: 'The emulator suite: wall time and the injected clock',
    method: `${RUNS} runs of the emulator profile (median wall time, process start to exit), one instrumented run for device time${real ? ', one run at real device timing' : ''}.`,
    machine: machine(),
    startedAt,
    wallMs: Math.round(nowMs() - started),
    figures,
    notes,
    data: {
      runs,
      device: { totalDeviceMs: device.totalDeviceMs, scenarios: device.scenarios },
      traces,
      real: real && { wallMs: real.wallMs, summary: real.summary, failed: real.failed, deviceMs: real.device.totalDeviceMs },
      estimateMs: estimate,
      sig: sig(estimate),
    },
  };
}

runAsScript(module, runSuiteBench);
