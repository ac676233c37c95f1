import type { Clock, Timer } from '../time/clock';
import { OqsError } from './errors';
import type { Pruned, TerminalStore } from './store';

/**
 * Retention (issue 15): confirmation records and the mode-change audit trail are kept for a number
 * of whole days in Japan, then deleted. The job runs once at start and then every day just after
 * midnight in Japan, on the injected clock; each run deletes what finished (or changed) before the
 * JST midnight `days` days before today's. Whoever must keep more exports first
 * (GET /api/records/export, GET /api/mode-changes/export): pruning is a delete.
 *
 * The default is five years (1827 days: five years with their leap days). Our reasoning, not legal
 * advice, since no source we have states a period for these records (shared/docs/domain.md §4.3):
 * 保険医療機関及び保険医療養担当規則 第9条 keeps the books and records of 療養の給付 for 3 years from
 * their completion, and 受給資格の確認 (第3条) is part of that; 診療録 are kept 5 years (医師法 第24条,
 * 療担規則 第9条), and a 保険者 may claim back a paid 診療報酬 for 5 years. Five years covers all of
 * them; a clinic whose rules say longer sets --retention-days.
 */
export const DEFAULT_RETENTION_DAYS = 1827;
export const MIN_RETENTION_DAYS = 1;
export const MAX_RETENTION_DAYS = 36_525;

export const DAY_MS = 86_400_000;
const JST_OFFSET_MS = 9 * 3600_000;
/** After midnight in Japan, so a run never races the day's first records at 00:00:00. */
const RUN_AFTER_MIDNIGHT_MS = 5 * 60_000;

/** The JST midnight that begins the day of `nowMs`, as ms since the epoch. */
export function jstMidnight(nowMs: number): number {
  return Math.floor((nowMs + JST_OFFSET_MS) / DAY_MS) * DAY_MS - JST_OFFSET_MS;
}

/** Records that finished before this instant (ISO) are past a retention of `days` days. */
export function retentionCutoff(nowMs: number, days: number): string {
  return new Date(jstMidnight(nowMs) - days * DAY_MS).toISOString();
}

/** A retention period as given (CLI, config): whole days, MIN..MAX; else OQS_ERR_RETENTION. */
export function parseRetentionDays(value: string | number | undefined): number {
  if (value === undefined) return DEFAULT_RETENTION_DAYS;
  const n = typeof value === 'number' ? value : /^\d{1,6}$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isInteger(n) || n < MIN_RETENTION_DAYS || n > MAX_RETENTION_DAYS)
    throw new OqsError('OQS_ERR_RETENTION', MIN_RETENTION_DAYS, MAX_RETENTION_DAYS, String(value).slice(0, 40));
  return n;
}

/** One run of the job: the cutoff and how much went. */
export interface RetentionRun extends Pruned {
  before: string;
  at: string;
}

export interface RetentionOptions {
  store: TerminalStore;
  clock: Clock;
  days?: number;
  /** Each run's result (the log). */
  onRun?: (run: RetentionRun) => void;
  /** A run that failed (the store could not delete): tried again at the next run. */
  onError?: (e: Error) => void;
}

/** The daily retention job. start() runs it at once and schedules the next run; stop() ends it. */
export class RetentionJob {
  readonly days: number;
  private timer: Timer | null = null;
  private stopped = false;
  last: RetentionRun | null = null;
  /** How many runs were made (the start-up run included). */
  runs = 0;

  constructor(private readonly opts: RetentionOptions) {
    this.days = parseRetentionDays(opts.days);
  }

  /** Runs now (the start-up run) and then daily; returns the start-up run (null if it failed). */
  start(): RetentionRun | null {
    this.stopped = false;
    const run = this.runSafely();
    this.schedule();
    return run;
  }

  /** One run now: deletes what is past the period. Throws what the store throws. */
  runOnce(): RetentionRun {
    const now = this.opts.clock.now();
    const before = retentionCutoff(now, this.days);
    this.runs++;
    const pruned = this.opts.store.prune(before);
    this.last = { before, at: new Date(now).toISOString(), records: pruned.records, modeChanges: pruned.modeChanges };
    this.opts.onRun?.(this.last);
    return this.last;
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
  }

  private runSafely(): RetentionRun | null {
    try {
      return this.runOnce();
    } catch (e) {
      this.opts.onError?.(e as Error);
      return null;
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    const now = this.opts.clock.now();
    const next = jstMidnight(now) + DAY_MS + RUN_AFTER_MIDNIGHT_MS;
    // Background: the job never keeps a virtual clock busy, nor the process alive.
    this.timer = this.opts.clock.setTimer(
      'retention',
      next - now,
      () => {
        this.runSafely();
        this.schedule();
      },
      { background: true },
    );
  }
}
