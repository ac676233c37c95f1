/**
 * The kill test's history (issue 15): before the first start the store already holds a year of
 * another reader's records, bulk-loaded in one transaction (seconds, not minutes), so every kill and
 * restart happens against a large store. At the end that history must be exactly as it was.
 */
import type { ConfirmationRecord } from '../src/reader/records';
import { FileStore } from '../src/reader/store';
import { check, type Check } from './kill-checks';

/** The reader the history came from: not the emulator's, so the two sets of records never mix. */
export const HISTORY_SERIAL = 'HIST-0001';
const DAY_MS = 24 * 3600_000;

/**
 * How the history is spread: `days` back from the end (default: 300 records a day, more for a large
 * history, so it spans at most 1,500 days and the default retention of five years deletes none of it
 * at start). A longer span (--history-days) puts part of it past the retention, so the first start's
 * retention run deletes that part while the kill test runs (the condition of known problem 9).
 */
export function historyPerDay(total: number, days?: number): number {
  return days ? Math.max(1, Math.ceil(total / days)) : Math.max(300, Math.ceil(total / 1500));
}

/** The n-th record (0-based) of `total`, back from `endMs`, `historyPerDay` a day; the newest ones are today's. */
export function historyRecord(n: number, total: number, endMs: number, days?: number): ConfirmationRecord {
  const perDay = historyPerDay(total, days);
  const back = total - 1 - n; // the last record is the newest
  const finished = endMs - Math.floor(back / perDay) * DAY_MS - (back % perDay) * 60_000 - 3600_000;
  const at = new Date(finished).toISOString();
  const confirmed = n % 9 !== 0;
  return {
    id: `${HISTORY_SERIAL}:${n + 1}`,
    outcome: confirmed ? 'confirmed' : 'failed',
    method: n % 3 === 0 ? 'pin' : 'face',
    failReason: confirmed ? null : 'faceMismatch',
    confirmationDate: '2026/01/01',
    operator: null,
    reader: { vendor: 'OQS Emulated', model: 'FACE-EMU-1', serial: HISTORY_SERIAL },
    cardId: confirmed ? (n * 2654435761).toString(16).padStart(32, '0').slice(-32) : null,
    consent: confirmed ? (n % 2 ? 'all' : 'individual') : null,
    startedAt: new Date(finished - 20_000).toISOString(),
    finishedAt: at,
  };
}

/** Writes `total` history records into the state directory's store, in one transaction. */
export function seedHistory(stateDir: string, total: number, endMs: number, days?: number): void {
  const store = new FileStore(stateDir);
  try {
    store.saveRecords(
      (function* () {
        for (let n = 0; n < total; n++) yield historyRecord(n, total, endMs, days);
      })(),
    );
  } finally {
    store.close();
  }
}

/**
 * The history at the end: every seeded record that finished at or after `cutoff` (the first start's
 * retention cutoff; none before it when omitted) there once and unchanged, none before it, no other
 * record of that reader. Streams: holds ids, not records.
 */
export function checkHistory(found: Iterable<ConfirmationRecord>, total: number, endMs: number, days?: number, cutoff = ''): Check {
  const problems: string[] = [];
  const seen = new Set<string>();
  let count = 0;
  for (const r of found) {
    count++;
    const n = Number(r.id.slice(HISTORY_SERIAL.length + 1)) - 1;
    const want = Number.isInteger(n) && n >= 0 && n < total ? historyRecord(n, total, endMs, days) : null;
    if (!want) problems.push(`${r.id}: not a record of the history`);
    else if (seen.has(r.id)) problems.push(`${r.id}: twice`);
    else if (JSON.stringify(r) !== JSON.stringify(want)) problems.push(`${r.id}: changed`);
    else if (want.finishedAt < cutoff) problems.push(`${r.id}: finished ${want.finishedAt}, before the retention cutoff ${cutoff}, and still there`);
    seen.add(r.id);
  }
  let kept = 0;
  let missing = 0;
  for (let n = 0; n < total; n++) {
    if (historyRecord(n, total, endMs, days).finishedAt < cutoff) continue;
    kept++;
    if (!seen.has(`${HISTORY_SERIAL}:${n + 1}`)) missing++;
  }
  if (missing) problems.push(`${missing} of the ${kept} history records inside the retention are missing`);
  const pruned = total - kept;
  return check(
    `the ${total} records the store held before the first start are all there, once and unchanged${pruned ? ` (less the ${pruned} past the retention)` : ''}`,
    problems,
    `${count} history records found${pruned ? `, ${pruned} deleted by the retention run at the first start` : ''}`,
  );
}
