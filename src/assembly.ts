import type { BindingInterface } from '@serialport/bindings-interface';
import type { FastifyInstance } from 'fastify';
import type { EmulatedReader, EmulatorBinding, ProfileName, SerialDevice, Stimulus } from '../simulator';
import type * as Simulator from '../simulator';
import type * as Eligibility from '../simulator/eligibility';
import { ReaderSupervisor } from './reader/supervisor';
import type { EligibilityService } from './reader/eligibility';
import type { OqsError } from './reader/errors';
import type { ReaderIdentity } from './protocol';
import { MemoryStore, type TerminalStore } from './reader/store';
import { ResultFiles, type ResultFileOptions } from './reader/result-files';
import { Terminal } from './reader/terminal';
import { buildServer, type EmulatorControls, type ServerOptions } from './server/app';
import type { Clock } from './time/clock';

// The emulator loads only when a product embeds it: a terminal on real ports starts without it and
// its dependencies (≈0.1 s of CPU per start, measured; the kill test starts the product 200 times).
/* eslint-disable @typescript-eslint/no-require-imports -- lazy on purpose, see above */
const simulator = (): typeof Simulator => require('../simulator') as typeof Simulator;
const eligibility = (): typeof Eligibility => require('../simulator/eligibility') as typeof Eligibility;
/* eslint-enable @typescript-eslint/no-require-imports */

/** One reader port the terminal is configured for: a tty path (or COM3) and the binding to open it. */
export interface ReaderPort {
  path: string;
  binding: BindingInterface;
}

/** How the link to each reader is kept: command timeout, heartbeat and reconnect backoff. */
export interface LinkPolicy {
  baudRate?: number;
  commandTimeoutMs?: number;
  /** Silence after which the reader is asked for its status (0 = never). Default 5 s. */
  heartbeatMs?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
}

export interface AssemblyOptions {
  clock: Clock;
  store: TerminalStore;
  /** The face-auth readers, in connection order. None present yet is fine: they are retried. */
  readers: ReaderPort[];
  /** 本人認証用カードリーダーソフト installed (default true); without it no reader is opened. */
  readerSoftwareInstalled?: boolean;
  /** 汎用カードリーダー beside the face-auth reader(s) (connection pattern). */
  generalReaders?: number;
  link?: LinkPolicy;
  /** Gets the terminal before any reader is attached, so nothing it publishes is missed. */
  observe?: (terminal: Terminal) => void;
  /** Each failed attempt to reach a reader, the first and then on every change of reason. */
  onReaderUnavailable?: (path: string, error: OqsError, attempt: number) => void;
  /** The HTTP API and screen (not listening yet); omit for a terminal driven in-process. */
  api?: Omit<ServerOptions, 'terminal'>;
  /** Result files for the レセコン, answered by `eligibility` (docs/result-files.md); omit for none. */
  results?: ResultFileOptions & { eligibility: EligibilityService; onError?: (e: OqsError) => void };
}

export interface Assembly {
  readonly clock: Clock;
  readonly terminal: Terminal;
  readonly supervisors: readonly ReaderSupervisor[];
  readonly app: FastifyInstance | null;
  /** The result-file writer, when `results` was given. */
  readonly results: ResultFiles | null;
  /** Resolves once every reader had its first attempt (attached or not); never rejects. */
  readonly firstAttempts: Promise<boolean[]>;
  close(): Promise<void>;
}

/**
 * The one composition: clock → store → terminal → one supervised connection per reader → API.
 * `oqs-reader start`, every cucumber target, certify and the benchmarks build the controller here
 * and nowhere else, so what the suite proves is what ships. A reader is only ever attached through
 * a ReaderSupervisor (reconnect, heartbeat): src/assembly.test.ts fails if anything else does it.
 */
