import type { Terminal } from '../../src/reader/terminal';
import type { Clock } from '../../src/time/clock';
import type { FaultRule } from '../../simulator/faults';
import type { TerminalStore } from '../../src/reader/store';

/** What the suite needs the terminal to be connected to. */
export interface Installation {
  faceReaders: number;
  generalReaders: number;
  readerSoftwareInstalled: boolean;
}

/** What a patient does at a reader. On an emulator the target does it; on hardware a person. */
export interface Patient {
  placeCard(profile: string): Promise<void>;
  chooseMethod(method: 'face' | 'pin'): Promise<void>;
  presentFace(condition?: string): Promise<void>;
  enterCorrectPin(): Promise<void>;
  enterWrongPin(): Promise<void>;
  answerConsent(choice: 'all' | 'individual'): Promise<void>;
  removeCard(): Promise<void>;
}

/**
 * Where the scenarios run. Steps talk to this and to the Terminal only, and never ask which
 * target it is: a step that needs the emulator says so with a tag.
 */
export interface Target {
  readonly name: string;
  /** The clock the terminal runs on (virtual on the emulator, wall time on serial targets). */
  readonly clock: Clock;
  /**
   * Brings up a terminal with readers attached as `install` says, over `store`; `observe` gets
   * the terminal before any reader is attached, so nothing it publishes is missed.
   */
  start(install: Installation, store: TerminalStore, observe: (t: Terminal) => void): Promise<Terminal>;
  /** The terminal process restarts: same store, same readers, fresh controller. */
  restart(observe: (t: Terminal) => void): Promise<Terminal>;
  patient(reader?: number): Patient;
  /** Pulls / plugs back reader `reader`'s cable, or power-cycles it (emulator only). */
  unplug(reader: number): Promise<void>;
  replug(reader: number): Promise<void>;
  reboot(reader: number): Promise<void>;
  /** Arms a link fault on reader `reader` (emulator only; simulator/faults.ts). */
  fault(reader: number, rule: FaultRule | 'clear'): Promise<void>;
  /** Wall time the terminal sees, for "today is …" steps. */
  setNow(ms: number): void;
  /** Waits for `work` while letting device time pass as needed. */
  settle<T>(work: Promise<T>): Promise<T>;
  stop(): Promise<void>;
}
