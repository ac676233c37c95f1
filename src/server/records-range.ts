import { OqsError } from '../reader/errors';
import type { RecordRange } from '../reader/store';
import { MAX_PAGE, PAGE_ORDERS, type PageOrder } from '../reader/store-query';
import { DAY_MS, jstMidnight } from '../reader/retention';

/** Records on one page when the client does not say: a screenful. */
export const DEFAULT_PAGE = 50;
export { MAX_PAGE, PAGE_ORDERS };

const JST_OFFSET_MS = 9 * 3600_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** What the API's from, to and day say, before they are read. */
export interface RangeQuery {
  from?: string;
  to?: string;
  day?: string;
}

/**
 * The instants a request's range stands for, in the form the store compares (toISOString).
 * `from` and `to` are each a day in Japan, YYYY-MM-DD (from its JST midnight; `to` includes the
 * whole day), or an instant with Z or an offset (`to` excluded). `day=today` is today in Japan and
 * goes alone. Anything else is OQS_ERR_RECORDS_RANGE, as is a `from` not before `to`.
 */
export function resolveRange(q: RangeQuery, nowMs: number): RecordRange {
  if (q.day !== undefined) {
    if (q.day !== 'today') throw new OqsError('OQS_ERR_RECORDS_RANGE', `day must be "today"; got "${clip(q.day)}"`);
    if (q.from !== undefined || q.to !== undefined) throw new OqsError('OQS_ERR_RECORDS_RANGE', 'day=today with from or to');
    const start = jstMidnight(nowMs);
    return { from: iso(start), to: iso(start + DAY_MS) };
  }
  const from = q.from === undefined ? undefined : bound('from', q.from, 0);
  const to = q.to === undefined ? undefined : bound('to', q.to, DAY_MS);
  if (from !== undefined && to !== undefined && from >= to) throw new OqsError('OQS_ERR_RECORDS_RANGE', `from ${q.from} is not before to ${q.to}`);
  return { ...(from !== undefined ? { from: iso(from) } : {}), ...(to !== undefined ? { to: iso(to) } : {}) };
}

/** The page size asked for, or the default; OQS_ERR_PAGE_LIMIT outside 1..MAX_PAGE. */
export function pageLimit(limit: string | number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE;
  const n = typeof limit === 'number' ? limit : /^\d{1,7}$/.test(limit) ? Number(limit) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE) throw new OqsError('OQS_ERR_PAGE_LIMIT', MAX_PAGE, clip(String(limit)));
  return n;
}

/** The walk's order asked for, or oldest first; OQS_ERR_PAGE_ORDER for anything but oldest or newest. */
export function pageOrder(order: string | undefined): PageOrder {
  if (order === undefined) return 'oldest';
  const known = PAGE_ORDERS.find((o) => o === order);
  if (!known) throw new OqsError('OQS_ERR_PAGE_ORDER', clip(order));
  return known;
}

/** One end of a range as ms since the epoch; a date's `dayShift` moves `to` past the whole day. */
function bound(name: 'from' | 'to', text: string, dayShift: number): number {
  const d = DATE.exec(text);
  if (d) {
    const [y, m, day] = [Number(d[1]), Number(d[2]), Number(d[3])];
    const utc = Date.UTC(y, m - 1, day);
    const back = new Date(utc);
    if (back.getUTCFullYear() !== y || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== day)
      throw new OqsError('OQS_ERR_RECORDS_RANGE', `${name} ${clip(text)} is not a calendar date`);
    return utc - JST_OFFSET_MS + dayShift;
  }
  const ms = INSTANT.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(ms)) throw new OqsError('OQS_ERR_RECORDS_RANGE', `${name} "${clip(text)}" is neither YYYY-MM-DD nor an ISO 8601 instant`);
  return ms;
}

function iso(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) throw new OqsError('OQS_ERR_RECORDS_RANGE', 'a date out of range');
  return d.toISOString();
}

const clip = (s: string) => s.slice(0, 40);
