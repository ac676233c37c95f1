import { createServer, type Server, type Socket } from 'node:net';
import type { DeviceLine } from '../host/lines';
import { formatListenAddress, type ListenAddress } from './listen-address';

/**
 * What one connection's bytes pass through: nothing (tcp://) or a Telnet/RFC 2217 server session
 * (rfc2217://). `receive` turns what the network sent into the reader's bytes (answering
 * negotiation itself through the `send` it was made with); `encode` turns the reader's bytes into
 * what goes on the network. Neither may throw on any input.
 */
export interface WireSession {
  receive(bytes: Buffer): Buffer;
  encode(bytes: Buffer): Buffer;
}

export type SessionFactory = (send: (bytes: Buffer) => void, log: (line: string) => void) => WireSession;

const RAW: WireSession = { receive: (b) => b, encode: (b) => b };

/**
 * Bytes waiting for a client that does not read, at most: past it the reader's newest bytes are
 * dropped (a UART overrun; the pty bridge keeps the same bound), so a stalled peer cannot grow memory.
 */
export const MAX_PENDING_BYTES = 1 << 20;
/** A dead peer on a LAN (a controller PC switched off) frees its reader after about this long. */
const KEEPALIVE_MS = 10_000;

export interface NetLineOptions {
  /** Diagnostics (a refused second client, dropped bytes, a session that failed). */
  onLog?: (line: string) => void;
  /** The connection's session (default: raw bytes). */
  session?: SessionFactory;
}

/**
 * The device side of one network line: a listening socket that serves one emulated reader, as a
 * serial server's port does. One client at a time: while one is connected, a second connection is
 * closed at once without a byte (the first keeps the reader, as ser2net does by default). While no
 * client is connected the reader's bytes are dropped, as on a serial line nobody has open.
 */
export class NetLine implements DeviceLine {
  onData: ((bytes: Buffer) => void) | null = null;
  private server: Server | null = null;
  private client: { socket: Socket; session: WireSession } | null = null;
  /** Every socket accepted and not yet closed: close() ends them all, or the server would wait for them. */
  private readonly sockets = new Set<Socket>();
  private bound: ListenAddress | null = null;
  private dropped_ = 0;
  private closing: Promise<void> | null = null;

  constructor(
    readonly address: ListenAddress,
    private readonly opts: NetLineOptions = {},
  ) {}

  /** The address served, port 0 resolved, once open (`tcp://127.0.0.1:40123`). */
  get listen(): string | undefined {
    return this.bound ? formatListenAddress(this.bound) : undefined;
  }

  /** The reader's bytes dropped because the current client did not read them. */
  get dropped(): number {
    return this.dropped_;
  }

  /** Bytes waiting in this process for the current client (at most MAX_PENDING_BYTES). */
  get pendingBytes(): number {
    return this.client?.socket.writableLength ?? 0;
  }

  /** Whether a client holds the reader now. */
  get connected(): boolean {
    return this.client !== null;
  }

  async open(): Promise<string> {
    if (this.server) throw new Error('NetLine is already open');
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.address.port, this.address.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (e) => this.log(`listener: ${e.message}`));
    const a = server.address();
    this.bound = { ...this.address, port: typeof a === 'object' && a ? a.port : this.address.port };
    return this.listen!;
  }

  private log(line: string): void {
    this.opts.onLog?.(`${this.listen ?? formatListenAddress(this.address)}: ${line}`);
  }

  private accept(socket: Socket): void {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.on('error', () => undefined); // a reset peer: 'close' follows and says enough
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    if (this.client || this.closing) {
      this.log(`refused ${peer}: the reader already has a client`);
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    socket.setKeepAlive(true, KEEPALIVE_MS);
    const send = (bytes: Buffer) => this.send(socket, bytes);
    const client = { socket, session: (this.opts.session ?? (() => RAW))(send, (line) => this.log(`${peer}: ${line}`)) };
    this.client = client;
    this.dropped_ = 0;
    socket.on('data', (bytes: Buffer) => {
      let data: Buffer;
      try {
        data = client.session.receive(bytes);
      } catch (e) {
        // A session must not throw; if one does, only this connection pays for it.
        this.log(`closing ${peer}: ${(e as Error).message}`);
        socket.destroy();
        return;
      }
      if (data.length > 0) this.onData?.(data);
    });
    socket.once('close', () => {
      if (this.client === client) this.client = null;
    });
  }

  private send(socket: Socket, bytes: Buffer): void {
    if (socket.destroyed || bytes.length === 0) return;
    if (socket.writableLength + bytes.length > MAX_PENDING_BYTES) {
      if (this.dropped_ === 0) this.log('the client does not read: dropping the reader’s newest bytes');
      this.dropped_ += bytes.length;
      return;
    }
    socket.write(bytes);
  }

  /** Bytes from the device to the client, if there is one. */
  write(bytes: Buffer): void {
    const c = this.client;
    if (c) this.send(c.socket, c.session.encode(bytes));
  }

  /** Stops listening and drops the client; resolves once the listening socket is closed. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = (async () => {
      for (const s of this.sockets) s.destroy();
      this.client = null;
      const server = this.server;
      if (server?.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    })();
    return this.closing;
  }
}

/**
 * A reader on a pty and on the network at once (`emulate --listen` beside the ptys): the reader's
 * bytes go to both, and bytes from either reach the reader. `open()` resolves with the pty's path.
 */
export class BothLines implements DeviceLine {
  constructor(
    private readonly pty: DeviceLine & { readonly link?: string },
    private readonly net: NetLine,
  ) {}

  get onData(): ((bytes: Buffer) => void) | null {
    return this.pty.onData;
  }

  set onData(fn: ((bytes: Buffer) => void) | null) {
    this.pty.onData = fn;
    this.net.onData = fn;
  }

  get link(): string | undefined {
    return this.pty.link;
  }

  get listen(): string | undefined {
    return this.net.listen;
  }

  async open(): Promise<string> {
    const [device] = await Promise.all([this.pty.open(), this.net.open()]);
    return device;
  }

  write(bytes: Buffer): void {
    this.pty.write(bytes);
    this.net.write(bytes);
  }

  async close(): Promise<void> {
    await Promise.all([this.pty.close(), this.net.close()]);
  }
}
