import { After, Before, setDefaultTimeout, setWorldConstructor, World, type IWorldOptions } from '@cucumber/cucumber';
import type { Actor } from '../../src/reader/accounts';
import { OqsError } from '../../src/reader/errors';
import { OperationScreen } from '../../src/reader/operation-screen';
import { MemoryStore } from '../../src/reader/store';
import type { Terminal, TerminalEvent } from '../../src/reader/terminal';
import { screenById, type ScreenName } from '../../src/protocol';
import { EmulatorTarget } from './emulator-target';
import type { Installation, Target } from './target';

export interface WorldParameters {
  target?: 'emulator';
}

const TARGETS: Record<string, () => Target> = {
  emulator: () => new EmulatorTarget(),
};

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

  constructor(options: IWorldOptions<WorldParameters>) {
    super(options);
    const make = TARGETS[options.parameters.target ?? 'emulator'];
    if (!make) throw new Error(`unknown target "${options.parameters.target}"; expected one of ${Object.keys(TARGETS).join(', ')}`);
    this.target = make();
  }

  /** The terminal, brought up on first use so "given" steps can shape the installation first. */
  async terminal(): Promise<Terminal> {
    if (!this.term) this.observe(await this.target.start(this.install, this.store));
    return this.term!;
  }

  async restartTerminal(): Promise<Terminal> {
    await this.terminal();
    this.opScreen = null;
    this.observe(await this.target.restart());
    return this.term!;
  }

  private observe(t: Terminal): void {
    this.term = t;
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
  async screen(): Promise<OperationScreen> {
    if (!this.opScreen) {
      const t = await this.terminal();
      if (!this.actor) throw new Error('no account is logged in: add a step such as 「管理者アカウントでログインしている」');
      this.opScreen = new OperationScreen(t, this.actor);
    }
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
  async click(fn: (s: OperationScreen) => Promise<void> | void): Promise<void> {
    const s = await this.screen();
    await this.target.settle(Promise.resolve(fn(s)));
    this.error = s.error;
  }

  /** Screens reader #`reader` (0-based, in connection order) has shown so far. */
  screensOf(reader = 0): ScreenName[] {
    const path = this.term?.status().readers[reader]?.path;
    return path ? (this.screens.get(path) ?? []) : [];
  }
}

setWorldConstructor(ReaderWorld);
// Device time is virtual on the emulator; this bounds real time only.
setDefaultTimeout(15_000);

Before(function (this: ReaderWorld) {
  this.error = null;
});

After(async function (this: ReaderWorld) {
  await this.target.stop();
});
