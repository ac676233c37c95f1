import { createHmac, randomBytes } from 'node:crypto';
import type { Actor } from '../reader/accounts';
import type { Clock } from '../time/clock';

export interface Session {
  id: string;
  actor: Actor;
  csrfToken: string;
  lastSeen: number;
}

/**
 * Staff sessions behind an HttpOnly cookie. Each has its own CSRF token, which the page sends back
 * in a header on every state-changing request. Idle sessions expire (on the injected clock).
 * Bounded: the map is kept in order of last use, so expired sessions are swept from its front on
 * every login, and beyond `max` the least recently used is dropped (its holder logs in again).
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly clock: Clock,
    readonly idleMs = 8 * 3600_000,
    readonly max = 1024,
  ) {}

  create(actor: Actor): Session {
    this.sweep();
    const s: Session = { id: randomBytes(32).toString('base64url'), actor, csrfToken: randomBytes(24).toString('base64url'), lastSeen: this.clock.now() };
    this.sessions.set(s.id, s);
    if (this.sessions.size > this.max) this.sessions.delete(this.sessions.keys().next().value!);
    return s;
  }

  get(id: string | undefined): Session | null {
    if (!id) return null;
    const s = this.sessions.get(id);
    if (!s) return null;
    this.sessions.delete(id);
    if (this.expired(s)) return null;
    s.lastSeen = this.clock.now();
    this.sessions.set(id, s); // re-inserted last: the map's order is the order of last use
    return s;
  }

  destroy(id: string): void {
    this.sessions.delete(id);
  }

  get size(): number {
    this.sweep();
    return this.sessions.size;
  }

  private expired(s: Session): boolean {
    return this.clock.now() - s.lastSeen > this.idleMs;
  }

  /** Drops expired sessions: they are all at the front, least recently used first. */
  private sweep(): void {
    for (const s of this.sessions.values()) {
      if (!this.expired(s)) return;
      this.sessions.delete(s.id);
    }
  }
}

export interface LoginLimits {
  /** Failures an account may have before each next attempt must wait. */
  free?: number;
  /** The first wait; each further failure doubles it, up to `capMs`. */
  baseMs?: number;
  capMs?: number;
  /** A name with no failure for this long starts afresh. */
  forgetMs?: number;
  /** Names that are not accounts are remembered in a bounded LRU of this many. */
  maxUnknown?: number;
}

interface Failures {
  count: number;
  last: number;
  until: number;
}

/**
 * Slows password guessing per account name, never per client address: every user of the terminal
 * comes from 127.0.0.1, so an address count would let anyone lock out everyone. After `free`
 * failures, each further failure makes that name wait 1 s, 2 s, 4 s … up to `capMs` before its next
 * try; a wait is short enough that nobody can lock the administrator out, while guessing stays slow
 * (one try a minute at the cap). Attempts refused for waiting are not counted. A success clears the
 * name. Names that are not accounts are delayed alike (the answers do not tell which names exist)
 * but kept in a bounded LRU, so made-up names cannot grow memory or push out a real account's count.
 */
export class LoginLimiter {
  readonly free: number;
  readonly baseMs: number;
  readonly capMs: number;
  readonly forgetMs: number;
  readonly maxUnknown: number;
  private readonly known = new Map<string, Failures>();
  private readonly unknown = new Map<string, Failures>();

  constructor(
    private readonly clock: Clock,
    limits: LoginLimits = {},
  ) {
    this.free = limits.free ?? 3;
    this.baseMs = limits.baseMs ?? 1000;
    this.capMs = limits.capMs ?? 60_000;
    this.forgetMs = limits.forgetMs ?? 15 * 60_000;
    this.maxUnknown = limits.maxUnknown ?? 1024;
  }

  /** Milliseconds until `name` may try again, or 0. */
  waitMs(name: string, isAccount: boolean): number {
    const f = this.current(name, isAccount);
    return f ? Math.max(0, f.until - this.clock.now()) : 0;
  }

  fail(name: string, isAccount: boolean): void {
    const now = this.clock.now();
    const count = (this.current(name, isAccount)?.count ?? 0) + 1;
    const wait = count > this.free ? Math.min(this.capMs, this.baseMs * 2 ** Math.min(30, count - this.free - 1)) : 0;
    const map = isAccount ? this.known : this.unknown;
    map.delete(name); // re-inserted last: the map's order is the LRU order
    map.set(name, { count, last: now, until: now + wait });
    if (this.unknown.size > this.maxUnknown) this.unknown.delete(this.unknown.keys().next().value!);
  }

  succeed(name: string): void {
    this.known.delete(name);
  }

  /** Names remembered (for tests and diagnostics). */
  get size(): number {
    return this.known.size + this.unknown.size;
  }

  private current(name: string, isAccount: boolean): Failures | undefined {
    const map = isAccount ? this.known : this.unknown;
    const f = map.get(name);
    if (f && this.clock.now() - f.last >= this.forgetMs) {
      map.delete(name);
      return undefined;
    }
    return f;
  }
}

/**
 * HTTP Basic sends the password with every request, and scrypt costs ~30 ms of a core each time
 * (200 concurrent requests took 8–10 s). A verified credential is remembered for a short while,
 * under an HMAC of account and password with a key that lives only in this process: the password
 * itself is never kept, and a wrong one is never remembered (it still goes to scrypt and counts as
 * a failure). Entries expire after `ttlMs`; `forget(account)` drops an account's entries at once,
 * for when its password or role changes; at most `max` are kept (the oldest go first).
 */
export class CredentialCache {
  private readonly key = randomBytes(32);
  private readonly entries = new Map<string, { actor: Actor; expires: number }>();
  readonly ttlMs: number;
  readonly max: number;

  constructor(
    private readonly clock: Clock,
    opts: { ttlMs?: number; max?: number } = {},
  ) {
    this.ttlMs = opts.ttlMs ?? 60_000;
    this.max = opts.max ?? 256;
  }

  get(account: string, password: string): Actor | null {
    const id = this.id(account, password);
    const e = this.entries.get(id);
    if (!e) return null;
    if (this.clock.now() >= e.expires) {
      this.entries.delete(id);
      return null;
    }
    return e.actor;
  }

  remember(account: string, password: string, actor: Actor): void {
    const id = this.id(account, password);
    this.entries.delete(id);
    this.entries.set(id, { actor, expires: this.clock.now() + this.ttlMs });
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }

  forget(account: string): void {
    for (const [id, e] of this.entries) if (e.actor.account === account) this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }

  private id(account: string, password: string): string {
    // Length-prefixed, so no account/password split can collide with another.
    return createHmac('sha256', this.key)
      .update(`${Buffer.byteLength(account)}:${account}`)
      .update(password)
      .digest('base64url');
  }
}
