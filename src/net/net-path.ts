import { OqsError } from '../reader/errors';

export type NetScheme = 'tcp' | 'rfc2217';

/** A reader port on the network: `tcp://HOST:PORT` (raw bytes) or `rfc2217://HOST:PORT`. */
export interface NetAddress {
  scheme: NetScheme;
  /** A name or an address; an IPv6 address without its brackets. */
  host: string;
  port: number;
}

/**
 * The network address a reader port path names; null when it names none (a tty, COM3), so the
 * native binding opens it. A path that starts with tcp: or rfc2217: but is not HOST:PORT and
 * nothing else is refused with OQS_ERR_NET_ADDRESS rather than opened as a file.
 */
export function parseNetPath(path: string): NetAddress | null {
  const m = /^(tcp|rfc2217):/i.exec(path);
  if (!m) return null;
  const bad = (why: string) => new OqsError('OQS_ERR_NET_ADDRESS', path, why);
  let url: URL;
  try {
    url = new URL(path);
  } catch {
    throw bad('not a URL');
  }
  if (!url.href.startsWith(`${url.protocol}//`) || !url.hostname) throw bad('no host');
  if (url.username || url.password) throw bad('a user or password in the address');
  if ((url.pathname && url.pathname !== '/') || url.search || url.hash) throw bad('anything after the port');
  const port = Number(url.port);
  if (!url.port || !Number.isInteger(port) || port < 1 || port > 65535) throw bad('no port from 1 to 65535');
  return { scheme: m[1]!.toLowerCase() as NetScheme, host: url.hostname.replace(/^\[|\]$/g, ''), port };
}
