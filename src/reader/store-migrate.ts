import { closeSync, existsSync, openSync, readSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfirmationRecord, ModeChange } from './records';
import type { RecordDb } from './store-sqlite';

/** The journals an earlier version wrote (one JSON line each, a later line for the same record id wins). */
export const LEGACY_RECORDS = 'records.ndjson';
export const LEGACY_MODE_CHANGES = 'mode-changes.ndjson';
/** What an imported journal is renamed to: kept for audit, never read again. */
export const IMPORTED_SUFFIX = '.imported';

export interface ImportOptions {
  /** Lines per transaction (default 5000). */
  batch?: number;
  /** Tests: called after each committed batch with the lines imported so far from that file. */
  onBatch?: (file: string, lines: number) => void;
  /** Tests: called with each line's number inside its transaction (to crash the import there). */
  onLine?: (file: string, n: number) => void;
}

export interface Imported {
  records: number;
  modeChanges: number;
}

/**
 * Imports records.ndjson and mode-changes.ndjson of an earlier version into `db`, then renames each
 * to `*.imported`. Idempotent, so crash-safe without bookkeeping: records go in by their UNIQUE id
 * (in file order, so the last line for an id wins, as it did), mode changes by their source line
 * (`mode-changes.ndjson:<line>`, UNIQUE). A crash leaves the committed batches, and the next start
 * runs the whole import again over them: every record and change ends up there exactly once. A file
 * is renamed only after its last batch is committed; a crash in between imports it once more.
 * Torn lines (a crash mid-append, long ago) are skipped as the journal reader skipped them.
 */
export function importJournals(dir: string, db: RecordDb, opts: ImportOptions = {}): Imported | null {
  const recordsPath = join(dir, LEGACY_RECORDS);
  const changesPath = join(dir, LEGACY_MODE_CHANGES);
  if (!existsSync(recordsPath) && !existsSync(changesPath)) return null;
  const out: Imported = { records: 0, modeChanges: 0 };
  if (existsSync(changesPath)) {
    out.modeChanges = importFile(db, changesPath, opts, (line, n) => {
      const c = parse<ModeChange>(line, 'at');
      if (c) db.addModeChange(c, `${LEGACY_MODE_CHANGES}:${n}`);
      return c !== null;
    });
    retire(changesPath);
  }
  if (existsSync(recordsPath)) {
    out.records = importFile(db, recordsPath, opts, (line) => {
      const r = parse<ConfirmationRecord>(line, 'id');
      if (r && typeof r.finishedAt === 'string') db.saveRecord(r);
      return r !== null;
    });
    retire(recordsPath);
  }
  return out;
}

function parse<T>(line: string, key: string): T | null {
  try {
    const v = JSON.parse(line) as unknown;
    return v && typeof v === 'object' && typeof (v as Record<string, unknown>)[key] === 'string' ? (v as T) : null;
  } catch {
    return null;
  }
}

/** Feeds each line (1-based number) to `take` in transactions of `batch` lines; how many it took. */
function importFile(db: RecordDb, path: string, opts: ImportOptions, take: (line: string, n: number) => boolean): number {
  const batch = opts.batch ?? 5000;
  let taken = 0;
  let pending: Array<[string, number]> = [];
  const flush = () => {
    db.transaction(() => {
      for (const [line, n] of pending) {
        opts.onLine?.(path, n);
        if (take(line, n)) taken++;
      }
    });
    opts.onBatch?.(path, pending[pending.length - 1]![1]);
    pending = [];
  };
  for (const [line, n] of readLines(path)) {
    pending.push([line, n]);
    if (pending.length >= batch) flush();
  }
  if (pending.length) flush();
  return taken;
}

/** The non-empty lines of a file with their 1-based numbers, read in 1 MB chunks (never the whole file at once). */
export function* readLines(path: string): Generator<[string, number]> {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    let rest = Buffer.alloc(0);
    let n = 0;
    for (let got = readSync(fd, buf); got > 0; got = readSync(fd, buf)) {
      let chunk = Buffer.concat([rest, buf.subarray(0, got)]);
      for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a)) {
        n++;
        if (nl > 0) yield [chunk.toString('utf8', 0, nl), n];
        chunk = chunk.subarray(nl + 1);
      }
      rest = Buffer.from(chunk);
    }
    if (rest.length) yield [rest.toString('utf8'), n + 1];
  } finally {
    closeSync(fd);
  }
}

/** Renames an imported journal out of the way: `<file>.imported` (or `.imported-2` … if that exists). */
function retire(path: string): void {
  let to = path + IMPORTED_SUFFIX;
  for (let n = 2; existsSync(to); n++) to = `${path}${IMPORTED_SUFFIX}-${n}`;
  renameSync(path, to);
}
