import { connect, type Socket } from 'node:net';
import type { BindingPortInterface, OpenOptions, PortStatus, SetOptions, UpdateOptions } from '@serialport/bindings-interface';
import { OqsError } from '../reader/errors';
import type { Clock } from '../time/clock';
import type { NetAddress } from './net-path';

/** What a network binding reports beside its port: logs take it (src/main.ts), tests assert it. */
export type NetEvent =
  /** The coded reason a connection was dropped (the port then closes and the supervisor reconnects). */
  | { kind: 'error'; error: OqsError }
  /** RFC 2217 commands the server never acknowledged (a pty behind ser2net: DTR/RTS); once per address and command. */
  | { kind: 'unacknowledged'; commands: string[] }
  /** RFC 2217 NOTIFY-LINESTATE / NOTIFY-MODEMSTATE from the server (LINE_STATE / MODEM_STATE bits). */
  | { kind: 'lineState' | 'modemState'; bits: number };

/** What the network bindings are built with: no module state, time from the injected clock. */
export interface NetDeps {
  clock: Clock;
  /** A connection attempt that has not succeeded after this long fails (default 5000 ms). */
  connectMs?: number;
  /** rfc2217: how long the server has to agree to COM-PORT-OPTION (default 3000 ms). */
  negotiationMs?: number;
  /** rfc2217: how long to wait for COM-PORT acknowledgements before carrying on without them (default 1000 ms). */
  ackMs?: number;
  /** This many 0xFF bytes in a row is noise, not a reader: the connection is dropped (default 65536). */
  maxFfRun?: number;
  /** Bytes held for a reader stream that does not read before the socket is paused (default 1 MiB). */
  highWaterMark?: number;
  observe?: (path: string, event: NetEvent) => void;
  /** How a socket is made (default node:net connect). */
  connect?: (host: string, port: number) => Socket;
}

export const NET_DEFAULTS = { connectMs: 5_000, negotiationMs: 3_000, ackMs: 1_000, maxFfRun: 65_536, highWaterMark: 1 << 20 } as const;

/** Connects, bounded by connectMs on the injected clock; every failure is OQS_ERR_NET_CONNECT. */
export function connectSocket(addr: NetAddress, path: string, deps: NetDeps): Promise<Socket> {
  const ms = deps.connectMs ?? NET_DEFAULTS.connectMs;
  return new Promise((resolve, reject) => {
    const socket = (deps.connect ?? ((host, port) => connect({ host, port })))(addr.host, addr.port);
    const failed = (why: string) => {
      timer.cancel();
      socket.destroy();
      reject(new OqsError('OQS_ERR_NET_CONNECT', path, why));
    };
    const onError = (e: NodeJS.ErrnoException) => failed(e.code ? `${e.code} (${e.message})` : e.message);
    const timer = deps.clock.setTimer('network connect', ms, () => failed(`no connection within ${ms} ms`), { background: true });
    socket.once('error', onError);
    socket.once('connect', () => {
      timer.cancel();
      socket.off('error', onError);
      socket.setNoDelay(true);
      // A serial server switched off on the LAN is noticed by the reader's heartbeat; keepalive
      // frees the socket too.
      socket.setKeepAlive(true, 10_000);
      resolve(socket);
    });
  });
}

/** The error a read or write gets once the port is closed by us: serialport ignores it. */
function canceled(): Error {
  return Object.assign(new Error('the port is closed'), { canceled: true });
}

interface PendingRead {
  buffer: Buffer;
  offset: number;
  length: number;
  resolve: (r: { buffer: Buffer; bytesRead: number }) => void;
  reject: (e: Error) => void;
}

/**
 * A BindingPortInterface over one TCP socket. The subclass turns socket bytes into device data
 * (`deliver`) and device data into socket bytes (`encode`). The first fatal condition (the peer
 * closed, bad Telnet, noise) is reported once, drops the socket, and fails the next read after the
 * data already received: serialport then closes the stream, the link closes and the supervisor
 * reconnects — as when a USB cable is pulled.
 */
export abstract class SocketPort implements BindingPortInterface {
  isOpen = true;
  protected failure: OqsError | null = null;
  private inbox: Buffer[] = [];
  private inboxBytes = 0;
  private pending: PendingRead | null = null;
  private ffRun = 0;
  private paused = false;
  protected baudRate: number;

  constructor(
    protected readonly socket: Socket,
    readonly openOptions: Required<OpenOptions>,
    protected readonly deps: NetDeps,
  ) {
    this.baudRate = openOptions.baudRate;
    socket.on('data', (chunk: Buffer) => {
      if (!this.failure && this.isOpen) this.receive(chunk);
    });
    socket.on('end', () => this.fail(this.endError()));
    socket.on('error', (e: NodeJS.ErrnoException) => this.fail(new OqsError('OQS_ERR_NET_CLOSED', this.path, e.code ?? e.message)));
    socket.on('close', () => this.fail(new OqsError('OQS_ERR_NET_CLOSED', this.path, 'the connection closed')));
  }

