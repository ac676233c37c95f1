import { OqsError } from './errors';
import type { ConfirmationRecord, ModeChange } from './records';

/** Instants on a record's finishedAt (a mode change's at): ISO 8601 UTC, from inclusive, to exclusive. */
export interface RecordRange {
  from?: string;
  to?: string;
}

/** Which end a walk starts from: oldest first (the default, as audits read) or newest first (a screen). */
export type PageOrder = 'oldest' | 'newest';
export const PAGE_ORDERS: readonly PageOrder[] = ['oldest', 'newest'];

/**
 * One page, oldest first (finishedAt, then id) or, with order 'newest', exactly the reverse. The
 * cursor is opaque, names its order, and stays valid while records are added: a walk sees every
 * record in range that was there when it started exactly once; a newest-first walk does not go back
 * for records added after it started (those come first on a fresh walk).
 */
export interface RecordPageQuery extends RecordRange {
  limit: number;
  cursor?: string | null;
  order?: PageOrder;
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

/**
 * A cursor is the sort key of the last row of the page before and the walk's order, base64url'd:
 * opaque to clients. A cursor without an order (given out before there was one) is oldest first.
 */
export function encodeCursor(key: PageKey, order: PageOrder = 'oldest'): string {
  return Buffer.from(JSON.stringify([...key, order])).toString('base64url');
}

/** The key a page starts after; OQS_ERR_BAD_CURSOR if the terminal did not give it out, or gave it out for the other order. */
export function decodeCursor(cursor: string | null | undefined, tie: 'string' | 'number', order: PageOrder = 'oldest'): PageKey | null {
  if (cursor === null || cursor === undefined) return null;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    const ok = Array.isArray(v) && (v.length === 2 ? order === 'oldest' : v.length === 3 && v[2] === order);
    if (ok && typeof v[0] === 'string' && typeof v[1] === tie) return [v[0], v[1] as string | number];
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

/** A page of rows already in memory (MemoryStore): sorted in the query's order, in range, past the cursor. */
export function pageOf<T>(rows: T[], key: (row: T) => PageKey, q: RecordPageQuery, tie: 'string' | 'number'): { rows: T[]; next: string | null } {
  const limit = checkLimit(q.limit);
  const order = q.order ?? 'oldest';
  const sign = order === 'oldest' ? 1 : -1;
  const after = decodeCursor(q.cursor, tie, order);
  const sorted = rows
    .filter((r) => inRange(key(r)[0], q) && (!after || sign * compareKeys(key(r), after) > 0))
    .sort((a, b) => sign * compareKeys(key(a), key(b)));
  const page = sorted.slice(0, limit);
  return { rows: page, next: sorted.length > limit ? encodeCursor(key(page[page.length - 1]!), order) : null };
}
