import type { BindingInterface } from '@serialport/bindings-interface';
import type { TerminalStore } from '../../src/reader/store';
import type { Terminal, TerminalEvent } from '../../src/reader/terminal';
import { OffsetClock } from '../../src/time/clock';
import type { FaultRule } from '../../simulator/faults';
import { AssembledTarget } from './assembled-target';
import { makePrompt, type Answer, type Answerer, type Prompt, type PromptId } from './prompts';
import { promptedPatient, type Installation, type Patient, type Target } from './target';

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
  /** Takes the reader's line away / gives it back on the same path (an emulator behind the port). */
  unplug?: (reader: number) => Promise<void>;
  replug?: (reader: number, reboot: boolean) => Promise<void>;
  /** Arms a link fault (an emulator behind the port); real readers have none. */
  faults?: (reader: number, rule: FaultRule | 'clear') => Promise<void>;
  /** Called at the start of every scenario, before the ports open (emulator reset). */
  beforeScenario?: () => Promise<void>;
  onPrompt?: (prompt: Prompt, answer: Answer) => void;
}

/** Raised when the one who answers a prompt says it does not apply; the step reports skipped. */
export class PromptSkipped extends Error {
  constructor(
    readonly prompt: Prompt,
    readonly answer: Answer,
  ) {
    super(`${prompt.id} skipped by ${answer.by}${answer.note ? `: ${answer.note}` : ''}`);
  }
}

const REAL_WAIT_MS = 15_000;
/** Within cucumber's step timeout, so the reason is what gets reported. */
const RECONNECT_WAIT_MS = 10_000;

/**
 * A terminal on real serial ports (a pty emulator or a vendor's reader) through serialport's
 * native binding. Physical acts go out as prompts; waiting is on real I/O, bounded, never a sleep
 * of fixed length when the far end can say how much it sent.
 */
export class SerialTarget extends AssembledTarget implements Target {
  readonly name: string;
  readonly clock = new OffsetClock();
  private terminal: Terminal | null = null;
  private readonly received = new Map<string, number>();
  private baseline: number[] = [];
  private lastFrameAt = Date.now();
  private waiters: Array<() => void> = [];

  constructor(private readonly opts: SerialTargetOptions) {
    super();
    this.name = opts.name;
  }

  async start(install: Installation, store: TerminalStore, observe: (t: Terminal) => void): Promise<Terminal> {
    if (install.faceReaders > this.opts.paths.length) {
      throw new Error(`this run has ${this.opts.paths.length} reader port(s); the scenario needs ${install.faceReaders}`);
    }
    this.install = install;
    this.store = store;
    await this.opts.beforeScenario?.();
    for (const i of install.offAtStart ?? []) await this.lineAct(i, 'PROMPT-POWER-OFF', () => this.opts.unplug?.(i));
    return this.connect(observe);
  }

  /** The controller as the product builds it (src/assembly.ts), on the real ports. */
  protected async connect(observe: (t: Terminal) => void): Promise<Terminal> {
    const { install } = this.installed();
    const paths = this.opts.paths.slice(0, install.readerSoftwareInstalled ? install.faceReaders : 0);
    for (const [i, path] of paths.entries()) {
      if (this.received.has(path)) continue;
      this.received.set(path, 0);
      this.baseline[i] = this.opts.framesOut ? await this.opts.framesOut(i) : 0;
    }
    const assembly = this.build({
      readers: paths.map((path) => ({ path, binding: this.opts.binding })),
      link: { baudRate: this.opts.baudRate, commandTimeoutMs: this.opts.commandTimeoutMs, reconnectMaxMs: 1_000 },
      observe: (t) => {
        this.terminal = t;
        observe(t);
        t.on('event', (e: TerminalEvent) => this.count(e));
      },
    });
    await assembly.firstAttempts;
    // The last scenario's port may still be closing on a loaded machine (its exclusive lock goes
    // with it): the supervisor retries, and the scenario waits for every reader it expects.
    for (let i = 0; i < paths.length; i++) if (!install.offAtStart?.includes(i)) await this.reconnected(i);
    return assembly.terminal;
  }

