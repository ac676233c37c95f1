import { randomBytes } from 'node:crypto';
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
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly clock: Clock,
    readonly idleMs = 8 * 3600_000,
  ) {}

  create(actor: Actor): Session {
    const s: Session = { id: randomBytes(32).toString('base64url'), actor, csrfToken: randomBytes(24).toString('base64url'), lastSeen: this.clock.now() };
    this.sessions.set(s.id, s);
    return s;
  }

  get(id: string | undefined): Session | null {
    if (!id) return null;
    const s = this.sessions.get(id);
    if (!s) return null;
    if (this.clock.now() - s.lastSeen > this.idleMs) {
      this.sessions.delete(id);
      return null;
    }
    s.lastSeen = this.clock.now();
    return s;
  }

  destroy(id: string): void {
    this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }
}

/**
 * Refuses further login attempts for an account (and separately for a client address) after
 * `max` failures within `windowMs`; a success clears the account's count.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly clock: Clock,
    readonly max = 5,
    readonly windowMs = 15 * 60_000,
  ) {}

  /** Milliseconds until `key` may try again, or 0. */
  blockedFor(key: string): number {
    const recent = this.recent(key);
    return recent.length >= this.max ? recent[0]! + this.windowMs - this.clock.now() : 0;
  }

  fail(key: string): void {
    this.failures.set(key, [...this.recent(key), this.clock.now()]);
  }

  succeed(key: string): void {
    this.failures.delete(key);
  }

  private recent(key: string): number[] {
    const now = this.clock.now();
    return (this.failures.get(key) ?? []).filter((t) => now - t < this.windowMs);
  }
}
