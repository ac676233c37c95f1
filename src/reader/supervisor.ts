import type { BindingInterface } from '@serialport/bindings-interface';
import type { Clock, Timer } from '../time/clock';
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
}

export type SupervisorState = 'connecting' | 'connected' | 'disconnected' | 'stopped';

/**
 * Keeps one reader attached to the terminal: opens and identifies it, notices when the port goes
 * away (unplugged cable) or the reader falls silent (no answer to a heartbeat), and reconnects with
 * backoff. After each reconnect the reader sends again whatever events the terminal never ACKed,
 * so nothing it confirmed is lost. Timers are background: they never keep a test clock busy.
 */
export class ReaderSupervisor {
  state: SupervisorState = 'connecting';
  client: ReaderClient | null = null;
  reconnects = 0;
  private wait: number;
  private timer: Timer | null = null;
  private beat: Timer | null = null;

  constructor(private readonly opts: SupervisorOptions) {
    this.wait = opts.reconnectMinMs ?? 200;
  }

  /** Connects once; throws if the first attempt fails (a wrong path should be said at once). */
  async start(): Promise<ReaderClient> {
    return this.connect();
  }

  private async connect(): Promise<ReaderClient> {
    const { opts } = this;
    this.state = 'connecting';
    const client = await ReaderClient.open({ path: opts.path, binding: opts.binding, clock: opts.clock, baudRate: opts.baudRate, commandTimeoutMs: opts.commandTimeoutMs });
    this.client = client;
    client.link.on('close', () => this.lost(client));
    client.link.on('frame', () => this.heartbeat());
    await opts.terminal.attachReader(client);
    this.state = 'connected';
    this.wait = opts.reconnectMinMs ?? 200;
    this.heartbeat();
    return client;
  }

  private lost(client: ReaderClient): void {
    if (this.client !== client || this.state === 'stopped') return;
    this.client = null;
    this.beat?.cancel();
    this.state = 'disconnected';
    this.schedule();
  }

  private schedule(): void {
    if (this.state === 'stopped') return;
    const wait = this.wait;
    this.wait = Math.min(this.wait * 2, this.opts.reconnectMaxMs ?? 5_000);
    this.timer = this.opts.clock.setTimer(
      'reader reconnect',
      wait,
      () => {
        this.reconnects++;
        this.connect().catch(() => {
          if (this.state !== 'stopped') {
            this.state = 'disconnected';
            this.schedule();
          }
        });
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
    this.state = 'stopped';
    this.timer?.cancel();
    this.beat?.cancel();
    await this.client?.close();
  }
}
