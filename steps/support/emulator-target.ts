import type { EmulatedReader, EmulatorBinding } from '../../simulator';
import { PacedDevice } from '../../simulator/paced-device';
import { randomChunks, type PacingOptions } from '../../simulator/pacing';
import type { FaultRule } from '../../simulator/faults';
import { embeddedReaders, type ReaderPort } from '../../src/assembly';
import type { Terminal } from '../../src/reader/terminal';
import type { TerminalStore } from '../../src/reader/store';
import { VirtualClock } from '../../src/time/virtual-clock';
import { AssembledTarget } from './assembled-target';
import { stimulusFor } from './emulator-process';
import { makePrompt, type Answer, type Prompt } from './prompts';
import { promptedPatient, type Installation, type Patient, type Target } from './target';

/** In-process: emulated readers on an EmulatorBinding, all device time on a VirtualClock. */
export class EmulatorTarget extends AssembledTarget implements Target {
  readonly name = 'emulator';
  readonly clock = new VirtualClock(Date.UTC(2026, 10, 24, 0, 30));
  binding: EmulatorBinding | null = null;
  readers: EmulatedReader[] = [];
  private ports: ReaderPort[] = [];

  constructor(
    private readonly onPrompt: (prompt: Prompt, answer: Answer) => void = () => undefined,
    /** Line speed, adapter latency and fragmentation for the readers' bytes (profile emulator-paced). */
    private readonly pacing?: { baudRate?: number; latencyTimerMs?: number; maxChunk?: number; seed?: number },
    private readonly commandTimeoutMs = 3000,
  ) {
    super();
  }

  async start(install: Installation, store: TerminalStore, observe: (t: Terminal) => void): Promise<Terminal> {
    this.install = install;
    this.store = store;
    const p = this.pacing;
    const pacing: PacingOptions | undefined = p && { ...p, ...(p.maxChunk ? { fragment: randomChunks(p.maxChunk) } : {}) };
    const embedded = embeddedReaders(this.clock, install.faceReaders, (reader) => (pacing ? new PacedDevice(reader, this.clock, pacing) : reader));
    this.binding = embedded.binding;
    this.readers = embedded.readers;
    this.ports = embedded.ports;
    for (const i of install.offAtStart ?? []) this.binding.unplug(this.port(i));
    return this.connect(observe);
  }

  /** The controller as the product builds it (src/assembly.ts), on the virtual clock. */
  protected async connect(observe: (t: Terminal) => void): Promise<Terminal> {
    const assembly = this.build({ readers: this.ports, link: { commandTimeoutMs: this.commandTimeoutMs }, observe });
    await this.settle(assembly.firstAttempts);
    return assembly.terminal;
  }

  patient(index = 0): Patient {
    const reader = this.readers[index];
    if (!reader) throw new Error(`no emulated reader #${index + 1}`);
    // The same prompt IDs as on hardware, answered by the emulator itself with the stimulus the
    // pty profile sends for them (simulator/stimulus.ts).
    return promptedPatient((id, args = {}) => {
      const prompt = makePrompt(id, { reader: index, ...args });
      this.onPrompt(prompt, { verdict: 'PASS', by: 'emulator' });
      const s = stimulusFor(prompt);
      if ('op' in s) throw new Error(`${id} is not a patient's act`);
      return this.settle(Promise.resolve().then(() => reader.stimulate(s)));
    });
  }

  readerPath(index: number): string | undefined {
    return this.ports[index]?.path;
  }

  private port(index: number): string {
    const port = this.ports[index];
    if (!port || !this.binding) throw new Error(`no emulated reader #${index + 1}`);
    return port.path;
  }

  async unplug(index: number): Promise<void> {
    const path = this.port(index);
    await this.settle(Promise.resolve().then(() => this.binding!.unplug(path)));
  }

  async replug(index: number, reboot = false): Promise<void> {
    // Switched off meanwhile: it boots afresh when the power comes back.
    if (reboot) this.readers[index]!.reboot();
    this.binding!.replug(this.port(index));
    await this.reconnected(index);
  }

  /** The supervisor's next attempt is a background timer: let device time pass until it is back. */
  async reconnected(index: number): Promise<void> {
    const s = this.assembly?.supervisors[index];
    if (s) await this.settle(this.clock.resolve(s.until('connected')));
  }

  /** Lets `ms` of device time pass (a reader switched off for a minute). */
  async pass(ms: number): Promise<void> {
    await this.clock.advance(ms);
    await this.clock.runUntilIdle();
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
    await this.assembly?.results?.idle();
    return value;
  }
}
