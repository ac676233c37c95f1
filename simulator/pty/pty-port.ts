import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';

export interface PtyPortOptions {
  /** Also make this path a symlink to the slave (a stale symlink there is replaced). */
  link?: string;
  /** The python interpreter; default `python3` from PATH. */
  python?: string;
  /** Diagnostics the bridge writes after the slave path (one line each). */
  onLog?: (line: string) => void;
  /** Called when the bridge ends without close() having been asked for. */
  onUnexpectedExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
  /** How long open() waits for the bridge to report its slave path (real ms). */
  openTimeoutMs?: number;
  /** Whose rules apply (default process.platform; tests inject 'win32'). */
  platform?: NodeJS.Platform;
}

const BRIDGE = join(__dirname, 'pty_bridge.py');

/**
 * The device side of one pseudo-terminal: spawns `pty_bridge.py`, whose slave a controller opens
 * like a serial port. `write()` sends the device's bytes to the controller; `onData` receives
 * what the controller wrote. Connect it to a SerialDevice (an EmulatedReader):
 *
 *   port.onData = (b) => reader.feed(b);  reader.connect((b) => port.write(b));
 *
 * The bridge runs in its own session (a Ctrl-C at the terminal reaches only this process, which
 * decides when to close) and exits when its stdin closes, so it dies with this process even on
 * SIGKILL.
 */
export class PtyPort {
  onData: ((bytes: Buffer) => void) | null = null;
  private child: ChildProcessWithoutNullStreams | null = null;
  private slavePath: string | null = null;
  private closing: Promise<void> | null = null;
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly opts: PtyPortOptions = {}) {}

  /** The slave path (`/dev/pts/N`) once open. */
  get path(): string | null {
    return this.slavePath;
  }

  get link(): string | undefined {
    return this.opts.link;
  }

  /** The bridge's process id while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get isOpen(): boolean {
    return this.child !== null && this.closing === null;
  }

  /** Starts the bridge; resolves with the slave path once the pty (and its link) exist. */
  open(): Promise<string> {
    if (this.child) return Promise.reject(new Error('PtyPort is already open'));
    if ((this.opts.platform ?? process.platform) === 'win32') {
      const why =
        'Windows has no pseudo-terminals: run `oqs-reader emulate` on Linux or macOS, use the embedded emulated reader (`oqs-reader start` without --reader-port), or a virtual COM port pair (com0com)';
      return Promise.reject(Object.assign(new Error(why), { code: 'EMU_ERR_PTY' }));
    }
    const args = [BRIDGE, ...(this.opts.link ? ['--link', this.opts.link] : [])];
    const child = spawn(this.opts.python ?? 'python3', args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('close', () => resolve()));
    child.stdin.on('error', () => undefined); // EPIPE once the bridge is gone; 'exit' reports it
    child.stdout.on('data', (bytes: Buffer) => this.onData?.(bytes));

    return new Promise<string>((resolve, reject) => {
      let stderr = '';
      let ready = false;
      const fail = (err: Error) => {
        if (ready) return;
        ready = true;
        clearTimeout(timer);
        this.child = null;
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        reject(err);
      };
      const timer = setTimeout(
        () => fail(new Error(`pty bridge did not report its slave path within ${this.opts.openTimeoutMs ?? 10_000} ms`)),
        this.opts.openTimeoutMs ?? 10_000,
      );
      child.once('error', (err: NodeJS.ErrnoException) =>
        fail(
          Object.assign(new Error(`cannot start the pty bridge (${this.opts.python ?? 'python3'}): ${err.message}`), {
            code: err.code ?? 'EMU_ERR_PTY',
          }),
        ),
      );
      child.once('exit', (code, signal) => {
        if (!ready) {
          const why = stderr.trim() || `exit ${code ?? signal}`;
          fail(Object.assign(new Error(`pty bridge ended before it was ready: ${why}`), { code: 'EMU_ERR_PTY' }));
        } else if (!this.closing) {
          this.child = null;
          this.opts.onUnexpectedExit?.(code, signal);
        }
      });
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (text: string) => {
        stderr += text;
        let nl: number;
        while ((nl = stderr.indexOf('\n')) >= 0) {
          const line = stderr.slice(0, nl);
          stderr = stderr.slice(nl + 1);
          if (!ready) {
            ready = true;
            clearTimeout(timer);
            this.slavePath = line;
            resolve(line);
          } else {
            this.opts.onLog?.(line);
          }
        }
      });
    });
  }

  /** Bytes from the device to whoever has the slave open. */
  write(bytes: Buffer): void {
    if (!this.child || this.closing) return;
    this.child.stdin.write(bytes);
  }

  /**
   * Ends the bridge: closes its stdin (it removes its symlink and exits), then SIGTERM after
   * `graceMs`, then SIGKILL. Resolves once the process is gone.
   */
  close(graceMs = 2000): Promise<void> {
    if (this.closing) return this.closing;
    const child = this.child;
    if (!child) return Promise.resolve();
    this.closing = (async () => {
      const gone = this.exited;
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin.end();
        const timers: NodeJS.Timeout[] = [];
        timers.push(setTimeout(() => child.kill('SIGTERM'), graceMs));
        timers.push(setTimeout(() => child.kill('SIGKILL'), graceMs * 2));
        await gone;
        for (const t of timers) clearTimeout(t);
      }
      await gone;
      this.child = null;
    })();
    return this.closing;
  }
}
