import { After, Before, setDefaultTimeout, setWorldConstructor, World, type IWorldOptions } from '@cucumber/cucumber';
import type { Actor } from '../../src/reader/accounts';
import { OqsError } from '../../src/reader/errors';
import { OperationScreen } from '../../src/reader/operation-screen';
import { MemoryStore } from '../../src/reader/store';
import type { Terminal, TerminalEvent } from '../../src/reader/terminal';
import { screenById, type ScreenName } from '../../src/protocol';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readerBinding } from '../../src/net/port-binding';
import { RealClock } from '../../src/time/clock';
import { TraceRecorder } from '../../src/trace/recorder';
import { EmulatorTarget } from './emulator-target';
import { notApplicable } from './declaration';
import { makePrompt, type Answer, type Prompt } from './prompts';
import { currentRun, type RunContext, type WorldParameters } from './run';
import { PromptSkipped, SerialTarget } from './serial-target';
import { ProductTarget } from './product-target';
import type { Installation, ScreenSurface, Target } from './target';

type OnPrompt = (prompt: Prompt, answer: Answer) => void;

/** The profile's target, new for every scenario. Steps never ask which one runs. */
function makeTarget(run: RunContext, onPrompt: OnPrompt): Target {
  const { parameters: p, declaration: d } = run;
  // The product's one reader binding (tcp://, rfc2217:// or a local port), so READER_PORT=rfc2217://… works
  // on the hardware profile; the run's own when it has one (it remembers what a server never acknowledges).
  const binding = run.netBinding ?? readerBinding({ clock: new RealClock() });
  const common = { binding, baudRate: p.baudRate ?? 115200, commandTimeoutMs: d.timing.commandTimeoutMs, settleMs: d.timing.settleMs, onPrompt };
  switch (p.target) {
    case 'pty': {
      const emu = run.emulator!;
      const hands = { answer: async (prompt: Prompt): Promise<Answer> => ({ verdict: 'PASS', by: 'emulator', ...(await emu.perform(prompt)) }) };
      return new SerialTarget({
        ...common,
        name: run.relay ? `ser2net-${p.ser2net}` : 'pty',
        paths: run.relay?.urls ?? emu.paths,
        hands,
        framesOut: (i) => emu.framesOut(i),
        unacked: (i) => emu.unacked(i),
        faults: async (reader, rule) => void (await emu.control.call('fault', rule === 'clear' ? { reader, clear: true } : { reader, ...rule })),
        reboot: async (reader) => void (await emu.control.call('reboot', { reader })),
        unplug: async (reader) => void (await emu.control.call('unplug', { reader })),
        replug: async (reader, reboot) => void (await emu.control.call('replug', { reader, reboot })),
        beforeScenario: () => emu.reset(),
      });
    }
    case 'hardware': {
      const hands = run.hands!;
      const start = makePrompt('PROMPT-SCENARIO-START', { reader: 0 });
      return new SerialTarget({
        ...common,
        name: 'hardware',
        paths: p
          .ports!.split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        hands,
        // A robot that can count what the reader sent can also say what it still holds unACKed
        // (the emulator's control channel answers both): without it, an event the terminal got
        // while it was not yet listening (so did not ACK) looked settled until it came again.
        ...(run.robot ? { framesOut: (i: number) => run.robot!.framesOut(i), unacked: (i: number) => run.robot!.unacked(i) } : {}),
        beforeScenario: async () => {
          const a = await hands.answer(start);
          onPrompt(start, a);
          if (a.verdict !== 'PASS') throw new Error(`${start.id}: ${a.verdict} (${a.by})`);
        },
      });
    }
    case 'product':
      return new ProductTarget({ emulator: run.emulator!, commandTimeoutMs: d.timing.commandTimeoutMs, onPrompt });
    default:
      return new EmulatorTarget(onPrompt, p.pacing, d.timing.commandTimeoutMs);
  }
}

/** One scenario's world: its own target (readers, clock), terminal, operator and observations. */
export class ReaderWorld extends World<WorldParameters> {
  readonly target: Target;
  readonly store = new MemoryStore();
  install: Installation = { faceReaders: 1, generalReaders: 0, readerSoftwareInstalled: true };
  private term: Terminal | null = null;
  actor: Actor | null = null;
  private opScreen: OperationScreen | null = null;
  /** The last coded refusal a step provoked. */
  error: { code: string; message: string } | null = null;
  /** Everything the terminal published, in order. */
  readonly events: TerminalEvent[] = [];
  /** Every frame on every reader link, as hex, in order. */
  readonly wire: string[] = [];
  /** Screens each reader showed, in order. */
  readonly screens = new Map<string, ScreenName[]>();

  /** Every frame of the scenario, for the report and reports/traces/. */
  readonly recorder: TraceRecorder;
  /** Prompts for physical acts in this scenario and who answered them. */
  readonly prompts: Array<{ id: string; text: string; verdict: string; by: string; note?: string }> = [];

