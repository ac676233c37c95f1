import { existsSync, lstatSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { ControlError, MAX_LINE_BYTES, formatAddress, parseAddress, type ControlAddress } from './protocol';
import { splitLines } from '../../src/util/lines';

/** Runs one op; resolves with the reply's fields, or throws an Error with a string `.code`. */
export type ControlHandler = (op: string, args: Record<string, unknown>) => Promise<Record<string, unknown>>;

/** Whose rules apply (default process.platform; tests inject 'win32'). */
export interface ControlPlatformOptions {
  platform?: NodeJS.Platform;
}

/**
 * What a `unix:PATH` address listens on or connects to. On Windows Node has no unix sockets: its
 * local sockets are named pipes, whose names must lie under \\.\pipe\. There PATH becomes
 * \\.\pipe\oqs-<PATH with separators turned into dashes>, the same on both sides, so a client given
 * the same address meets the server; a name already under \\.\pipe\ is kept. (tcp:127.0.0.1:PORT
 * works everywhere.)
 */
export function localSocketPath(path: string, platform: NodeJS.Platform = process.platform): string {
  if (platform !== 'win32' || /^\\\\[.?]\\pipe\\/i.test(path)) return path;
  return `\\\\.\\pipe\\oqs-${path.replace(/[\\/:]+/g, '-').replace(/^-+/, '')}`;
}

/** Is someone listening on this unix socket? (A leftover file from a crashed run is not.) */
function probe(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ path });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function listenOn(server: Server, a: ControlAddress, platform: NodeJS.Platform): Promise<ControlAddress> {
  // A pipe is no file: Windows removes it with its last handle, and a second listener gets EADDRINUSE.
  if (a.kind === 'unix' && platform !== 'win32' && existsSync(a.path)) {
    if (!lstatSync(a.path).isSocket()) throw new ControlError('EEXIST', `${a.path} exists and is not a socket`);
    if (await probe(a.path)) throw new ControlError('EADDRINUSE', `another process is listening on ${a.path}`);
    rmSync(a.path, { force: true });
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if (a.kind === 'unix') server.listen(localSocketPath(a.path, platform), done);
    else server.listen(a.port, a.host, done);
  });
  if (a.kind === 'unix') return a;
  const bound = server.address();
  return { kind: 'tcp', host: '127.0.0.1', port: typeof bound === 'object' && bound ? bound.port : a.port };
}

function errorReply(id: unknown, err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' && e.code ? e.code : 'EMU_ERR_INTERNAL';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return JSON.stringify({ id, ok: false, code, message }) + '\n';
}

/**
 * The control channel's server side: listens on any number of addresses, reads one JSON request
 * per line, and answers each with the handler's result. A bad line gets an EMU_ERR_BAD_REQUEST
 * reply and the connection stays usable; requests on one connection may run concurrently.
 */
export class ControlServer {
  private readonly sockets = new Set<Socket>();
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly servers: Array<{ server: Server; address: ControlAddress }>,
    private readonly platform: NodeJS.Platform,
  ) {}

  /** The addresses actually listened on (a TCP port 0 replaced by the one picked). */
  get addresses(): string[] {
    return this.servers.map((s) => formatAddress(s.address));
  }

  static async listen(addresses: string[], handler: ControlHandler, opts: ControlPlatformOptions = {}): Promise<ControlServer> {
    const platform = opts.platform ?? process.platform;
    const parsed = addresses.map(parseAddress);
    const entries: Array<{ server: Server; address: ControlAddress }> = [];
    const self = new ControlServer(entries, platform);
    try {
      for (const a of parsed) {
        const server = createServer((socket) => self.serve(socket, handler));
        entries.push({ server, address: await listenOn(server, a, platform) });
      }
    } catch (err) {
      await self.close();
      throw err;
    }
    return self;
  }

  private serve(socket: Socket, handler: ControlHandler): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.setEncoding('utf8');
    const send = (line: string) => {
      if (!socket.destroyed && socket.writable) socket.write(line);
    };
    const feed = splitLines(
      (text) => {
        const line = text.trim();
        if (line) void this.handleLine(line, handler).then(send);
      },
      {
        maxBytes: MAX_LINE_BYTES,
        onOverflow: () => {
          send(errorReply(null, new ControlError('EMU_ERR_BAD_REQUEST', `request line longer than ${MAX_LINE_BYTES} bytes`)));
          socket.end();
        },
      },
    );
    socket.on('data', feed);
  }

  private async handleLine(line: string, handler: ControlHandler): Promise<string> {
    let request: unknown;
    try {
      request = JSON.parse(line);
    } catch (err) {
      return errorReply(null, new ControlError('EMU_ERR_BAD_REQUEST', `not JSON: ${(err as Error).message}`));
    }
    if (typeof request !== 'object' || request === null || Array.isArray(request)) {
      return errorReply(null, new ControlError('EMU_ERR_BAD_REQUEST', 'a request is a JSON object {"id":…,"op":"…",…}'));
    }
    const { id = null, op, ...args } = request as Record<string, unknown>;
    if (typeof op !== 'string' || !op) return errorReply(id, new ControlError('EMU_ERR_BAD_REQUEST', 'the request has no "op"'));
    if (this.closing) return errorReply(id, new ControlError('EMU_ERR_SHUTTING_DOWN', 'the emulator host is shutting down'));
    try {
      const { id: _id, ok: _ok, ...result } = await handler(op, args);
      return JSON.stringify({ id, ok: true, ...result }) + '\n';
    } catch (err) {
      return errorReply(id, err);
    }
  }

  /** Stops listening, ends every connection (pending replies are flushed first) and removes socket files. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = (async () => {
      const closed = this.servers.map(({ server }) => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())));
      for (const s of this.sockets) s.end();
      const ended = [...this.sockets].map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.destroyed) return resolve();
            const t = setTimeout(() => s.destroy(), 1000);
            s.once('close', () => {
              clearTimeout(t);
              resolve();
            });
          }),
      );
      await Promise.all([...closed, ...ended]);
      if (this.platform !== 'win32') for (const { address } of this.servers) if (address.kind === 'unix') rmSync(address.path, { force: true });
    })();
    return this.closing;
  }
}