  /** Waits (real time, bounded) until reader `i` is attached again. */
  async reconnected(i: number): Promise<void> {
    const s = this.assembly?.supervisors[i];
    if (!s) return;
    await withTimeout(s.until('connected'), RECONNECT_WAIT_MS, `reader ${i + 1} (${s.path}) was not connected`).catch((e: Error) => {
      throw new Error(`${e.message}; state ${s.state}, last error: ${s.lastError?.message ?? 'none'}`);
    });
  }

  private count(e: TerminalEvent): void {
    if (e.type !== 'frame' || e.frame.dir !== 'in') return;
    this.received.set(e.path, (this.received.get(e.path) ?? 0) + 1);
    this.lastFrameAt = Date.now();
    for (const w of this.waiters.splice(0)) w();
  }

  patient(index = 0): Patient {
    return promptedPatient((id, args = {}) => this.physical(index, makePrompt(id, { reader: index, ...args })));
  }

  private async physical(reader: number, prompt: Prompt, sync = true): Promise<void> {
    const answer = await this.opts.hands.answer(prompt);
    this.opts.onPrompt?.(prompt, answer);
    if (answer.verdict === 'SKIP') throw new PromptSkipped(prompt, answer);
    if (answer.verdict === 'FAIL') throw new Error(`${prompt.id} 「${prompt.text}」: FAIL (${answer.by}${answer.note ? `: ${answer.note}` : ''})`);
    if (sync) await this.sync(reader, answer.framesOut);
  }

  /**
   * A cable or the power: done by the emulator behind the port when there is one, else asked of
   * whoever answers prompts (a person, or a robot such as a switchable USB hub).
   */
  private async lineAct(reader: number, id: PromptId, emulator: () => Promise<void> | undefined): Promise<void> {
    if (this.opts.unplug) await emulator();
    else await this.physical(reader, makePrompt(id, { reader }), false);
  }

  async unplug(reader: number, powerOff = false): Promise<void> {
    await this.lineAct(reader, powerOff ? 'PROMPT-POWER-OFF' : 'PROMPT-CABLE-UNPLUG', () => this.opts.unplug?.(reader));
    const s = this.assembly?.supervisors[reader];
    // The controller notices at once (the pty's end reads EIO) or at its next heartbeat.
    if (s) await withTimeout(s.until('disconnected'), REAL_WAIT_MS, `the controller did not notice reader ${reader + 1} was gone`);
  }

  readerPath(index: number): string | undefined {
    return this.opts.paths[index];
  }

  async pass(_ms: number): Promise<void> {
    for (const s of this.assembly?.supervisors ?? []) {
      if (s.state === 'connected') continue;
      const tried = s.reconnects;
      await withTimeout(
        (async () => {
          while (s.reconnects === tried) await new Promise((r) => setTimeout(r, 20));
        })(),
        REAL_WAIT_MS,
        `the terminal made no reconnect attempt for ${s.path}`,
      );
    }
  }

  async replug(reader: number, reboot = false): Promise<void> {
    await this.lineAct(reader, reboot ? 'PROMPT-POWER-ON' : 'PROMPT-CABLE-REPLUG', () => this.opts.replug?.(reader, reboot));
    await this.reconnected(reader);
    await this.rebase(reader);
  }

  /**
   * After a reader was away, frames it sent into a line nobody had open never arrive: once it has
   * sent again everything unACKed, count from what it says it sent now.
   */
  private async rebase(i: number): Promise<void> {
    const path = this.opts.paths[i]!;
    const deadline = Date.now() + REAL_WAIT_MS;
    // A reader that cannot say what it still holds (a real one, or a robot's): what it sends on
    // reattach (a cancelled check's outcome and screen) must have arrived before counting anew.
    if (!this.opts.unacked) await this.quiet();
    while (this.opts.unacked && (await this.opts.unacked(i)) > 0) {
      if (Date.now() > deadline) throw new Error(`reader ${i + 1} still has unacknowledged events after it came back`);
      await new Promise((r) => setTimeout(r, 10));
    }
    if (this.opts.framesOut) this.baseline[i] = (await this.opts.framesOut(i)) - (this.received.get(path) ?? 0);
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
    await this.assembly?.results?.idle();
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
