import type { FastifyRequest } from 'fastify';
import type { AccountDirectory, Actor } from '../reader/accounts';
import { OqsError } from '../reader/errors';
import type { CredentialCache, LoginLimiter, Session, SessionStore } from './sessions';

export const SESSION_COOKIE = 'oqs_session';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface Auth {
  accounts: AccountDirectory;
  sessions: SessionStore;
  limiter: LoginLimiter;
  /** Verified HTTP Basic credentials, so scrypt does not run on every request. */
  credentials: CredentialCache;
}

/** A refused login attempt that may be retried after `retryAfterSeconds` (sent as Retry-After too). */
export class LoginDelayed extends OqsError {
  constructor(readonly retryAfterSeconds: number) {
    super('OQS_ERR_TOO_MANY_ATTEMPTS', retryAfterSeconds);
  }
}

/** Checks a password, slowing guesses per account name (see LoginLimiter). */
export function login(auth: Auth, account: string, password: string): Actor {
  const isAccount = auth.accounts.has(account);
  const wait = auth.limiter.waitMs(account, isAccount);
  if (wait > 0) throw new LoginDelayed(Math.ceil(wait / 1000));
  const actor = auth.accounts.verify(account, password);
  if (!actor) {
    auth.limiter.fail(account, isAccount);
    throw new OqsError('OQS_ERR_BAD_CREDENTIALS');
  }
  auth.limiter.succeed(account);
  return actor;
}

export function sessionOf(req: FastifyRequest, auth: Auth): Session | null {
  return auth.sessions.get(req.cookies?.[SESSION_COOKIE]);
}

/**
 * The account behind a request: the session cookie (with its CSRF token on anything that changes
 * state), or HTTP Basic for scripts (not sent by pages, so no CSRF token needed).
 */
export function actorOf(req: FastifyRequest, auth: Auth): Actor {
  const session = sessionOf(req, auth);
  if (session) {
    if (!SAFE.has(req.method) && req.headers['x-csrf-token'] !== session.csrfToken) throw new OqsError('OQS_ERR_CSRF');
    return session.actor;
  }
  const header = req.headers.authorization;
  if (!header || !header.startsWith('Basic ')) throw new OqsError('OQS_ERR_UNAUTHENTICATED');
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) throw new OqsError('OQS_ERR_UNAUTHENTICATED');
  const account = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  const known = auth.credentials.get(account, password);
  if (known) return known;
  const actor = login(auth, account, password);
  auth.credentials.remember(account, password, actor);
  return actor;
}
