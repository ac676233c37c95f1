import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { BindingInterface } from '@serialport/bindings-interface';
import { SerialPortStream } from '@serialport/stream';
import type { Clock, Timer } from '../time/clock';
import { PtyPort } from '../../simulator/pty/pty-port';

/**
 * One side of the tap (docs/tap.md), as written on the command line:
 *   /dev/ttyUSB0, COM3, serial:PATH   a serial port, opened with serialport at `baudRate`
 *   tcp://HOST:PORT                   a TCP connection the tap makes (a reader behind ser2net)
 *   listen:tcp://HOST:PORT            a TCP port the tap listens on, one peer at a time
 *   pty, pty:LINK                     a pseudo-terminal the tap makes; LINK becomes a symlink to it
 */
export type EndpointSpec =
  | { kind: 'serial'; path: string }
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'listen'; host: string; port: number }
  | { kind: 'pty'; link?: string };

export class EndpointError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function hostPort(text: string, spec: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:/]+):(\d{1,5})$/.exec(text);
  const port = Number(m?.[2]);
  if (!m || port > 65535) throw new EndpointError('TAP_ERR_ENDPOINT', `expected HOST:PORT in "${spec}"`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

export function parseEndpoint(spec: string): EndpointSpec {
  if (spec.startsWith('tcp://')) return { kind: 'tcp', ...hostPort(spec.slice('tcp://'.length), spec) };
  if (spec.startsWith('listen:tcp://')) return { kind: 'listen', ...hostPort(spec.slice('listen:tcp://'.length), spec) };
  if (spec === 'pty') return { kind: 'pty' };
  if (spec.startsWith('pty:')) {
    if (spec.length === 4) throw new EndpointError('TAP_ERR_ENDPOINT', 'pty:LINK needs a path for the link');
    return { kind: 'pty', link: spec.slice(4) };
  }
  const path = spec.startsWith('serial:') ? spec.slice('serial:'.length) : spec;
  if (!path || /^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    throw new EndpointError('TAP_ERR_ENDPOINT', `"${spec}" is not an endpoint: give a serial port, tcp://HOST:PORT, listen:tcp://HOST:PORT or pty[:LINK]`);
  }
  return { kind: 'serial', path };
}

/** A byte pipe to one party. Bytes written while it has no peer are dropped, as on an unplugged cable. */
export interface Endpoint {
  /** What it is (the trace's `path` for the reader side; the slave path for a pty). */
  readonly name: string;
  onData: ((bytes: Buffer) => void) | null;
  /** Called on each change: a peer came or went (with why). */
  onState: ((up: boolean, why?: string) => void) | null;
  readonly up: boolean;
  write(bytes: Buffer): void;
  close(): Promise<void>;
  /** The controller side follows the reader's line, where it can: goes away with it… */
  hangUp?(why: string): Promise<void>;
  /** …and comes back (at the same address) with it. */
  restore?(): Promise<void>;
}

export interface OpenOptions {
  clock: Clock;
  baudRate: number;
  /** The serial binding (default: the native one); tests inject a mock. */
  binding?: BindingInterface;
  /** How long to wait before opening a serial port or TCP peer again after it went away. */
  retryMs?: number;
}

/** Holds one connection at a time; `attach` gives it one, `detach` takes it away. */
abstract class BaseEndpoint implements Endpoint {
  onData: ((bytes: Buffer) => void) | null = null;
  onState: ((up: boolean, why?: string) => void) | null = null;
  protected sink: ((bytes: Buffer) => void) | null = null;
  protected closed = false;
  abstract readonly name: string;

  get up(): boolean {
    return this.sink !== null;
  }

  write(bytes: Buffer): void {
    this.sink?.(bytes);
  }

  protected attach(sink: (bytes: Buffer) => void): void {
    this.sink = sink;
    this.onState?.(true);
  }

  protected detach(why: string): void {
    if (this.sink === null) return;
    this.sink = null;
    if (!this.closed) this.onState?.(false, why);
  }

  abstract close(): Promise<void>;
}

/** A serial port or a TCP connection the tap makes: opened again `retryMs` after it goes away. */
class Reopening extends BaseEndpoint {
  private timer: Timer | null = null;
  private closeCurrent: (() => Promise<void>) | null = null;

  constructor(
    readonly name: string,
    private readonly opener: (
      onData: (b: Buffer) => void,
      onGone: (why: string) => void,
    ) => Promise<{ write: (b: Buffer) => void; close: () => Promise<void> }>,
    private readonly opts: OpenOptions,
  ) {
    super();
  }

  /** The first open must succeed; later ones are retried. */
  async open(): Promise<void> {
    const conn = await this.opener(
      (b) => this.onData?.(b),
      (why) => this.gone(why),
    );
    this.closeCurrent = conn.close;
    this.attach(conn.write);
  }

  private gone(why: string): void {
    this.closeCurrent = null;
    this.detach(why);
    this.retry();
  }

  private retry(): void {
    if (this.closed || this.timer) return;
    this.timer = this.opts.clock.setTimer(
      `tap reopen ${this.name}`,
      this.opts.retryMs ?? 1000,
      () => {
        this.timer = null;
        if (!this.closed) this.open().catch(() => this.retry());
      },
      { background: true },
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    this.timer?.cancel();
    this.sink = null;
    await this.closeCurrent?.();
  }
}

function serialOpener(path: string, opts: OpenOptions) {
  return async (onData: (b: Buffer) => void, onGone: (why: string) => void) => {
    const binding = opts.binding ?? ((await import('@serialport/bindings-cpp')).autoDetect() as BindingInterface);
    const port = new SerialPortStream({ binding, path, baudRate: opts.baudRate, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    port.on('data', onData);
    port.on('error', () => undefined); // 'close' follows
    port.once('close', () => onGone(`${path} closed`));
    return {
      write: (b: Buffer) => void port.write(b),
      close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
    };
  };
}

function tcpOpener(host: string, port: number) {
  return (onData: (b: Buffer) => void, onGone: (why: string) => void) =>
    new Promise<{ write: (b: Buffer) => void; close: () => Promise<void> }>((resolve, reject) => {
      const socket = createConnection({ host, port });
      socket.setNoDelay(true);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        socket.on('error', () => undefined); // 'close' follows
        socket.on('data', onData);
        socket.once('close', () => onGone(`tcp://${host}:${port} closed`));
        resolve({ write: (b) => void socket.write(b), close: () => endSocket(socket) });
      });
    });
}

function endSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    socket.once('close', () => resolve());
    socket.destroy();
  });
}

