/**
 * Debian's ser2net (4.x) in front of serial devices, started and stopped by the suite: the `ser2net`
 * profiles put it between the controller and the pty emulator's readers, and scripts/lab-shards.ts
 * between each lab host's reader and its shard. Loopback only, on free ports, with a generated YAML
 * config (docs/emulator.md "Behind ser2net"). Install it with `sh scripts/ensure-debian.sh ser2net`.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WatchedProcess } from '../../src/util/child-lines';

export interface Ser2netConnection {
  /** The serial device ser2net opens when a client connects (a pty emulator's link or /dev/pts/N). */
  device: string;
  /** `rfc2217`: a `telnet(rfc2217),tcp` accepter (rfc2217:// URL); `tcp`: raw bytes (tcp:// URL). */
  accepter: 'rfc2217' | 'tcp';
}

export interface Ser2net {
  /** One URL per connection, in order: what `--reader-port` / READER_PORT takes. */
  urls: string[];
  /** The YAML ser2net was given (for the docs and error messages). */
  config: string;
  /** ser2net's own output so far (-d: its log on stdout). */
  lines(): string[];
  /** Ends ser2net and waits for it; removes the config. Safe to call twice. */
  stop(): Promise<void>;
}

const BINARIES = ['/usr/sbin/ser2net', '/usr/bin/ser2net'];
const READY_MS = 10_000;

/** The YAML for these connections on these loopback ports (ser2net.yaml(5); 115200 8N1, modem lines ignored). */
export function ser2netConfig(connections: Ser2netConnection[], ports: number[]): string {
  const blocks = connections.map((c, i) => {
    const accepter = `${c.accepter === 'rfc2217' ? 'telnet(rfc2217),' : ''}tcp,127.0.0.1,${ports[i]}`;
    return [`connection: &oqs${i}`, `  accepter: ${accepter}`, `  connector: serialdev,${c.device},115200n81,local`].join('\n');
  });
  return ['%YAML 1.1', '---', ...blocks, ''].join('\n');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
  const a = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof a !== 'object' || !a) throw new Error('no port from the kernel');
  return a.port;
}

/** Loopback ports in LISTEN state, from the kernel's table (no connection made: ser2net opens its device on one). */
function listening(): Set<number> {
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const row of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = row.trim().split(/\s+/);
      if (f[3] === '0A' && f[1]) ports.add(parseInt(f[1].split(':')[1]!, 16));
    }
  }
  return ports;
}

/** Whether something accepts on 127.0.0.1:port (where there is no /proc: this opens ser2net's device once). */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

async function allListening(ports: number[]): Promise<boolean> {
  if (existsSync('/proc/net/tcp')) return ports.every((p) => listening().has(p));
  for (const p of ports) if (!(await accepts(p))) return false;
  return true;
}

/**
 * Starts ser2net with one connection per entry and resolves once every accepter listens. ser2net
 * runs under a shell that ends it when this process's pipe to it closes, so it does not outlive a
 * killed test run.
 */
export async function startSer2net(connections: Ser2netConnection[]): Promise<Ser2net> {
  const binary = BINARIES.find((b) => existsSync(b));
  if (!binary) throw new Error('ser2net is not installed: sh scripts/ensure-debian.sh ser2net (Debian package ser2net)');
  const dir = mkdtempSync(join(tmpdir(), 'oqs-ser2net-'));
  const ports: number[] = [];
  for (const _ of connections) ports.push(await freePort());
  const config = ser2netConfig(connections, ports);
  const file = join(dir, 'ser2net.yaml');
  writeFileSync(file, config);
  // -n: stay in the foreground; -d: log to stdout; -u: no UUCP lock files for the ptys.
  const script = '"$@" </dev/null & s=$!; trap \'kill $s 2>/dev/null\' EXIT INT TERM HUP; read _; kill $s 2>/dev/null; wait $s';
  const proc = WatchedProcess.spawn('sh', ['-c', script, 'sh', binary, '-n', '-d', '-u', '-c', file], { stdio: ['pipe', 'pipe', 'pipe'] });
  proc.proc.stdin?.on('error', () => undefined);
  let stopped: Promise<void> | null = null;
  const stop = () =>
    (stopped ??= (async () => {
      proc.proc.stdin?.end();
      await proc.stop(2000);
      rmSync(dir, { recursive: true, force: true });
    })());
  const deadline = Date.now() + READY_MS;
  while (!(await allListening(ports))) {
    if (proc.exit || Date.now() > deadline) {
      await stop();
      throw new Error(`ser2net did not listen on ${ports.join(', ')} within ${READY_MS} ms; its output:\n${proc.tail.join('\n')}\nconfig:\n${config}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return {
    urls: connections.map((c, i) => `${c.accepter === 'rfc2217' ? 'rfc2217' : 'tcp'}://127.0.0.1:${ports[i]}`),
    config,
    lines: () => [...proc.lines],
    stop,
  };
}
