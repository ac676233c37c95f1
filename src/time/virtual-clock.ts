import type { Clock, Timer, TimerOptions } from './clock';

interface Entry {
  at: number;
  order: number;
  name: string;
  fn: () => void;
  cancelled: boolean;
  background: boolean;
}

/** A timer the clock is about to fire, and how far virtual time moves for it (0 if it was due already). */
export interface FiredTimer {
  name: string;
  at: number;
  advancedMs: number;
}

/** A real macrotask turn: lets in-flight I/O callbacks (nextTick, promises, mock reads) run. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
/** About two seconds of real time for I/O to finish when no virtual timer is left to fire. */
const IDLE_GRACE_TURNS = 2000;

/**
 * Virtual time for tests: nothing fires until the harness advances the clock. `resolve()`
 * advances to the next due timer whenever the process is otherwise idle, until a promise settles,
 * so a 1.5 s face capture costs microseconds and timers always fire in time order.
 */
export class VirtualClock implements Clock {
  private time: number;
  private seq = 0;
  private queue: Entry[] = [];
  private readonly observers = new Set<(timer: FiredTimer) => void>();

  constructor(startMs = Date.UTC(2026, 10, 24, 0, 30)) {
    this.time = startMs;
  }

  now(): number {
    return this.time;
  }

  /** Sets the wall time without firing timers (for "today is …" steps). */
  set(ms: number): void {
    const delta = ms - this.time;
    this.time = ms;
    for (const e of this.queue) e.at += delta;
  }

  setTimer(name: string, ms: number, fn: () => void, opts?: TimerOptions): Timer {
    const entry: Entry = { at: this.time + Math.max(0, ms), order: this.seq++, name, fn, cancelled: false, background: !!opts?.background };
    // Kept sorted by (at, order): the newest entry has the highest order, so it goes after every
    // entry due at or before its time (binary search, then one splice; no re-sort).
    const q = this.queue;
    let lo = 0;
    let hi = q.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (q[mid]!.at <= entry.at) lo = mid + 1;
      else hi = mid;
    }
    q.splice(lo, 0, entry);
    return {
      cancel: () => {
        if (entry.cancelled) return;
        entry.cancelled = true;
        // Binary search on (at, order), which is unique and what the queue is sorted by.
        const q = this.queue;
        let lo = 0;
        let hi = q.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          const e = q[mid]!;
          if (e.at < entry.at || (e.at === entry.at && e.order < entry.order)) lo = mid + 1;
          else hi = mid;
        }
        if (q[lo] === entry) q.splice(lo, 1);
      },
    };
  }

  sleep(name: string, ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(name, ms, resolve));
  }

  /**
   * Calls `fn` before each timer fires (before virtual time moves to it and its callback runs);
   * returns the function that stops it. For instrumentation (the bench's device time and paced
   * runs, bench/suite/device-clock.ts): an observer must not schedule timers of its own.
   */
  onFire(fn: (timer: FiredTimer) => void): () => void {
    this.observers.add(fn);
    return () => void this.observers.delete(fn);
  }

  /** Names of pending timers, soonest first. */
  pending(): string[] {
    return this.queue.map((e) => e.name);
  }

  /** Advances by `ms`, firing every timer that falls due, in order. */
  async advance(ms: number): Promise<void> {
    const until = this.time + ms;
    for (;;) {
      await turn();
      const next = this.queue[0];
      if (!next || next.at > until) break;
      this.fire(next);
    }
    this.time = until;
    await turn();
  }

  /**
   * Settles `promise`, advancing virtual time only while nothing else can happen.
   * Throws if `limitMs` of virtual time pass first (a hung wait is a test failure, not a hang).
   */
  async resolve<T>(promise: Promise<T>, limitMs = 3_600_000): Promise<T> {
    let settled = false;
    const tracked = promise.then(
      (v) => ((settled = true), v),
      (e) => {
        settled = true;
        throw e;
      },
    );
    tracked.catch(() => undefined);
    const deadline = this.time + limitMs;
    let idle = 0;
    for (;;) {
      await turn();
      await turn();
      if (settled) return tracked;
      const next = this.queue[0];
      // Nothing to fire: real I/O (a file read, a socket) may still be under way, so give it
      // real time before calling the wait hopeless.
      if (!next && idle < IDLE_GRACE_TURNS) {
        idle++;
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
      idle = 0;
      if (!next || next.at > deadline) {
        throw Object.assign(
          new Error(`nothing settled the wait within ${limitMs} ms of virtual time` + (next ? '' : ' (no timer pending: the wait can never end)')),
          { code: 'CLOCK_WAIT_STALLED' },
        );
      }
      this.fire(next);
    }
  }

  /**
   * Lets everything that is going to happen happen: fires due timers in order until none is
   * pending. Throws past `limitMs` of virtual time (a periodic timer would never go idle).
   */
  async runUntilIdle(limitMs = 3_600_000): Promise<void> {
    const deadline = this.time + limitMs;
    for (;;) {
      await turn();
      await turn();
      // Idle when only background timers are left; those that fall due meanwhile still fire.
      if (!this.queue.some((e) => !e.background)) return;
      const next = this.queue[0]!;
      if (next.at > deadline) {
        throw Object.assign(new Error(`still busy after ${limitMs} ms of virtual time (next timer: ${next.name})`), { code: 'CLOCK_NOT_IDLE' });
      }
      this.fire(next);
    }
  }

  private fire(entry: Entry): void {
    this.queue.shift();
    if (!entry.cancelled && this.observers.size > 0) {
      const timer: FiredTimer = { name: entry.name, at: entry.at, advancedMs: Math.max(0, entry.at - this.time) };
      for (const fn of this.observers) fn(timer);
    }
    this.time = Math.max(this.time, entry.at);
    if (!entry.cancelled) entry.fn();
  }
}
