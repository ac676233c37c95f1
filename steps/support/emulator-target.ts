import { EmulatedReader, EmulatorBinding } from '../../simulator';
import { PacedDevice } from '../../simulator/paced-device';
import { randomChunks, type PacingOptions } from '../../simulator/pacing';
import type { FaultRule } from '../../simulator/faults';
import { ReaderSupervisor } from '../../src/reader/supervisor';
import { Terminal } from '../../src/reader/terminal';
import type { TerminalStore } from '../../src/reader/store';
import { VirtualClock } from '../../src/time/virtual-clock';
import { makePrompt, type Answer, type Prompt, type PromptArgs, type PromptId } from './prompts';
import type { Installation, Patient, Target } from './target';

/** In-process: emulated readers on an EmulatorBinding, all device time on a VirtualClock. */
export class EmulatorTarget implements Target {
  readonly name = 'emulator';
  readonly clock = new VirtualClock(Date.UTC(2026, 10, 24, 0, 30));
  readonly binding = new EmulatorBinding();
  readonly readers: EmulatedReader[] = [];
  private install: Installation | null = null;
  private store: TerminalStore | null = null;
  private terminal: Terminal | null = null;
  private readonly supervisors: ReaderSupervisor[] = [];

  constructor(
    private readonly onPrompt: (prompt: Prompt, answer: Answer) => void = () => undefined,
    /** Line speed, adapter latency and fragmentation for the readers' bytes (profile emulator-paced). */
    private readonly pacing?: { baudRate?: number; latencyTimerMs?: number; maxChunk?: number; seed?: number },
    private readonly commandTimeoutMs = 3000,
  ) {}

  async start(install: Installation, store: TerminalStore, observe: (t: Terminal) => void): Promise<Terminal> {
    this.install = install;
    this.store = store;
    for (let i = 0; i < install.faceReaders; i++) {
      const reader = new EmulatedReader({ clock: this.clock, identity: { serial: `EMU-${String(i + 1).padStart(4, '0')}` } });
      this.readers.push(reader);
      const p = this.pacing;
      const opts: PacingOptions | undefined = p && { ...p, ...(p.maxChunk ? { fragment: randomChunks(p.maxChunk) } : {}) };
      this.binding.addPort(`/dev/ttyEMU${i}`, opts ? new PacedDevice(reader, this.clock, opts) : reader);
    }
    return this.connect(observe);
  }

  async restart(observe: (t: Terminal) => void): Promise<Terminal> {
    await this.terminal?.close();
    return this.connect(observe);
  }

  private async connect(observe: (t: Terminal) => void): Promise<Terminal> {
    const { install, store } = this;
    if (!install || !store) throw new Error('start() first');
    const terminal = new Terminal({
      clock: this.clock,
      store,
      generalReaders: install.generalReaders,
      readerSoftwareInstalled: install.readerSoftwareInstalled,
    });
    this.terminal = terminal;
    observe(terminal);
    await Promise.all(this.supervisors.splice(0).map((s) => s.stop()));
    if (install.readerSoftwareInstalled) {
      for (let i = 0; i < this.readers.length; i++) {
        // Supervised: an unplugged cable or a silent reader is noticed and reconnected.
        const supervisor = new ReaderSupervisor({ path: `/dev/ttyEMU${i}`, binding: this.binding, clock: this.clock, terminal, commandTimeoutMs: this.commandTimeoutMs, heartbeatMs: 5_000 });
        this.supervisors.push(supervisor);
        await this.settle(supervisor.start());
      }
    }
    return terminal;
  }

  patient(index = 0): Patient {
    const reader = this.readers[index];
    if (!reader) throw new Error(`no emulated reader #${index + 1}`);
    // The same prompt IDs as on hardware, answered by the emulator itself.
    const act = (id: PromptId, args: Omit<PromptArgs, 'reader'>, fn: () => void | Promise<void>) => {
      this.onPrompt(makePrompt(id, { reader: index, ...args }), { verdict: 'PASS', by: 'emulator' });
      return this.settle(Promise.resolve().then(fn));
    };
    return {
      placeCard: (profile) => act('PROMPT-CARD-PLACE', { profile: profile as PromptArgs['profile'] }, () => reader.placeCard(profile)),
      chooseMethod: (method) => act(method === 'face' ? 'PROMPT-METHOD-FACE' : 'PROMPT-METHOD-PIN', {}, () => reader.chooseMethod(method)),
      presentFace: (condition) => act('PROMPT-FACE-PRESENT', { condition }, () => reader.presentFace(condition)),
      enterCorrectPin: () => act('PROMPT-PIN-CORRECT', {}, () => reader.enterCorrectPin()),
      enterWrongPin: () => act('PROMPT-PIN-WRONG', {}, () => reader.enterWrongPin()),
      answerConsent: (choice) => act(choice === 'all' ? 'PROMPT-CONSENT-ALL' : 'PROMPT-CONSENT-INDIVIDUAL', {}, () => reader.answerConsent(choice)),
      removeCard: () => act('PROMPT-CARD-REMOVE', {}, () => reader.removeCard()),
    };
  }

  async unplug(index: number): Promise<void> {
    await this.settle(Promise.resolve().then(() => this.binding.unplug(`/dev/ttyEMU${index}`)));
  }

  async replug(index: number): Promise<void> {
    this.binding.replug(`/dev/ttyEMU${index}`);
    // The supervisor's next attempt is a background timer: let time pass until it is back.
    const s = this.supervisors[index];
    await this.settle(
      (async () => {
        while (s && s.state !== 'connected') await this.clock.sleep('wait for reconnect', 100);
      })(),
    );
  }

  async reboot(index: number): Promise<void> {
    const reader = this.readers[index];
    if (!reader) throw new Error(`no emulated reader #${index + 1}`);
    await this.settle(Promise.resolve().then(() => reader.reboot()));
  }

  async fault(index: number, rule: FaultRule | 'clear'): Promise<void> {
    const reader = this.readers[index];
    if (!reader) throw new Error(`no emulated reader #${index + 1}`);
    if (rule === 'clear') reader.link.faults.clear();
    else reader.link.faults.arm(rule);
  }

  setNow(ms: number): void {
    this.clock.set(ms);
  }

  async settle<T>(work: Promise<T>): Promise<T> {
    const value = await this.clock.resolve(work);
    await this.clock.runUntilIdle();
    return value;
  }

  async stop(): Promise<void> {
    await Promise.all(this.supervisors.splice(0).map((s) => s.stop()));
    await this.terminal?.close();
  }
}