  constructor(options: IWorldOptions<WorldParameters>) {
    super(options);
    this.target = makeTarget(currentRun(), (prompt, answer) =>
      this.prompts.push({ id: prompt.id, text: prompt.text, verdict: answer.verdict, by: answer.by, ...(answer.note ? { note: answer.note } : {}) }),
    );
    this.recorder = new TraceRecorder({ clock: this.target.clock });
  }

  /** A patient's physical act; a prompt answered "skip" makes the step skipped, not failed. */
  async physical(act: () => Promise<void>): Promise<void | 'skipped'> {
    try {
      await act();
    } catch (e) {
      if (e instanceof PromptSkipped) return 'skipped';
      throw e;
    }
  }

  /** Whether the terminal is up: after that, the installation can no longer change. */
  get started(): boolean {
    return this.term !== null;
  }

  /** The terminal, brought up on first use so "given" steps can shape the installation first. */
  async terminal(): Promise<Terminal> {
    if (!this.term) await this.target.start(this.install, this.store, (t) => this.observe(t));
    return this.term!;
  }

  async restartTerminal(): Promise<Terminal> {
    await this.terminal();
    this.opScreen = null;
    await this.target.restart((t) => this.observe(t));
    return this.term!;
  }

  private observe(t: Terminal): void {
    this.term = t;
    this.recorder.attach(t);
    t.on('event', (e: TerminalEvent) => {
      if (e.type === 'frame') {
        this.wire.push(e.frame.bytes);
        return;
      }
      this.events.push(e);
      if (e.type === 'readerEvent' && e.name === 'screenShown') {
        const name = screenById(Number(e.fields.screen));
        if (name) this.screens.set(e.path, [...(this.screens.get(e.path) ?? []), name]);
      }
    });
  }

  /** The operation screen as the logged-in account sees it (opening it may be refused). */
  async screen(): Promise<ScreenSurface> {
    const t = await this.terminal();
    if (!this.actor) throw new Error('no account is logged in: add a step such as 「管理者アカウントでログインしている」');
    // The product serves the screen (one per account): ask it afresh, as a browser would.
    if (this.target.screen) return this.target.screen(this.actor);
    if (!this.opScreen) this.opScreen = new OperationScreen(t, this.actor);
    return this.opScreen;
  }

  login(actor: Actor): void {
    this.actor = actor;
    this.opScreen = null;
  }

  /** Runs a staff action; a coded refusal is kept for a later 「エラー…」 step, anything else fails. */
  async attempt(fn: () => Promise<unknown>): Promise<void> {
    this.error = null;
    try {
      await this.target.settle(fn());
    } catch (e) {
      if (!OqsError.is(e)) throw e;
      this.error = { code: e.code, message: e.message };
    }
  }

  /** After a screen action: its inline error, if any, becomes the step's observed refusal. */
  async click(fn: (s: ScreenSurface) => Promise<void> | void): Promise<void> {
    const s = await this.screen();
    await this.target.settle(Promise.resolve(fn(s)));
    this.error = s.error;
  }

  /** Screens reader #`reader` (0-based, in connection order) has shown so far. */
  screensOf(reader = 0): ScreenName[] {
    const path = this.target.readerPath(reader);
    return path ? (this.screens.get(path) ?? []) : [];
  }
}

setWorldConstructor(ReaderWorld);
// Device time is virtual on the emulator; this bounds real time only.
setDefaultTimeout(15_000);

Before(function (this: ReaderWorld, { pickle }) {
  this.recorder.title = pickle.name;
  const run = currentRun();
  const reason = notApplicable(
    run.declaration,
    pickle.steps.map((s) => s.text),
    pickle.tags.map((t) => t.name),
    run.parameters.target ?? 'emulator',
  );
  if (reason) {
    this.attach(`not applicable: ${reason}`, 'text/plain');
    return 'skipped';
  }
  return undefined;
});

const traceNames = new Set<string>();

After(async function (this: ReaderWorld, { pickle }) {
  await this.target.stop();
  if (this.recorder.frames.length) {
    const ndjson = this.recorder.toNdjson();
    this.attach(ndjson, { mediaType: 'application/x-ndjson', fileName: 'trace.ndjson' });
    const dir = currentRun().parameters.traceDir;
    if (dir) {
      const base = `${basename(pickle.uri, '.feature')}--${pickle.name.replace(/[\\/:*?"<>|\s]+/g, '_').slice(0, 60)}`;
      let name = base;
      for (let n = 2; traceNames.has(name); n++) name = `${base}-${n}`;
      traceNames.add(name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${name}.ndjson`), ndjson);
    }
  }
  if (this.prompts.length) this.attach(JSON.stringify(this.prompts, null, 2), { mediaType: 'application/json', fileName: 'prompts.json' });
});