export function assemble(opts: AssemblyOptions): Assembly {
  const { clock, store } = opts;
  const terminal = new Terminal({ clock, store, generalReaders: opts.generalReaders ?? 0, readerSoftwareInstalled: opts.readerSoftwareInstalled ?? true });
  opts.observe?.(terminal);
  const results = opts.results ? new ResultFiles(terminal, opts.results.eligibility, opts.results, opts.results.onError) : null;
  const link = opts.link ?? {};
  const supervisors = (terminal.readerSoftwareInstalled ? opts.readers : []).map(
    (r) =>
      new ReaderSupervisor({
        path: r.path,
        binding: r.binding,
        clock,
        terminal,
        baudRate: link.baudRate,
        commandTimeoutMs: link.commandTimeoutMs,
        heartbeatMs: link.heartbeatMs ?? 5_000,
        reconnectMinMs: link.reconnectMinMs,
        reconnectMaxMs: link.reconnectMaxMs,
        onAttemptFailed: opts.onReaderUnavailable,
      }),
  );
  // One after the other: connection order is the readers' order (1台目, 2台目).
  const firstAttempts = supervisors.reduce<Promise<boolean[]>>(async (done, s) => [...(await done), await s.start()], Promise.resolve([]));
  const app = opts.api ? buildServer({ ...opts.api, terminal }) : null;
  return {
    clock,
    terminal,
    supervisors,
    app,
    results,
    firstAttempts,
    async close() {
      await app?.close();
      await Promise.all(supervisors.map((s) => s.stop()));
      await results?.close();
      await terminal.close();
    },
  };
}

/** Emulated readers on one in-process binding: what `oqs-reader start` embeds without a port. */
export interface EmbeddedReaders {
  readonly binding: EmulatorBinding;
  readonly readers: EmulatedReader[];
  readonly ports: ReaderPort[];
  /** What the API's emulator panel may do: the patient's acts at reader 0. */
  readonly controls: EmulatorControls<typeof Stimulus>;
}

export function embeddedReaders(
  clock: Clock,
  count: number,
  /** What sits on the line in front of each reader (e.g. a PacedDevice for a slow line). */
  device: (reader: EmulatedReader, index: number) => SerialDevice = (r) => r,
  /** The readers' ACK waits: about the line, not the device (docs/emulator.md), so real time under start. */
  linkClock: Clock = clock,
): EmbeddedReaders {
  const { CARD_PROFILES, EmulatedReader, EmulatorBinding, EmulatorError, FACE_CONDITIONS, Stimulus, stimulusProblem } = simulator();
  const binding = new EmulatorBinding();
  const readers: EmulatedReader[] = [];
  const ports: ReaderPort[] = [];
  for (let i = 0; i < count; i++) {
    const reader = new EmulatedReader({ clock, linkClock, identity: { serial: `EMU-${String(i + 1).padStart(4, '0')}` } });
    const path = `/dev/ttyEMU${i}`;
    binding.addPort(path, device(reader, i));
    readers.push(reader);
    ports.push({ path, binding });
  }
  const first = readers[0];
  const controls: EmulatorControls<typeof Stimulus> = {
    profiles: () => (Object.keys(CARD_PROFILES) as ProfileName[]).map((name) => ({ name, label: CARD_PROFILES[name].label })),
    conditions: () => Object.entries(FACE_CONDITIONS).map(([name, c]) => ({ name, label: c.label })),
    stimulus: Stimulus,
    problem: stimulusProblem,
    stimulate: async (s) => {
      await first?.stimulate(s);
    },
    refusal: (e) => (e instanceof EmulatorError ? e : undefined),
  };
  return { binding, readers, ports, controls };
}

/** The emulated オンライン資格確認 (synthetic answers for the emulator's cards) beside the embedded emulator. */
export const emulatedEligibility = (clock: Clock): EligibilityService => new (eligibility().EmulatedEligibility)({ clock });

/**
 * Who is on `port`: the terminal's own connection (assembled, supervised, one attempt), asked for
 * the reader's identity and closed again. `oqs-reader certify` names its bundle after it.
 */
export async function identifyReader(port: ReaderPort, clock: Clock, link?: LinkPolicy): Promise<ReaderIdentity> {
  const a = assemble({ clock, store: new MemoryStore(), readers: [port], link: { ...link, heartbeatMs: 0 } });
  try {
    await a.firstAttempts;
    const s = a.supervisors[0]!;
    const identity = s.client?.identity;
    if (!identity) throw s.lastError ?? new Error(`no reader answered on ${port.path}`);
    return identity;
  } finally {
    await a.close();
  }
}
