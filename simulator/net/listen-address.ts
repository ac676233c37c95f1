import type { NetAddress } from '../../src/net/net-path';
import { EmulatorError } from '../errors';

/**
 * Where `oqs-reader emulate --listen` serves a reader: `tcp://HOST:PORT` (raw bytes) or
 * `rfc2217://HOST:PORT` (Telnet with the COM Port Control Option), the controller's reader-port
 * shape (src/net/net-path.ts); here port 0 picks a free one.
 */
export type ListenAddress = NetAddress;

/** Parses a listen address; throws an EmulatorError EMU_ERR_BAD_ADDRESS whose message says why. */
export function parseListenAddress(text: string): ListenAddress {
  const bad = (why: string) => new EmulatorError('EMU_ERR_BAD_ADDRESS', `--listen ${JSON.stringify(text)}: ${why}`);
  const m = /^(tcp|rfc2217):\/\/(\[[0-9a-fA-F:.]+\]|[^\s/:[\]]+):(\d{1,5})\/?$/.exec(text);
  if (!m) throw bad('expected tcp://HOST:PORT or rfc2217://HOST:PORT (e.g. tcp://127.0.0.1:0)');
  const port = Number(m[3]);
  if (port > 65535) throw bad(`port ${port} is out of range (0..65535)`);
  const host = m[2]!.startsWith('[') ? m[2]!.slice(1, -1) : m[2]!;
  return { scheme: m[1] as ListenAddress['scheme'], host, port };
}

export function formatListenAddress(a: ListenAddress): string {
  return `${a.scheme}://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}
