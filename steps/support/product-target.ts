import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Mode, SCREENS, type ModeName, type ScreenName } from '../../src/protocol';
import type { Actor } from '../../src/reader/accounts';
import type { TerminalStore } from '../../src/reader/store';
import type { Terminal } from '../../src/reader/terminal';
import { OffsetClock } from '../../src/time/clock';
import { WatchedProcess } from '../../src/util/child-lines';
import type { FaultRule } from '../../simulator/faults';
import type { EmulatorProcess } from './emulator-process';
import type { ResultFileOptions } from '../../src/reader/result-files';
import { makePrompt, type Answer, type Prompt } from './prompts';
import { folderFiles } from './result-folder';
import { RemoteTerminal, type RemoteScreen } from './remote-terminal';
import { promptedPatient, type Installation, type Patient, type Target } from './target';

const BIN = join(__dirname, '..', '..', 'bin', 'oqs-reader.js');
const REAL_WAIT_MS = 10_000;

export interface ProductTargetOptions {
  /** The pty emulator whose readers the product opens, and through whose control channel patients act. */
  emulator: EmulatorProcess;
  commandTimeoutMs: number;
  onPrompt?: (prompt: Prompt, answer: Answer) => void;
}

/**
 * start's flags for the scenario's result folder (docs/result-files.md). The emulated eligibility
 * service answers although the readers are on ports: they are the pty emulator's, its cards are known.
 */
function resultFlags(results: ResultFileOptions | undefined): string[] {
  if (!results) return [];
  if (results.medicalInstitutionCode !== undefined) throw new Error('start has no flag for the MedicalInstitutionCode (the product profile cannot set it)');
  return [
    '--result-dir',
    results.dir,
    '--eligibility',
    'emulated',
    ...(results.characterCode ? ['--result-charset', results.characterCode] : []),
    ...(results.readerFailures === 'errorFile' ? ['--result-reader-failures', 'error-file'] : []),
  ];
}

/** The steps' view of a terminal, which the remote one must offer (checked by the compiler here). */
type Surface = Pick<Terminal, 'status' | 'alerts' | 'records' | 'modeChanges' | 'mode' | 'requireQualificationInquiry'>;
const asTerminal = (r: RemoteTerminal & Surface): Terminal => r as unknown as Terminal;

/**
 * The shipped process under test: every scenario starts a real `oqs-reader start` (compiled, as
 * `npm start` runs it) on the pty emulator's readers, with its own state directory. Staff act
 * through its HTTP API as the screen does; patients act through the emulator's control channel;
 * no controller object lives in the cucumber process.
 */
export class ProductTarget implements Target {
  readonly name = 'product';
  readonly clock = new OffsetClock();
  private install: Installation | null = null;
  private child: WatchedProcess | null = null;
  private remote: RemoteTerminal | null = null;
  private stateDir: string | null = null;
  private clockStart: number | undefined;
  private launches = 0;

  constructor(private readonly opts: ProductTargetOptions) {}

  private get emu(): EmulatorProcess {
    return this.opts.emulator;
  }

  async start(install: Installation, _store: TerminalStore, observe: (t: Terminal) => void): Promise<Terminal> {
    if (install.faceReaders > this.emu.paths.length)
      throw new Error(`this run has ${this.emu.paths.length} reader port(s); the scenario needs ${install.faceReaders}`);
    this.install = install;
    await this.emu.reset();
    for (const i of install.offAtStart ?? []) await this.emu.control.call('unplug', { reader: i });
    this.stateDir = mkdtempSync(join(tmpdir(), 'oqs-product-'));
    return this.launch(observe);
  }

  async restart(observe: (t: Terminal) => void): Promise<Terminal> {
    await this.halt();
    return this.launch(observe);
  }

