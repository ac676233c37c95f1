import type { BindingInterface } from '@serialport/bindings-interface';
import type { Clock, Timer } from '../time/clock';
import { OqsError } from './errors';
import { ReaderClient } from './reader-client';
import type { Terminal } from './terminal';

export interface SupervisorOptions {
  path: string;
  binding: BindingInterface;
  clock: Clock;
  terminal: Terminal;
  baudRate?: number;
  commandTimeoutMs?: number;
  /** Ask the reader for its status after this long without hearing from it (0 = never). */
  heartbeatMs?: number;
  /** Reconnect waits: first, then doubling up to the maximum. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Told about each failed attempt (logs): the first one, then every change of reason. */
  onAttemptFailed?: (path: string, error: OqsError, attempt: number) => void;
}

export type SupervisorState = 'connecting' | 'connected' | 'disconnected' | 'stopped';

/**
 * Keeps one reader attached to the terminal: opens and identifies it, notices when the port goes
 * away (unplugged cable, reader switched off) or the reader falls silent (no answer to a
 * heartbeat), and reconnects with backoff, forever. A reader that is not there yet at start is
 * the same case as one that went away: the terminal shows it as not connected and the supervisor
 * keeps trying. After each reconnect the reader sends again whatever events the terminal never
 * ACKed, so nothing it confirmed is lost. Timers are background: they never keep a test clock busy.
 *
 * This is the only way a reader gets attached to a terminal (src/assembly.ts builds it;
 * src/assembly.test.ts fails if anything else opens a reader for a terminal).
 */
export class ReaderSupervisor {
  state: SupervisorState = 'connecting';
  client: ReaderClient | null = null;
  /** Attempts after the first. */
  reconnects = 0;
  /** Why the last attempt failed, while not connected. */
  lastError: OqsError | null = null;
  private wait: number;
  private timer: Timer | null = null;
  private beat: Timer | null = null;
  private attempt: Promise<boolean> | null = null;
  private changed: Array<() => void> = [];

  constructor(private readonly opts: SupervisorOptions) {
    this.wait = opts.reconnectMinMs ?? 200;
  }

  get path(): string {
    return this.opts.path;
  }

  /**
   * Makes the first attempt; resolves true when the reader is attached, false when it is not
   * there (yet): retries continue in the background. Never rejects.
   */
  start(): Promise<boolean> {
    return this.connect();
  }

  /** Resolves when the state is next `state` (or now, if it already is). */
  until(state: SupervisorState): Promise<void> {
    if (this.state === state) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (this.state !== state) return void this.changed.push(check);
        resolve();
      };
      this.changed.push(check);
    });
  }

  /** A getter, so a check after an await is not narrowed away. */
  private get stopped(): boolean {
    return this.state === 'stopped';
  }

  private setState(state: SupervisorState): void {
    this.state = state;
    for (const fn of this.changed.splice(0)) fn();
  }

  private connect(): Promise<boolean> {
    if (this.attempt) return this.attempt;
    const run = this.tryConnect().finally(() => {
      if (this.attempt === run) this.attempt = null;
    });
    this.attempt = run;
    return run;
  }

  private async tryConnect(): Promise<boolean> {
    const { opts } = this;
    if (this.state === 'stopped') return false;
    this.setState('connecting');
    let client: ReaderClient | null = null;
    try {
      client = await ReaderClient.open({
        path: opts.path,
        binding: opts.binding,
        clock: opts.clock,
        baudRate: opts.baudRate,
        commandTimeoutMs: opts.commandTimeoutMs,
      });
      if (this.stopped) {
        await client.close();
        return false;
      }
      const c = client;
      c.link.on('close', () => this.lost(c));
      c.link.on('frame', () => this.heartbeat());
      await opts.terminal.attachReader(c);
      if (!c.link.isOpen) throw new OqsError('OQS_ERR_READER_DISCONNECTED', 'hello');
    } catch (e) {
      if (client) await client.close().catch(() => undefined);
      return this.failed(e);
    }
    this.client = client;
    this.lastError = null;
    this.wait = opts.reconnectMinMs ?? 200;
    this.setState('connected');
    this.heartbeat();
    return true;
  }

  private failed(e: unknown): false {
    const error = OqsError.is(e) ? e : new OqsError('OQS_ERR_PORT_OPEN', this.opts.path, String((e as Error)?.message ?? e));
    const first = this.lastError === null || this.lastError.message !== error.message;
    this.lastError = error;
    if (this.stopped) return false;
    this.opts.terminal.readerUnavailable(this.opts.path, error);
    if (first) this.opts.onAttemptFailed?.(this.opts.path, error, this.reconnects + 1);
    this.setState('disconnected');
    this.schedule();
    return false;
  }

  private lost(client: ReaderClient): void {
    // While connecting, a failed attempt schedules the next one itself.
    if (this.client !== client || this.state !== 'connected') return;
    this.client = null;
    this.beat?.cancel();
    this.setState('disconnected');
    this.schedule();
  }

  private schedule(): void {
    if (this.state === 'stopped') return;
    this.timer?.cancel();
    const wait = this.wait;
    this.wait = Math.min(this.wait * 2, this.opts.reconnectMaxMs ?? 5_000);
    this.timer = this.opts.clock.setTimer(
      'reader reconnect',
      wait,
      () => {
        this.reconnects++;
        void this.connect();
      },
      { background: true },
    );
  }

  /** Any frame from or to the reader restarts the silence timer. */
  private heartbeat(): void {
    const ms = this.opts.heartbeatMs ?? 0;
    if (!ms || this.state !== 'connected') return;
    this.beat?.cancel();
    this.beat = this.opts.clock.setTimer(
      'reader heartbeat',
      ms,
      () => {
        const client = this.client;
        if (!client) return;
        // A reader that cannot answer getStatus is as good as gone: drop the link and reconnect.
        client.getStatus().catch(() => {
          if (this.client === client) void client.close();
        });
      },
      { background: true },
    );
  }

  async stop(): Promise<void> {
    this.setState('stopped');
    this.timer?.cancel();
    this.beat?.cancel();
    await this.attempt?.catch(() => undefined);
    await this.client?.close();
  }
}