  get path(): string {
    return this.openOptions.path;
  }

  /** Bytes from the socket. */
  protected abstract receive(chunk: Buffer): void;
  /** Device data for the socket. */
  protected abstract encode(data: Buffer): Buffer;

  /** Why the peer's end of the stream is an error (rfc2217 adds a truncated Telnet sequence). */
  protected endError(): OqsError {
    return new OqsError('OQS_ERR_NET_CLOSED', this.path, 'the peer ended the connection');
  }

  /** Device data for the reader stream (owned by the caller no longer). */
  protected deliver(data: Buffer): void {
    if (this.failure || !this.isOpen || data.length === 0) return;
    const max = this.deps.maxFfRun ?? NET_DEFAULTS.maxFfRun;
    for (let i = 0; i < data.length; i++) {
      if (data[i] !== 0xff) this.ffRun = 0;
      else if (++this.ffRun > max) return this.fail(new OqsError('OQS_ERR_NET_NOISE', this.path, this.ffRun));
    }
    this.inbox.push(data);
    this.inboxBytes += data.length;
    if (!this.paused && this.inboxBytes > (this.deps.highWaterMark ?? NET_DEFAULTS.highWaterMark)) {
      this.paused = true;
      this.socket.pause();
    }
    this.pump();
  }

  /** Drops the connection for `error`, once; data already received is still read first. */
  protected fail(error: OqsError): void {
    if (this.failure || !this.isOpen) return;
    this.failure = error;
    this.deps.observe?.(this.path, { kind: 'error', error });
    this.socket.destroy();
    this.onFailure();
    this.pump();
  }

  /** Hook: wake whatever waits on the peer (rfc2217 negotiation). */
  protected onFailure(): void {}

  private pump(): void {
    const r = this.pending;
    if (!r) return;
    if (this.inboxBytes > 0) {
      this.pending = null;
      let n = 0;
      while (n < r.length && this.inbox.length > 0) {
        const head = this.inbox[0]!;
        const take = Math.min(head.length, r.length - n);
        head.copy(r.buffer, r.offset + n, 0, take);
        n += take;
        if (take === head.length) this.inbox.shift();
        else this.inbox[0] = head.subarray(take);
      }
      this.inboxBytes -= n;
      if (this.paused && this.inboxBytes <= (this.deps.highWaterMark ?? NET_DEFAULTS.highWaterMark) / 2) {
        this.paused = false;
        this.socket.resume();
      }
      r.resolve({ buffer: r.buffer, bytesRead: n });
    } else if (this.failure) {
      this.pending = null;
      r.reject(this.failure);
    }
  }

  read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    if (!this.isOpen) return Promise.reject(canceled());
    if (this.pending) return Promise.reject(new Error('a read is already pending'));
    return new Promise((resolve, reject) => {
      this.pending = { buffer, offset, length, resolve, reject };
      this.pump();
    });
  }

  write(buffer: Buffer): Promise<void> {
    if (!this.isOpen) return Promise.reject(canceled());
    if (this.failure) return Promise.reject(this.failure);
    return this.send(this.encode(buffer));
  }

  /** Raw bytes to the socket; resolves once they are handed to the OS. */
  protected send(bytes: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.write(bytes, (err) => (err ? reject(new OqsError('OQS_ERR_NET_CLOSED', this.path, err.message)) : resolve()));
    });
  }

  async close(): Promise<void> {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.socket.destroy();
    this.inbox = [];
    this.inboxBytes = 0;
    const r = this.pending;
    this.pending = null;
    r?.reject(canceled());
    this.onFailure();
  }

  /** A raw TCP port has no line to set: the rate is only remembered (serial servers fix it). */
  async update(options: UpdateOptions): Promise<void> {
    this.baudRate = options.baudRate;
  }

  async set(_options: SetOptions): Promise<void> {}

  async get(): Promise<PortStatus> {
    return { cts: false, dsr: false, dcd: false };
  }

  async getBaudRate(): Promise<{ baudRate: number }> {
    return { baudRate: this.baudRate };
  }

  /** Discards what was received and not yet read (a raw TCP peer has nothing else to purge). */
  async flush(): Promise<void> {
    this.inbox = [];
    this.inboxBytes = 0;
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
  }

  async drain(): Promise<void> {
    if (this.socket.writableLength === 0 || this.socket.destroyed) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }
}
