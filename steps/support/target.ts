import type { Terminal } from '../../src/reader/terminal';
import type { Clock } from '../../src/time/clock';
import type { FaultRule } from '../../simulator/faults';
import type { TerminalStore } from '../../src/reader/store';
import type { PromptArgs, PromptId } from './prompts';
import type { Actor } from '../../src/reader/accounts';
import type { OperationScreen } from '../../src/reader/operation-screen';
import type { ResultFileOptions } from '../../src/reader/result-files';

/** What the steps do on 《顔認証付きカードリーダー操作》: OperationScreen, or the product's served one. */
export type ScreenSurface = Pick<
  OperationScreen,
  'buttons' | 'dialog' | 'error' | 'dateText' | 'visuallyConfirmed' | 'clickMode' | 'clickOk' | 'clickCancel' | 'setDate' | 'setVisuallyConfirmed'
>;

/** What the suite needs the terminal to be connected to. */
export interface Installation {
  faceReaders: number;
  generalReaders: number;
  readerSoftwareInstalled: boolean;
  /** Readers (0-based) switched off when the terminal starts: they appear later. */
  offAtStart?: number[];
  /** Result files for the レセコン into this folder, answered by the emulated eligibility service. */
  results?: ResultFileOptions;
}

/** A patient each of whose acts is a prompt (its ID and arguments), done by `act`. */
export function promptedPatient(act: (id: PromptId, args?: Omit<PromptArgs, 'reader'>) => Promise<void>): Patient {
  return {
    placeCard: (profile) => act('PROMPT-CARD-PLACE', { profile: profile as PromptArgs['profile'] }),
    chooseMethod: (method) => act(method === 'face' ? 'PROMPT-METHOD-FACE' : 'PROMPT-METHOD-PIN'),
    presentFace: (condition) => act('PROMPT-FACE-PRESENT', { condition }),
    enterCorrectPin: () => act('PROMPT-PIN-CORRECT'),
    enterWrongPin: () => act('PROMPT-PIN-WRONG'),
    answerConsent: (choice) => act(choice === 'all' ? 'PROMPT-CONSENT-ALL' : 'PROMPT-CONSENT-INDIVIDUAL'),
    removeCard: () => act('PROMPT-CARD-REMOVE'),
    chooseVisualCheck: () => act('PROMPT-VISUAL-CHOOSE'),
    enterFacilityPassword: (right) => act(right ? 'PROMPT-VISUAL-PASSWORD-RIGHT' : 'PROMPT-VISUAL-PASSWORD-WRONG'),
    confirmVisually: () => act('PROMPT-VISUAL-CONFIRM'),
  };
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
  /** Staff at the reader (reader-side 目視確認): choose it, type the suite's right or a wrong password, confirm. */
  chooseVisualCheck(): Promise<void>;
  enterFacilityPassword(right: boolean): Promise<void>;
  confirmVisually(): Promise<void>;
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
  /**
   * The operation screen for `actor` when the terminal is not in this process (product profile:
   * the screen the product serves); in-process targets leave it out and the world makes one.
   */
  screen?(actor: Actor): Promise<ScreenSurface>;
  /** The port of reader `reader` (0-based, as installed: 1台目 = 0), whether connected now or not. */
  readerPath(reader: number): string | undefined;
  /**
   * Pulls reader `reader`'s cable (or switches it off): its port goes away. `replug` gives it back
   * on the same path, after a power-on boot if `reboot`; it resolves once the terminal has
   * reconnected. Needs an emulator behind the port (in-process, or the pty emulator's control).
   */
  unplug(reader: number, powerOff?: boolean): Promise<void>;
  replug(reader: number, reboot?: boolean): Promise<void>;
  /**
   * Lets `ms` of the terminal's time pass. On the virtual clock exactly; on real-time targets no
   * wall time is spent beyond what the terminal needs to make one more reconnect attempt for each
   * reader that is away (its backoff is capped, so longer absence changes nothing it does).
   */
  pass(ms: number): Promise<void>;
  reboot(reader: number): Promise<void>;
  /** Arms a link fault on reader `reader` (emulator only; simulator/faults.ts). */
  fault(reader: number, rule: FaultRule | 'clear'): Promise<void>;
  /** Wall time the terminal sees, for "today is …" steps. */
  setNow(ms: number): void;
  /**
   * The result files written so far, oldest first. A target whose controller is another process
   * reads its folder and waits (real time, bounded) until at least `atLeast` are there, none half-written.
   */
  resultFiles?(atLeast?: number): string[] | Promise<string[]>;
  /** Waits for `work` while letting device time pass as needed. */
  settle<T>(work: Promise<T>): Promise<T>;
  stop(): Promise<void>;
}
