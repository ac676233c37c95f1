import type { FastifyReply, FastifyRequest } from 'fastify';
import { OqsError } from '../reader/errors';
import { send } from './refusals';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** "Host" or URL host → the bare lower-case name: no port, no IPv6 brackets, no trailing dot. */
export function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  const name = h.startsWith('[') ? h.slice(1, h.indexOf(']')) : h.replace(/:\d*$/, '');
  return name.replace(/\.$/, '');
}

export function isLoopbackName(name: string): boolean {
  return name === 'localhost' || name === '::1' || /^127(\.\d{1,3}){3}$/.test(name);
}

/**
 * Refuses requests for a host this terminal is not (DNS rebinding: a page of evil.example whose
 * name now points at 127.0.0.1), and changes whose Origin is not this very address (another site,
 * or another program's page on another loopback port). Loopback names always pass; `allowed` adds
 * the names and addresses of a --host other than loopback.
 */
export function hostGuard(allowed: readonly string[] = []) {
  const names = new Set(allowed.map(hostName));
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const host = req.headers.host ?? '';
    const name = hostName(host);
    if (!isLoopbackName(name) && !names.has(name)) return send(req, reply, new OqsError('OQS_ERR_FOREIGN_HOST', host.slice(0, 100)));
    const origin = req.headers.origin;
    if (SAFE.has(req.method) || origin === undefined) return;
    if (!sameOrigin(origin, host)) return send(req, reply, new OqsError('OQS_ERR_FOREIGN_ORIGIN', origin.slice(0, 100), `http://${host}`));
  };
}

function sameOrigin(origin: string, host: string): boolean {
  try {
    const u = new URL(origin);
    const own = new URL(`http://${host}`);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host === own.host;
  } catch {
    return false; // "null" (a sandboxed frame, a file) or garbage
  }
}
