import { EmulatedReader, EmulatorBinding } from '../../simulator';
import { ReaderClient } from '../../src/reader/reader-client';
import { Terminal } from '../../src/reader/terminal';
import type { TerminalStore } from '../../src/reader/store';
import { VirtualClock } from '../../src/time/virtual-clock';
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

  async start(install: Installation, store: TerminalStore): Promise<Terminal> {
    this.install = install;
    this.store = store;
    for (let i = 0; i < install.faceReaders; i++) {
      const reader = new EmulatedReader({ clock: this.clock, identity: { serial: `EMU-${String(i + 1).padStart(4, '0')}` } });
      this.readers.push(reader);
      this.binding.addPort(`/dev/ttyEMU${i}`, reader);
    }
    return this.connect();
  }

  async restart(): Promise<Terminal> {
    await this.terminal?.close();
    return this.connect();
  }

  private async connect(): Promise<Terminal> {
    const { install, store } = this;
    if (!install || !store) throw new Error('start() first');
    const terminal = new Terminal({
      clock: this.clock,
      store,
      generalReaders: install.generalReaders,
      readerSoftwareInstalled: install.readerSoftwareInstalled,
    });
    this.terminal = terminal;
    if (install.readerSoftwareInstalled) {
      for (let i = 0; i < this.readers.length; i++) {
        const client = await this.settle(ReaderClient.open({ path: `/dev/ttyEMU${i}`, binding: this.binding, clock: this.clock }));
        await this.settle(terminal.attachReader(client));
      }
    }
    return terminal;
  }

  patient(index = 0): Patient {
    const reader = this.readers[index];
    if (!reader) throw new Error(`no emulated reader #${index + 1}`);
    const act = (fn: () => void | Promise<void>) => this.settle(Promise.resolve().then(fn));
    return {
      placeCard: (profile) => act(() => reader.placeCard(profile)),
      chooseMethod: (method) => act(() => reader.chooseMethod(method)),
      presentFace: (condition) => act(() => reader.presentFace(condition)),
      enterCorrectPin: () => act(() => reader.enterCorrectPin()),
      enterWrongPin: () => act(() => reader.enterWrongPin()),
      answerConsent: (choice) => act(() => reader.answerConsent(choice)),
      removeCard: () => act(() => reader.removeCard()),
    };
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
    await this.terminal?.close();
  }
}