  private async launch(observe: (t: Terminal) => void): Promise<Terminal> {
    const install = this.install!;
    const dir = this.stateDir!;
    const trace = join(dir, `trace-${++this.launches}.ndjson`);
    const adminPassword = 'suite-admin-password';
    const ports = install.readerSoftwareInstalled ? this.emu.paths.slice(0, install.faceReaders) : [];
    const args = [
      BIN,
      'start',
      '--port',
      '0',
      '--state-dir',
      dir,
      '--trace',
      trace,
      '--general-readers',
      String(install.generalReaders),
      '--command-timeout-ms',
      String(this.opts.commandTimeoutMs),
      ...(install.readerSoftwareInstalled ? [] : ['--no-reader-software']),
      ...(ports.length ? ports.flatMap((p) => ['--reader-port', p]) : ['--no-reader']),
      ...(this.clockStart === undefined ? [] : ['--clock-start', new Date(this.clockStart + (Date.now() - this.clockSetAt)).toISOString()]),
      ...resultFlags(install.results),
    ];
    const child = WatchedProcess.node(args, {
      env: { ...process.env, OQS_ADMIN_PASSWORD: adminPassword, LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.child = child;
    const url = (await child.line(/listening on (http:\/\/[^\s/]+)/, REAL_WAIT_MS, 'oqs-reader start listening'))[1]!;
    const remote = new RemoteTerminal({ url, adminPassword, trace, clock: this.clock, askReader: (path) => this.askReader(path) });
    this.remote = remote;
    observe(asTerminal(remote));
    await remote.connect();
    const expected = ports.filter((_, i) => !install.offAtStart?.includes(i)).length;
    await this.until(() => remote.status().readers.length >= expected, `${expected} reader(s) connected to the product`);
    return asTerminal(remote);
  }

  /** Refreshes the product's state until `ok` holds (real time, bounded). */
  private async until(ok: () => boolean, what: string): Promise<void> {
    const remote = this.remote!;
    const deadline = Date.now() + REAL_WAIT_MS;
    for (;;) {
      await remote.refresh();
      if (ok()) return;
      if (Date.now() > deadline) throw new Error(`not within ${REAL_WAIT_MS} ms: ${what}; status ${JSON.stringify(remote.status().alerts)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** The reader's own getStatus, asked of the emulator (what the reader itself says). */
  private async askReader(path: string): Promise<{ mode: number; screen: number; cardPresent: number; txId: number }> {
    const reader = this.emu.paths.indexOf(path);
    const s = (await this.emu.control.call('status', { reader })) as { mode: string; screen: string; cardPresent: boolean; txId: number };
    return { mode: Mode[s.mode as ModeName], screen: SCREENS[s.screen as ScreenName].id, cardPresent: s.cardPresent ? 1 : 0, txId: s.txId };
  }

  async screen(actor: Actor): Promise<RemoteScreen> {
    if (!this.remote) throw new Error('start() first');
    return this.remote.screen(actor);
  }

  patient(index = 0): Patient {
    return promptedPatient(async (id, args = {}) => {
      const prompt = makePrompt(id, { reader: index, ...args });
      await this.emu.perform(prompt);
      this.opts.onPrompt?.(prompt, { verdict: 'PASS', by: 'emulator' });
      await this.sync();
    });
  }

  /** What the product wrote into the scenario's result folder, as a レセコン finds it there. */
  async resultFiles(atLeast = 0): Promise<string[]> {
    const dir = this.install?.results?.dir;
    return dir ? folderFiles(dir, atLeast, REAL_WAIT_MS) : [];
  }

  readerPath(index: number): string | undefined {
    return this.emu.paths[index];
  }

  async unplug(reader: number): Promise<void> {
    await this.emu.control.call('unplug', { reader });
    const path = this.emu.paths[reader];
    await this.until(() => !this.remote!.status().readers.some((r) => r.path === path), `the product noticed reader ${reader + 1} was gone`);
  }

  async replug(reader: number, reboot = false): Promise<void> {
    await this.emu.control.call('replug', { reader, reboot });
    const path = this.emu.paths[reader];
    await this.until(() => this.remote!.status().readers.some((r) => r.path === path), `the product reconnected reader ${reader + 1}`);
    await this.sync();
  }

  /** No wall time is spent: the product keeps retrying on its own capped backoff meanwhile. */
  async pass(): Promise<void> {
    await this.sync();
  }

  async reboot(reader: number): Promise<void> {
    await this.emu.control.call('reboot', { reader });
    await this.sync();
  }

  async fault(reader: number, rule: FaultRule | 'clear'): Promise<void> {
    await this.emu.control.call('fault', rule === 'clear' ? { reader, clear: true } : { reader, ...rule });
  }

  private clockSetAt = 0;

  setNow(ms: number): void {
    if (this.child) throw new Error('「今日は…である」は端末が起動する前の前提です / the product profile sets the date when the product starts');
    this.clockStart = ms;
    this.clockSetAt = Date.now();
    this.clock.set(ms);
  }

  async settle<T>(work: Promise<T>): Promise<T> {
    const value = await work;
    await this.sync();
    return value;
  }

  /**
   * Until every event each reader sent is acknowledged (the product records before it ACKs), and
   * every event the product published has reached this process over its live stream.
   */
  private async sync(): Promise<void> {
    if (!this.remote) return;
    const readers = this.install?.readerSoftwareInstalled ? (this.install?.faceReaders ?? 0) : 0;
    const deadline = Date.now() + REAL_WAIT_MS;
    for (let i = 0; i < readers; i++) {
      while (((await this.emu.control.call('status', { reader: i })) as { unacked: number }).unacked > 0) {
        if (Date.now() > deadline) throw new Error(`reader ${i + 1} still has unacknowledged events after ${REAL_WAIT_MS} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    await this.remote.refresh();
  }

  private async halt(): Promise<void> {
    this.remote?.close();
    this.remote = null;
    const child = this.child;
    this.child = null;
    await child?.stop();
  }

  async stop(): Promise<void> {
    await this.halt();
    if (this.stateDir) rmSync(this.stateDir, { recursive: true, force: true });
  }
}
