import type { BindingInterface } from '@serialport/bindings-interface';
import { ReaderClient } from '../../src/reader/reader-client';
import type { TerminalStore } from '../../src/reader/store';
import { Terminal, type TerminalEvent } from '../../src/reader/terminal';
import { OffsetClock } from '../../src/time/clock';
import type { FaultRule } from '../../simulator/faults';
import { makePrompt, type Answer, type Answerer, type Prompt, type PromptArgs, type PromptId } from './prompts';
import type { Installation, Patient, Target } from './target';

export interface SerialTargetOptions {
  name: string;
  /** Device paths, one per face-auth reader the lab connects. */
  paths: string[];
  binding: BindingInterface;
  baudRate: number;
  commandTimeoutMs: number;
  /** Quiet time that ends a settle when the reader cannot say how many frames it sent. */
  settleMs: number;
  hands: Answerer;
  /** Frames reader `i` has sent so far, when whoever drives it can tell (emulator control). */
  framesOut?: (reader: number) => Promise<number>;
  /** Events reader `i` has not had ACKed yet, when it can tell: a settle waits for them too. */
  unacked?: (reader: number) => Promise<number>;
  /** Power-cycles the reader (an emulator behind the port). */
  reboot?: (reader: number) => Promise<void>;
  /** Arms a link fault (an emulator behind the port); real readers have none. */
  faults?: (reader: number, rule: FaultRule | 'clear') => Promise<void>;
  /** Called at the start of every scenario, before the ports open (emulator reset). */
  beforeScenario?: () => Promise<void>;
  onPrompt?: (prompt: Prompt, answer: Answer) => void;
}

/** Raised when the one who answers a prompt says it does not apply; the step reports skipped. */
export class PromptSkipped extends Error {
  constructor(readonly prompt: Prompt, readonly answer: Answer) {
    super(`${prompt.id} skipped by ${answer.by}${answer.note ? `: ${answer.note}` : ''}`);
  }
}

const REAL_WAIT_MS = 15_000;

/**
 * A terminal on real serial ports (a pty emulator or a vendor's reader) through serialport's
 * native binding. Physical acts go out as prompts; waiting is on real I/O, bounded, never a sleep
 * of fixed length when the far end can say how much it sent.
 */
export class SerialTarget implements Target {
  readonly name: string;
  readonly clock = new OffsetClock();
  private terminal: Terminal | null = null;
  private install: Installation | null = null;
  private store: TerminalStore | null = null;
  private readonly received = new Map<string, number>();
  private baseline: number[] = [];
  private lastFrameAt = Date.now();
  private waiters: Array<() => void> = [];

  constructor(private readonly opts: SerialTargetOptions) {
    this.name = opts.name;
  }

  async start(install: Installation, store: TerminalStore, observe: (t: Terminal) => void): Promise<Terminal> {
    if (install.faceReaders > this.opts.paths.length) {
      throw new Error(`this run has ${this.opts.paths.length} reader port(s); the scenario needs ${install.faceReaders}`);
    }
    this.install = install;
    this.store = store;
    await this.opts.beforeScenario?.();
    return this.connect(observe);
  }

  async restart(observe: (t: Terminal) => void): Promise<Terminal> {
    await this.terminal?.close();
    return this.connect(observe);
  }

  private async connect(observe: (t: Terminal) => void): Promise<Terminal> {
    const { install, store } = this;
    if (!install || !store) throw new Error('start() first');
    const terminal = new Terminal({ clock: this.clock, store, generalReaders: install.generalReaders, readerSoftwareInstalled: install.readerSoftwareInstalled });
    this.terminal = terminal;
    observe(terminal);
    terminal.on('event', (e: TerminalEvent) => this.count(e));
    if (!install.readerSoftwareInstalled) return terminal;
    for (let i = 0; i < install.faceReaders; i++) {
      const path = this.opts.paths[i]!;
      if (!this.received.has(path)) {
        this.received.set(path, 0);
        this.baseline[i] = this.opts.framesOut ? await this.opts.framesOut(i) : 0;
      }
      const client = await this.open(path);
      await terminal.attachReader(client);
    }
    return terminal;
  }

