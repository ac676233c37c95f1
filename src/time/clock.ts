/**
 * The clock contract. Everything below the composition root takes a Clock instead of calling
 * setTimeout or Date.now, so the harness decides how fast device time runs: a VirtualClock in
 * tests (free), a RealClock at scale 1 for a realistic device, or any other scale for demos.
 */
export interface Timer {
  cancel(): void;
}

export interface TimerOptions {
  background?: boolean;
}

export interface Clock {
  /** Milliseconds since the epoch, in this clock's time. */
  now(): number;
  /**
   * Runs `fn` after `ms` of this clock's time. `name` is for diagnostics only. A background timer
   * (a heartbeat, a reconnect attempt) never keeps a virtual clock from counting as idle.
   */
  setTimer(name: string, ms: number, fn: () => void, opts?: TimerOptions): Timer;
  /** Resolves after `ms` of this clock's time. */
  sleep(name: string, ms: number): Promise<void>;
}

/** Wall-clock time; `scale` stretches delays (1 = realistic, 0.1 = ten times faster). */
export class RealClock implements Clock {
  constructor(private readonly scale = 1) {
    if (!(scale >= 0)) throw new TypeError(`"scale" must be a number >= 0, got ${scale}`);
  }
  now(): number {
    return Date.now();
  }
  setTimer(_name: string, ms: number, fn: () => void, opts?: TimerOptions): Timer {
    const handle = setTimeout(fn, Math.max(0, ms * this.scale));
    // A background timer must not keep the process alive on its own.
    if (opts?.background) handle.unref();
    return { cancel: () => clearTimeout(handle) };
  }
  sleep(name: string, ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(name, ms, resolve));
  }
}

/**
 * Wall time shifted by a settable offset, timers in real time: for runs on real devices where a
 * scenario still says "today is 2026/11/24".
 */
export class OffsetClock extends RealClock {
  private offset = 0;
  override now(): number {
    return Date.now() + this.offset;
  }
  set(ms: number): void {
    this.offset = ms - Date.now();
  }
}

/**
 * Another clock's time with its delays stretched by `scale`: an embedded emulator's device time
 * (`start --time-scale`) beside a controller whose own timers (command timeouts, reconnects, the
 * daily retention run) stay real. Scaling those too made a 0 scale run them in a loop.
 */
export class ScaledClock implements Clock {
  constructor(
    private readonly base: Clock,
    private readonly scale: number,
  ) {
    if (!(scale >= 0)) throw new TypeError(`"scale" must be a number >= 0, got ${scale}`);
  }
  now(): number {
    return this.base.now();
  }
  setTimer(name: string, ms: number, fn: () => void, opts?: TimerOptions): Timer {
    return this.base.setTimer(name, ms * this.scale, fn, opts);
  }
  sleep(name: string, ms: number): Promise<void> {
    return this.base.sleep(name, ms * this.scale);
  }
}
