/**
 * A child process whose output lines are watched: wait for the line that says it is ready (or
 * listening), keep its last lines for diagnostics, stop it. The one helper for everything that
 * spawns `oqs-reader` (tests, the conformance suite's pty and product targets, the kill test,
 * the bench), so that "spawn, then wait for READY" is written once.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { splitLines } from './lines';

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Lines kept for waitFor() and diagnostics; a chatty child drops its oldest. */
const KEPT_LINES = 1000;

export class WatchedProcess {
  /** The lines it printed on every piped stream (stdout and stderr interleaved), oldest first. */
  readonly lines: string[] = [];
  readonly exited: Promise<ExitStatus>;
  exit: ExitStatus | null = null;
  /** Its exit and the end of its output ('close'; node's docs: at 'exit' its streams may still be open): only then has every line been seen. */
  private readonly closed: Promise<void>;
  private done = false;
  private readonly waiters = new Set<(line: string) => void>();

  /** Watches `proc`'s piped stdout and stderr (a stream set to 'inherit' or 'ignore' is not seen). */
  constructor(readonly proc: ChildProcess) {
    for (const stream of [proc.stdout, proc.stderr]) {
      if (!stream) continue;
      stream.setEncoding('utf8');
      stream.on(
        'data',
        splitLines((line) => this.onLine(line)),
      );
    }
    this.exited = new Promise((resolve) =>
      proc.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      }),
    );
    this.closed = new Promise((resolve) =>
      proc.once('close', () => {
        this.done = true;
        resolve();
      }),
    );
  }

  /** Spawns `command` (stdin ignored, stdout and stderr piped unless `options.stdio` says otherwise). */
  static spawn(command: string, args: string[], options: SpawnOptions = {}): WatchedProcess {
    return new WatchedProcess(spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options }));
  }

  /** This same node running `args` (a script and its arguments). */
  static node(args: string[], options: SpawnOptions = {}): WatchedProcess {
    return WatchedProcess.spawn(process.execPath, args, options);
  }

  /** The last 30 lines, for an error message. */
  get tail(): string[] {
    return this.lines.slice(-30);
  }

  private onLine(line: string): void {
    this.lines.push(line);
    if (this.lines.length > KEPT_LINES) this.lines.shift();
    for (const w of [...this.waiters]) w(line);
  }

  /**
   * The first line matching `re`, printed already or from now on; null once it has exited and its
   * output has ended (a line printed just before exit still counts), or after `timeoutMs`.
   */
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpExecArray | null> {
    for (const line of this.lines) {
      const m = re.exec(line);
      if (m) return Promise.resolve(m);
    }
    if (this.done) return Promise.resolve(null);
    return new Promise((resolve) => {
      const done = (m: RegExpExecArray | null) => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve(m);
      };
      const waiter = (line: string) => {
        const m = re.exec(line);
        if (m) done(m);
      };
      const timer = setTimeout(() => done(null), timeoutMs);
      this.waiters.add(waiter);
      void this.closed.then(() => done(null));
    });
  }

  /** As waitFor(), but an exit or a timeout is an error that says which, with the last lines. */
  async line(re: RegExp, timeoutMs: number, what = `a line matching ${re}`): Promise<RegExpExecArray> {
    const m = await this.waitFor(re, timeoutMs);
    if (m) return m;
    const why = this.exit ? `it exited (${this.exit.code ?? this.exit.signal}) first` : `not within ${timeoutMs} ms`;
    throw new Error(`${what}: ${why}${this.lines.length ? `; its last lines:\n${this.tail.join('\n')}` : ''}`);
  }

  /** Sends `signal` (unless it has exited) and waits for the exit. */
  async kill(signal: NodeJS.Signals): Promise<ExitStatus> {
    if (!this.exit) this.proc.kill(signal);
    return this.exited;
  }

  /** SIGTERM, then SIGKILL if it is still running after `graceMs`. */
  async stop(graceMs = 5000): Promise<ExitStatus> {
    if (this.exit) return this.exit;
    const force = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    force.unref();
    try {
      return await this.kill('SIGTERM');
    } finally {
      clearTimeout(force);
    }
  }
}
