import type { NetworkInterfaceInfo } from 'node:os';
import { isLoopbackName } from './hosts';

type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

const WILDCARD = new Set(['', '0.0.0.0', '::', '[::]']);

const url = (address: string, port: number) => `http://${address.includes(':') ? `[${address}]` : address}:${port}/`;

/** The addresses other computers could use: every non-internal interface address a browser can take. */
function external(interfaces: Interfaces): string[] {
  return (
    Object.values(interfaces)
      .flatMap((list) => list ?? [])
      // IPv6 link-local addresses need a zone id, which browsers do not take in a URL.
      .filter((i) => !i.internal && !/^fe80:/i.test(i.address))
      .map((i) => i.address)
  );
}

/**
 * The start banner's lines about where the terminal listens. The host the operator asked for
 * decides it (fastify's own address for 0.0.0.0 is just one of many, often 127.0.0.1, which hid that
 * the screen was open to the whole network). A bind beyond loopback carries a warning in Japanese
 * (for clinic staff) and English. `interfaces` is os.networkInterfaces(), passed in to keep this pure.
 */
export function describeListen(host: string, port: number, interfaces: Interfaces): string[] {
  const h = host.replace(/^\[|\]$/g, '');
  if (isLoopbackName(h.toLowerCase())) {
    const base = url(h, port);
    return [`oqs-reader listening on ${base}  (operation screen: ${base} · API: ${base}api/openapi.json)`];
  }
  const wildcard = WILDCARD.has(host);
  const reachable = wildcard ? external(interfaces) : [h];
  return [
    wildcard
      ? `oqs-reader listening on all addresses (${host || '0.0.0.0'}), port ${port}: ${url('127.0.0.1', port)} on this computer; from others: ${reachable.map((a) => url(a, port)).join(' ') || '(no network address found)'}`
      : `oqs-reader listening on ${url(h, port)} (not on 127.0.0.1)  (API: ${url(h, port)}api/openapi.json)`,
    `警告：--host ${host || '0.0.0.0'} のため、操作画面とAPIを院内ネットワーク上の他のコンピュータからも開けます。通信は暗号化されません（パスワードも平文）。必要なければ --host 127.0.0.1 で起動し直してください。`,
    `WARNING: with --host ${host || '0.0.0.0'} the operation screen and the API are open to other computers on the network, over plain HTTP (passwords unencrypted). Unless that is needed, restart with --host 127.0.0.1.`,
  ];
}

/**
 * The Host names buildServer({ allowedHosts }) must accept besides loopback for a bind: the
 * address itself, or for a wildcard every interface address and the computer's name.
 */
export function allowedHostsFor(host: string, interfaces: Interfaces, hostname: string): string[] {
  const h = host.replace(/^\[|\]$/g, '');
  if (isLoopbackName(h.toLowerCase())) return [];
  if (!WILDCARD.has(host)) return [h];
  return [...external(interfaces), hostname];
}
