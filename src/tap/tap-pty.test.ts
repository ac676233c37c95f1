// Our controller → `oqs-reader tap` (the compiled CLI, its own process) → `oqs-reader emulate` on a
// pty, against the same controller connected directly. Needs `npm run build` (bin runs dist/).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BindingInterface } from '@serialport/bindings-interface';
import { assemble } from '../assembly';
import { readerBinding } from '../net/port-binding';
import type { ConfirmationRecord } from '../reader/records';
import { MemoryStore } from '../reader/store';
import type { Terminal, TerminalEvent } from '../reader/terminal';
import { RealClock } from '../time/clock';
import { compareTraces } from '../trace/diff';
import { parseTrace, type Trace } from '../trace/format';
import { TraceRecorder } from '../trace/recorder';
import { WatchedProcess } from '../util/child-lines';
import { EmulatorControlClient } from '../../simulator/control/client';
import { runFault } from '../../simulator/fault-main';
import type { Stimulus } from '../../simulator/stimulus';
import { EmulatorProcess } from '../../steps/support/emulator-process';

const REPO = join(__dirname, '..', '..');
const BIN = join(REPO, 'bin', 'oqs-reader.js');
const CUCUMBER = join(REPO, 'node_modules', '@cucumber', 'cucumber', 'bin', 'cucumber.js');
/** Real milliseconds any one wait may take before the test fails saying what it waited for. */
const WAIT_MS = 15_000;

interface Run {
  records: ConfirmationRecord[];
  trace: Trace;
}

/** Resolves when `pred` holds for the terminal's events (checked at once and on every event). */
function until(terminal: Terminal, what: string, pred: () => boolean): Promise<void> {
  if (pred()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      terminal.off('event', check);
      reject(new Error(`waited ${WAIT_MS} ms for ${what}`));
    }, WAIT_MS);
    const check = () => {
      if (!pred()) return;
      clearTimeout(timer);
      terminal.off('event', check);
      resolve();
    };
    terminal.on('event', check);
  });
}

/**
 * One patient on reader `path` through our controller: card, face, consent to all, card removed.
 * `beforeFace` runs after the method is chosen (as link-faults.feature arms its faults). After each act it waits until the controller has every frame the reader sent (less what the tap
 * was told to lose), and for the records, so two runs are compared at the same point.
 */
async function visit(
  path: string,
  emulator: EmulatorControlClient,
  lostToHost: () => Promise<number>,
  beforeFace?: () => Promise<void>,
  binding: BindingInterface = readerBinding({ clock: new RealClock(1) }),
): Promise<Run> {
  const store = new MemoryStore();
  const clock = new RealClock(1);
  let terminal: Terminal | null = null;
  let framesIn = 0;
  let recorder: TraceRecorder | null = null;
  const baseline = (await emulator.call('status', { reader: 0 })).framesOut;
  const lostBefore = await lostToHost();
  const a = assemble({
    clock,
    store,
    readers: [{ path, binding }],
    // The product's own command timeout: two pty bridges and the tap on a loaded machine may take
    // more than 600 ms, and a timed-out command would reconnect and tell another story.
    link: { commandTimeoutMs: 3000, heartbeatMs: 0, reconnectMaxMs: 1000 },
    observe: (t) => {
      terminal = t;
      recorder = new TraceRecorder({ clock, terminal: t });
      t.on('event', (e: TerminalEvent) => void (e.type === 'frame' && e.frame.dir === 'in' && framesIn++));
    },
  });
  try {
    const t = terminal!;
    await a.supervisors[0]!.until('connected');
    const act = async (s: Stimulus) => {
      const { framesOut } = await emulator.call('stimulus', { reader: 0, ...s });
      const want = framesOut - baseline - ((await lostToHost()) - lostBefore);
      await until(t, `${want} frames after ${s.action}`, () => framesIn >= want);
    };
    const recorded = (pred: (r: ConfirmationRecord) => boolean) => [...store.records()].some(pred);
    await act({ action: 'placeCard', profile: 'normal' });
    await act({ action: 'chooseMethod', method: 'face' });
    await beforeFace?.();
    await act({ action: 'presentFace' });
    await until(t, 'a confirmation record', () => recorded((r) => r.outcome === 'confirmed'));
    await act({ action: 'answerConsent', choice: 'all' });
    await until(t, 'the consent in the record', () => recorded((r) => r.consent === 'all'));
    await act({ action: 'removeCard' });
    // Answered only after every byte the controller wrote before it went through (a tap keeps order).
    await a.terminal.client(0)!.getStatus();
    return { records: [...store.records()], trace: recorder!.trace() };
  } finally {
    await a.close();
  }
}

