import { OqsError } from './errors';
import type { ConfirmationRecord, ModeChange } from './records';

/** Instants on a record's finishedAt (a mode change's at): ISO 8601 UTC, from inclusive, to exclusive. */
export interface RecordRange {
  from?: string;
  to?: string;
}

/** One page, oldest first (finishedAt, then id). The cursor is opaque and stays valid while records are added. */
export interface RecordPageQuery extends RecordRange {
  limit: number;
  cursor?: string | null;
}

export interface RecordPage {
  records: ConfirmationRecord[];
  /** The cursor of the next page, or null when this page is the last. */
  next: string | null;
}

export interface ModeChangePage {
  changes: ModeChange[];
  next: string | null;
}

/** How many rows a prune removed. */
export interface Pruned {
  records: number;
  modeChanges: number;
}

/** Where a page starts: after the row with this sort key (finishedAt or at, then id or sequence number). */
export type PageKey = [at: string, tie: string | number];

/** A cursor is the sort key of the last row of the page before, base64url'd: opaque to clients. */
export function encodeCursor(key: PageKey): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string | null | undefined, tie: 'string' | 'number'): PageKey | null {
  if (cursor === null || cursor === undefined) return null;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === tie) return v as PageKey;
  } catch {
    // not JSON: falls through to the coded error
  }
  throw new OqsError('OQS_ERR_BAD_CURSOR', cursor.slice(0, 80));
}

/** A page limit is a whole number from 1 to 1000: a programming error otherwise (the API checks its input first). */
export function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw new RangeError(`page limit must be 1..${MAX_PAGE}, got ${limit}`);
  return limit;
}

export const MAX_PAGE = 1000;

export function inRange(at: string, r: RecordRange): boolean {
  return (r.from === undefined || at >= r.from) && (r.to === undefined || at < r.to);
}

/** Compares two sort keys as the stores order rows. */
export function compareKeys(a: PageKey, b: PageKey): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] === b[1] ? 0 : a[1] < b[1] ? -1 : 1;
}

/** A page of rows already in memory (MemoryStore): sorted, in range, after the cursor. */
export function pageOf<T>(rows: T[], key: (row: T) => PageKey, q: RecordPageQuery, tie: 'string' | 'number'): { rows: T[]; next: string | null } {
  const limit = checkLimit(q.limit);
  const after = decodeCursor(q.cursor, tie);
  const sorted = rows.filter((r) => inRange(key(r)[0], q) && (!after || compareKeys(key(r), after) > 0)).sort((a, b) => compareKeys(key(a), key(b)));
  const page = sorted.slice(0, limit);
  return { rows: page, next: sorted.length > limit ? encodeCursor(key(page[page.length - 1]!)) : null };
}