/**
 * A TCP port the tap listens on: one peer at a time; a second is refused while the first is there,
 * and any while the line is hung up.
 */
class Listener extends BaseEndpoint {
  private server: Server | null = null;
  private peer: Socket | null = null;
  private refusing = false;
  name: string;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {
    super();
    this.name = `listen:tcp://${host}:${port}`;
  }

  async open(): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const a = server.address();
    if (a && typeof a === 'object') this.name = `listen:tcp://${this.host}:${a.port}`;
  }

  private accept(socket: Socket): void {
    if (this.peer || this.refusing) {
      socket.destroy();
      return;
    }
    this.peer = socket;
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.on('data', (b: Buffer) => this.onData?.(b));
    socket.once('close', () => {
      this.peer = null;
      this.detach('the peer disconnected');
    });
    this.attach((b) => void socket.write(b));
  }

  async hangUp(): Promise<void> {
    this.refusing = true;
    if (this.peer) await endSocket(this.peer);
  }

  async restore(): Promise<void> {
    this.refusing = false;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.sink = null;
    if (this.peer) await endSocket(this.peer);
    await new Promise<void>((resolve) => (this.server?.listening ? this.server.close(() => resolve()) : resolve()));
  }
}

/**
 * A pty the tap makes (as `oqs-reader emulate` does); the controller opens it when it likes. With a
 * LINK it follows the reader's line as a USB-serial adapter would: it goes away when the reader's
 * port does, and a new pty appears at the same LINK when the reader's port is back.
 */
class PtyEndpoint extends BaseEndpoint {
  private pty: PtyPort;
  name = 'pty';

  constructor(private readonly link: string | undefined) {
    super();
    this.pty = this.make();
  }

  private make(): PtyPort {
    const pty = new PtyPort({ ...(this.link ? { link: this.link } : {}), onUnexpectedExit: () => this.detach('the pty bridge ended') });
    pty.onData = (b) => this.onData?.(b);
    return pty;
  }

  async open(): Promise<void> {
    const slave = await this.pty.open();
    this.name = this.link ?? slave;
    this.attach((b) => this.pty.write(b));
  }

  async hangUp(why: string): Promise<void> {
    // Without a LINK a new pty would have another name, which no controller would find.
    if (!this.link || !this.up) return;
    this.detach(why);
    await this.pty.close();
  }

  async restore(): Promise<void> {
    if (!this.link || this.up || this.closed) return;
    this.pty = this.make();
    await this.open();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.sink = null;
    await this.pty.close();
  }
}

/** Opens an endpoint: resolves once a serial port or TCP peer is open, or a listener or pty is ready. */
export async function openEndpoint(spec: EndpointSpec, opts: OpenOptions): Promise<Endpoint> {
  switch (spec.kind) {
    case 'serial': {
      const e = new Reopening(spec.path, serialOpener(spec.path, opts), opts);
      await e.open();
      return e;
    }
    case 'tcp': {
      const e = new Reopening(`tcp://${spec.host}:${spec.port}`, tcpOpener(spec.host, spec.port), opts);
      await e.open();
      return e;
    }
    case 'listen': {
      const e = new Listener(spec.host, spec.port);
      await e.open();
      return e;
    }
    case 'pty': {
      const e = new PtyEndpoint(spec.link);
      await e.open();
      return e;
    }
  }
}
