import { createServer, type Server, type Socket } from 'node:net';
import type { NetEvent } from './socket-port';

/** One accepted connection with everything it received so far. */
export interface Peer {
  socket: Socket;
  received: Buffer;
  /** Resolves once `received` satisfies `ok` (checked on every chunk); real socket events only. */
  until(ok: (received: Buffer) => boolean): Promise<void>;
  closed: Promise<void>;
}

/** An in-process server on 127.0.0.1, port 0: `onPeer` plays the serial server or the device. */
export interface TestServer {
  server: Server;
  port: number;
  url(scheme: 'tcp' | 'rfc2217'): string;
  peers: Peer[];
  /** The n-th connection (0-based), once accepted. */
  peer(n: number): Promise<Peer>;
  close(): Promise<void>;
}

export async function testServer(onPeer: (peer: Peer) => void = () => undefined): Promise<TestServer> {
  const peers: Peer[] = [];
  const waiting: Array<() => void> = [];
  const server = createServer((socket) => {
    const checks = new Set<() => void>();
    const peer: Peer = {
      socket,
      received: Buffer.alloc(0),
      until: (ok) =>
        new Promise((resolve) => {
          const check = () => {
            if (!ok(peer.received)) return;
            checks.delete(check);
            resolve();
          };
          checks.add(check);
          check();
        }),
      closed: new Promise((resolve) => socket.once('close', () => resolve())),
    };
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      peer.received = Buffer.concat([peer.received, chunk]);
      for (const c of [...checks]) c();
    });
    peers.push(peer);
    onPeer(peer);
    for (const w of waiting.splice(0)) w();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    server,
    port,
    url: (scheme) => `${scheme}://127.0.0.1:${port}`,
    peers,
    peer: async (n) => {
      while (peers.length <= n) await new Promise<void>((resolve) => waiting.push(resolve));
      return peers[n]!;
    },
    close: async () => {
      for (const p of peers) p.socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on 127.0.0.1 where nothing listens (taken, then freed). */
export async function closedPort(): Promise<number> {
  const s = await testServer();
  await s.close();
  return s.port;
}

/** Collects a binding's NetEvents; `next(kind)` resolves with the first (or next) of a kind. */
export function observer(): {
  events: Array<{ path: string; event: NetEvent }>;
  observe: (path: string, event: NetEvent) => void;
  next(kind: NetEvent['kind']): Promise<NetEvent>;
} {
  const events: Array<{ path: string; event: NetEvent }> = [];
  const waiting: Array<{ kind: NetEvent['kind']; seen: number; resolve: (e: NetEvent) => void }> = [];
  const seen = (kind: NetEvent['kind']) => events.filter((e) => e.event.kind === kind);
  return {
    events,
    observe: (path, event) => {
      events.push({ path, event });
      for (const w of [...waiting]) {
        const all = seen(w.kind);
        if (all.length > w.seen) {
          waiting.splice(waiting.indexOf(w), 1);
          w.resolve(all[w.seen]!.event);
        }
      }
    },
    next: (kind) => new Promise((resolve) => waiting.push({ kind, seen: seen(kind).length, resolve })),
  };
}

/** Reads from a binding port until `n` bytes came (or it fails: the error is thrown). */
export async function readBytes(port: { read(b: Buffer, o: number, l: number): Promise<{ bytesRead: number }> }, n: number): Promise<Buffer> {
  const out = Buffer.alloc(n);
  let got = 0;
  while (got < n) got += (await port.read(out, got, n - got)).bytesRead;
  return out;
}

/** Whether `hay` contains `needle` (bytes). */
export function has(needle: Buffer): (hay: Buffer) => boolean {
  return (hay) => hay.includes(needle);
}
