import { createConnection, type Socket } from 'node:net';
import { ControlError, MAX_LINE_BYTES, parseAddress, type ControlOps, type OpName } from './protocol';
import { localSocketPath, type ControlPlatformOptions } from './server';
import { splitLines } from '../../src/util/lines';

export interface ControlClientOptions extends ControlPlatformOptions {
  /** Real milliseconds to wait for a reply before failing with EMU_ERR_TIMEOUT; 0 = no limit (default). */
  timeoutMs?: number;
  /** Real milliseconds to wait for the connection (default 10 000). */
  connectTimeoutMs?: number;
}

interface Pending {
  resolve: (reply: Record<string, unknown>) => void;
  reject: (err: Error) => void;
  timer?: NodeJS.Timeout;
}

/**
 * A client of the emulator's control channel. `call()` resolves with the reply's fields (without
 * `id`/`ok`) or throws a ControlError whose `.code` is the reply's code (EMU_ERR_…).
 *
 *   const c = await EmulatorControlClient.connect('unix:/tmp/oqs-emu-123.sock');
 *   await c.call('stimulus', { reader: 0, action: 'placeCard', profile: 'normal' });
 *   await c.close();
 */
export class EmulatorControlClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private ended: ControlError | null = null;
  private readonly gone: Promise<void>;

  private constructor(
    private readonly socket: Socket,
    private readonly opts: ControlClientOptions,
  ) {
    this.gone = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => this.onData(text));
    socket.on('error', () => undefined); // 'close' follows and fails whatever is pending
    socket.on('close', () => this.fail(new ControlError('EMU_ERR_CONNECTION_CLOSED', 'the control connection closed before the reply')));
  }

  static connect(address: string, opts: ControlClientOptions = {}): Promise<EmulatorControlClient> {
    const a = parseAddress(address);
    return new Promise((resolve, reject) => {
      const socket = a.kind === 'unix' ? createConnection({ path: localSocketPath(a.path, opts.platform) }) : createConnection({ host: a.host, port: a.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new ControlError('EMU_ERR_TIMEOUT', `no connection to ${address} within ${opts.connectTimeoutMs ?? 10_000} ms`));
      }, opts.connectTimeoutMs ?? 10_000);
      socket.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(Object.assign(new ControlError(err.code ?? 'EMU_ERR_CONNECTION_CLOSED', `cannot connect to ${address}: ${err.message}`)));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new EmulatorControlClient(socket, opts));
      });
    });
  }

  /** Sends one request; resolves with the reply's fields or throws a ControlError with `.code`. */
  call<K extends OpName>(op: K, args: ControlOps[K]['args']): Promise<ControlOps[K]['result']>;
  call(op: string, args?: Record<string, unknown>): Promise<Record<string, unknown>>;
  call(op: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    if (this.ended) return Promise.reject(this.ended);
    const id = this.nextId++;
    const line = JSON.stringify({ ...args, id, op }) + '\n';
    return new Promise((resolve, reject) => {
      const entry: Pending = { resolve, reject };
      if (this.opts.timeoutMs) {
        entry.timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new ControlError('EMU_ERR_TIMEOUT', `no reply to "${op}" within ${this.opts.timeoutMs} ms`));
        }, this.opts.timeoutMs);
      }
      this.pending.set(id, entry);
      this.socket.write(line);
    });
  }

  /** Closes the connection; calls still waiting fail with EMU_ERR_CONNECTION_CLOSED. */
  async close(): Promise<void> {
    if (!this.socket.destroyed) this.socket.end();
    const t = setTimeout(() => this.socket.destroy(), 1000);
    await this.gone;
    clearTimeout(t);
  }

  private readonly onData = splitLines(
    (line) => {
      if (line.trim()) this.onReply(line);
    },
    { maxBytes: MAX_LINE_BYTES, onOverflow: () => this.socket.destroy() },
  );

  private onReply(line: string): void {
    let reply: Record<string, unknown>;
    try {
      reply = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const { id, ok, ...fields } = reply;
    const entry = typeof id === 'number' ? this.pending.get(id) : undefined;
    if (!entry) return; // a reply to a line that was not ours (id null: a malformed request)
    this.pending.delete(id as number);
    if (entry.timer) clearTimeout(entry.timer);
    if (ok === true) entry.resolve(fields);
    else entry.reject(new ControlError(String(fields.code ?? 'EMU_ERR_INTERNAL'), String(fields.message ?? 'request failed')));
  }

  private fail(err: ControlError): void {
    this.ended = err;
    for (const [id, entry] of this.pending) {
      this.pending.delete(id);
      if (entry.timer) clearTimeout(entry.timer);
      entry.reject(err);
    }
  }
}