/** What must not differ between two runs of the same visit: not ids' counters, not times. */
const recordsOf = (run: Run) => run.records.map(({ startedAt: _s, finishedAt: _f, id: _i, ...rest }) => rest);
/**
 * Two traces of the controller tell the same story, as `oqs-reader trace diff` reads them: the same
 * messages in each direction with the same fields. How ACKs interleave with the reader's events,
 * and the times, depend on the machine's load, not on the tap.
 */
function sameStory(a: Trace, b: Trace, what: string): void {
  const { onlyA, onlyB, fieldDiffs } = compareTraces(a, b).counts;
  assert.deepEqual({ onlyA, onlyB, fieldDiffs }, { onlyA: 0, onlyB: 0, fieldDiffs: 0 }, what);
}

test('controller → tap → pty emulator: faults armed at start and at runtime are survived; with none, records and trace equal a direct connection', async (t) => {
  const emu = await EmulatorProcess.start({ readers: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'oqs-tap-pty-'));
  const tracePath = join(dir, 'tap.ndjson');
  const control = `unix:${join(dir, 'tap.sock')}`;
  let tap: WatchedProcess | null = null;
  t.after(async () => {
    await tap?.stop();
    await emu.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const reader = emu.paths[0]!;
  const none = () => Promise.resolve(0);
  const direct = await visit(reader, emu.control, none);
  assert.equal(direct.records.length, 1);

  // The tap as a vendor starts it: the compiled CLI, a pty for the controller, a fault armed at start.
  tap = WatchedProcess.node(
    [BIN, 'tap', '--reader', reader, '--controller', 'pty', '--trace', tracePath, '--control', control, '--fault', 'corrupt,only=response,nth=1'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const ready = JSON.parse((await tap.line(/^OQS-TAP-READY (.*)$/, WAIT_MS, 'oqs-reader tap ready'))[1]!) as { controller: string; control: string[] };
  assert.deepEqual(ready.control, [control]);
  const tapControl = await EmulatorControlClient.connect(control);
  t.after(() => tapControl.close());
  const lost = async () => {
    const { applied } = (await tapControl.call('status', {})) as unknown as { applied: Record<string, number> };
    return applied.drop! + applied.corrupt!;
  };
  const quiet = (): ((l: string) => void) => () => undefined;

  await emu.reset();
  const corrupted = await visit(ready.controller, emu.control, lost);
  assert.deepEqual(recordsOf(corrupted), recordsOf(direct), 'a corrupted response is dropped by the controller, which asks again');

  assert.equal(await runFault(['--control', control, '--clear'], quiet()), 0);
  await emu.reset();
  // link-faults.feature REL-1: the reader's second event from here (identityConfirmed) is lost.
  const dropped = await visit(ready.controller, emu.control, lost, async () => {
    assert.equal(await runFault(['--control', control, 'drop', '--only', 'event', '--nth', '2'], quiet()), 0);
  });
  assert.deepEqual(recordsOf(dropped), recordsOf(direct), 'the lost identityConfirmed is sent again; one record, no duplicate');

  assert.equal(await runFault(['--control', control, '--clear'], quiet()), 0);
  await emu.reset();
  const through = await visit(ready.controller, emu.control, lost);
  assert.deepEqual(recordsOf(through), recordsOf(direct), 'records through the tap equal records over a direct connection');
  sameStory(direct.trace, through.trace, "the controller's trace through the tap tells the direct one's story");

  // The tap's own trace: a valid trace file, both directions, the faults named where they struck.
  const recorded = parseTrace(readFileSync(tracePath, 'utf8'));
  const faults = recorded.frames.filter((f) => f.error?.startsWith('TAP_FAULT_'));
  assert.deepEqual(
    faults.map((f) => `${f.dir} ${f.msg?.kind} ${f.error!.split(':')[0]}`),
    ['r2h response TAP_FAULT_CORRUPT', 'r2h event TAP_FAULT_DROP'],
  );
  assert.equal(faults[0]!.msg?.kind === 'response' && faults[0]!.msg.name, 'hello');
  const lostEvent = faults[1]!;
  assert.equal(lostEvent.msg?.kind === 'event' && lostEvent.msg.name, 'identityConfirmed');
  assert.ok(
    recorded.frames.some((g) => g.dir === 'r2h' && g.hex === lostEvent.hex && g.t >= lostEvent.t && !g.error),
    'the tap recorded the identityConfirmed it dropped, and the same frame again when the reader resent it',
  );
  // The last run, as the controller saw it, is the end of what the tap recorded, byte for byte.
  for (const [dir, ours] of [
    ['h2r', 'out'],
    ['r2h', 'in'],
  ] as const) {
    const tapHex = recorded.frames
      .filter((f) => f.dir === dir)
      .map((f) => f.hex)
      .join('');
    const controllerHex = through.trace.frames
      .filter((f) => f.dir === dir)
      .map((f) => f.hex)
      .join('');
    assert.ok(controllerHex.length > 0 && tapHex.endsWith(controllerHex), `the tap recorded every ${ours} frame of the last run`);
  }
});

/**
 * A tap recording as a scenario (docs/traces.md): the shipped `trace to-scenario` writes it and
 * reproduces all of it, the emulator profile passes it (scripts/trace-round-trip.cucumber.cjs, its
 * own report folder), and the scenario's own trace equals the recording, timing aside.
 */
function roundTrip(recording: string, dir: string): void {
  const feature = join(dir, 'features', 'tap-session.feature');
  mkdirSync(join(dir, 'features'), { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, OQS_ROUND_TRIP_DIR: dir };
  delete env.NODE_V8_COVERAGE;
  const made = spawnSync(process.execPath, [BIN, 'trace', 'to-scenario', recording, '-o', feature], { env, encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const scenario = readFileSync(feature, 'utf8');
  assert.doesNotMatch(scenario, /再現していない/, scenario);
  assert.match(scenario, /患者が"通常"のマイナンバーカードを置く/, scenario);
  const ran = spawnSync(process.execPath, [CUCUMBER, '--config', join('scripts', 'trace-round-trip.cucumber.cjs'), feature], {
    cwd: REPO,
    env,
    encoding: 'utf8',
  });
  assert.equal(ran.status, 0, `the scenario from the tap's recording failed on the emulator:\n${ran.stdout}${ran.stderr}\n${scenario}`);
  const traces = readdirSync(join(dir, 'traces'));
  assert.equal(traces.length, 1, traces.join(', '));
  const replay = compareTraces(parseTrace(readFileSync(recording, 'utf8')), parseTrace(readFileSync(join(dir, 'traces', traces[0]!), 'utf8')));
  assert.ok(replay.verdict === 'same' || replay.verdict === 'timing', JSON.stringify(replay.counts));
}

test('over TCP on both sides: controller → tcp:// → tap (listen:tcp://) → tcp:// → emulate --listen; records and trace equal a direct TCP connection, the recording becomes a passing scenario, a lost event is survived', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oqs-tap-tcp-'));
  const emu = WatchedProcess.node(
    [BIN, 'emulate', '--readers', '1', '--listen', 'tcp://127.0.0.1:0', '--no-pty', '--control', `unix:${join(dir, 'emu.sock')}`, '--ack-timeout-ms', '50'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let tap: WatchedProcess | null = null;
  t.after(async () => {
    await tap?.stop();
    await emu.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const emuReady = JSON.parse((await emu.line(/^OQS-EMULATOR-READY (.*)$/, WAIT_MS, 'oqs-reader emulate ready'))[1]!) as { readers: string[]; control: string };
  const reader = emuReady.readers[0]!;
  assert.match(reader, /^tcp:\/\/127\.0\.0\.1:\d+$/);
  const emulator = await EmulatorControlClient.connect(emuReady.control);
  t.after(() => emulator.close());
  const none = () => Promise.resolve(0);
  const direct = await visit(reader, emulator, none);

  const control = `unix:${join(dir, 'tap.sock')}`;
  const tapTrace = join(dir, 'tap.ndjson');
  tap = WatchedProcess.node([BIN, 'tap', '--reader', reader, '--controller', 'listen:tcp://127.0.0.1:0', '--control', control, '--trace', tapTrace], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ready = JSON.parse((await tap.line(/^OQS-TAP-READY (.*)$/, WAIT_MS, 'oqs-reader tap ready'))[1]!) as { controller: string };
  const controller = ready.controller.replace(/^listen:/, '');
  assert.match(controller, /^tcp:\/\/127\.0\.0\.1:\d+$/);
  const tapControl = await EmulatorControlClient.connect(control);
  t.after(() => tapControl.close());
  const lost = async () => ((await tapControl.call('status', {})) as unknown as { applied: Record<string, number> }).applied.drop!;

  await emulator.call('reset', {});
  const through = await visit(controller, emulator, lost);
  assert.deepEqual(recordsOf(through), recordsOf(direct));
  sameStory(direct.trace, through.trace, "the controller's trace through the tap over TCP tells the direct one's story");
  // What the tap recorded of that session, compared as a vendor would (oqs-reader trace diff) with the controller's own trace.
  const comparison = compareTraces(through.trace, parseTrace(readFileSync(tapTrace, 'utf8')));
  assert.equal(comparison.verdict, 'same', JSON.stringify(comparison.counts));
  roundTrip(tapTrace, join(dir, 'round-trip'));

  await emulator.call('reset', {});
  const dropped = await visit(controller, emulator, lost, async () => void (await tapControl.call('fault', { fault: 'drop', only: 'event', nth: 2 })));
  assert.deepEqual(recordsOf(dropped), recordsOf(direct), 'the lost identityConfirmed is sent again over TCP too');
  assert.equal(((await tapControl.call('status', {})) as unknown as { applied: Record<string, number> }).applied.drop, 1);
});