  /**
   * Opens a reader port. The last scenario's session may still be closing on a loaded machine, and
   * the port's exclusive lock goes with it: that one refusal is retried for a few seconds.
   */
  private async open(path: string): Promise<ReaderClient> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      try {
        return await ReaderClient.open({ path, binding: this.opts.binding, clock: this.clock, baudRate: this.opts.baudRate, commandTimeoutMs: this.opts.commandTimeoutMs });
      } catch (e) {
        if (!/Cannot lock port/.test((e as Error).message) || Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  private count(e: TerminalEvent): void {
    if (e.type !== 'frame' || e.frame.dir !== 'in') return;
    this.received.set(e.path, (this.received.get(e.path) ?? 0) + 1);
    this.lastFrameAt = Date.now();
    for (const w of this.waiters.splice(0)) w();
  }

  patient(index = 0): Patient {
    const act = (id: PromptId, args: Omit<PromptArgs, 'reader'> = {}) => this.physical(index, makePrompt(id, { reader: index, ...args }));
    return {
      placeCard: (profile) => act('PROMPT-CARD-PLACE', { profile: profile as PromptArgs['profile'] }),
      chooseMethod: (method) => act(method === 'face' ? 'PROMPT-METHOD-FACE' : 'PROMPT-METHOD-PIN'),
      presentFace: (condition) => act('PROMPT-FACE-PRESENT', { condition }),
      enterCorrectPin: () => act('PROMPT-PIN-CORRECT'),
      enterWrongPin: () => act('PROMPT-PIN-WRONG'),
      answerConsent: (choice) => act(choice === 'all' ? 'PROMPT-CONSENT-ALL' : 'PROMPT-CONSENT-INDIVIDUAL'),
      removeCard: () => act('PROMPT-CARD-REMOVE'),
    };
  }

  private async physical(reader: number, prompt: Prompt): Promise<void> {
    const answer = await this.opts.hands.answer(prompt);
    this.opts.onPrompt?.(prompt, answer);
    if (answer.verdict === 'SKIP') throw new PromptSkipped(prompt, answer);
    if (answer.verdict === 'FAIL') throw new Error(`${prompt.id} 「${prompt.text}」: FAIL (${answer.by}${answer.note ? `: ${answer.note}` : ''})`);
    await this.sync(reader, answer.framesOut);
  }

  async unplug(): Promise<void> {
    throw new Error('pulling a cable needs the in-process emulator; tag the scenario @in-process');
  }

  async replug(): Promise<void> {
    throw new Error('pulling a cable needs the in-process emulator; tag the scenario @in-process');
  }

  async reboot(reader: number): Promise<void> {
    if (!this.opts.reboot) throw new Error('a reboot on demand needs an emulator behind the port; tag the scenario @emulator-only');
    await this.opts.reboot(reader);
    await this.sync(reader);
  }

  async fault(reader: number, rule: FaultRule | 'clear'): Promise<void> {
    if (!this.opts.faults) throw new Error('fault injection needs an emulator behind the port; tag the scenario @emulator-only');
    await this.opts.faults(reader, rule);
  }

  setNow(ms: number): void {
    this.clock.set(ms);
  }

  async settle<T>(work: Promise<T>): Promise<T> {
    const value = await withTimeout(work, REAL_WAIT_MS, 'the terminal did not finish');
    const readers = this.terminal?.status().readers.length ?? 0;
    for (let i = 0; i < readers; i++) await this.sync(i);
    return value;
  }

  /** Waits until reader `i`'s frames have all arrived (exactly, if it can say how many). */
  private async sync(i: number, knownOut?: number): Promise<void> {
    const path = this.opts.paths[i];
    if (!path || !this.received.has(path)) return;
    const out = knownOut ?? (this.opts.framesOut ? await this.opts.framesOut(i) : undefined);
    if (out === undefined) return this.quiet();
    const deadline = Date.now() + REAL_WAIT_MS;
    for (;;) {
      const target = (knownOut ?? (this.opts.framesOut ? await this.opts.framesOut(i) : out)) - (this.baseline[i] ?? 0);
      while ((this.received.get(path) ?? 0) < target) {
        if (Date.now() > deadline) throw new Error(`reader ${i + 1} sent ${target} frames; ${this.received.get(path)} arrived within ${REAL_WAIT_MS} ms`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 50);
          this.waiters.push(() => (clearTimeout(t), resolve()));
        });
      }
      // A lost event is sent again on the reader's own timer: wait until nothing is outstanding.
      if (!this.opts.unacked || (await this.opts.unacked(i)) === 0) return;
      if (Date.now() > deadline) throw new Error(`reader ${i + 1} still has unacknowledged events after ${REAL_WAIT_MS} ms`);
      knownOut = undefined;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** No frame for settleMs: what a real reader that cannot count gets. */
  private async quiet(): Promise<void> {
    const deadline = Date.now() + REAL_WAIT_MS;
    while (Date.now() - this.lastFrameAt < this.opts.settleMs && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, Math.max(10, this.opts.settleMs - (Date.now() - this.lastFrameAt))));
    }
  }

  async stop(): Promise<void> {
    await this.terminal?.close();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
    }),
  ]);
}
