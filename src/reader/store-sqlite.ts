import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { OqsError } from './errors';
import type { ConfirmationRecord, ModeChange } from './records';
import {
  checkLimit,
  compareKeys,
  type PageKey,
  decodeCursor,
  encodeCursor,
  type ModeChangePage,
  type Pruned,
  type RecordPage,
  type RecordPageQuery,
  type RecordRange,
} from './store-query';

/**
 * node:sqlite, without the one warning Node 22 prints when it is loaded ("SQLite is an experimental
 * feature"): clinic staff and log readers would take it for a fault. Only that warning is dropped,
 * and only while the module loads; Node 24 prints none (node:sqlite is stable there).
 */
function loadSqlite(): typeof import('node:sqlite') {
  const emit = process.emitWarning;
  process.emitWarning = function (warning: string | Error, ...rest: unknown[]) {
    const text = typeof warning === 'string' ? warning : warning.message;
    const type =
      typeof rest[0] === 'string' ? rest[0] : ((rest[0] as { type?: string } | undefined)?.type ?? (typeof warning === 'string' ? '' : warning.name));
    if (type === 'ExperimentalWarning' && text.startsWith('SQLite is an experimental feature')) return;
    return (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('node:sqlite') as typeof import('node:sqlite');
  } finally {
    process.emitWarning = emit;
  }
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS records (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  finished_at TEXT NOT NULL,
  json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_by_time ON records (finished_at, id);
CREATE TABLE IF NOT EXISTS mode_changes (
  seq INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  json TEXT NOT NULL,
  source TEXT UNIQUE
);
CREATE INDEX IF NOT EXISTS mode_changes_by_time ON mode_changes (at, seq);
`;

/**
 * The keyset page queries: rows after the key (?, ?) (a cursor, or where the range starts), before ?3
 * (where it ends), ?4 the limit; newest first, the same index walked backwards: rows before the key
 * (a cursor, or where the range ends), from ?3 on. Each seeks its index (store-sqlite.test.ts checks the plans).
 */
export const PAGE_SQL = {
  page: 'SELECT json, finished_at, id FROM records WHERE (finished_at, id) > (?, ?) AND finished_at < ? ORDER BY finished_at, id LIMIT ?',
  pageNewest: 'SELECT json, finished_at, id FROM records WHERE (finished_at, id) < (?, ?) AND finished_at >= ? ORDER BY finished_at DESC, id DESC LIMIT ?',
  changesPage: 'SELECT json, at, seq FROM mode_changes WHERE (at, seq) > (?, ?) AND at < ? ORDER BY at, seq LIMIT ?',
  changesPageNewest: 'SELECT json, at, seq FROM mode_changes WHERE (at, seq) < (?, ?) AND at >= ? ORDER BY at DESC, seq DESC LIMIT ?',
} as const;

/** Version 1: the tables above. A change to them bumps it and migrates from the older one. */
const SCHEMA_VERSION = 1;

/** Rows deleted per transaction by prune(). */
export const PRUNE_BATCH = 5000;

/** How many rows records(range) and modeChanges(range) read at a time while they are iterated. */
const STREAM_CHUNK = 500;

type Row = Record<string, unknown>;

/**
 * The records and the mode-change trail in one SQLite database (records.db): WAL with synchronous
 * FULL, so a statement has reached the disk (the WAL fsynced) when it returns, before the event's
 * ACK. The record id is the UNIQUE key the duplicate check relies on across restarts; pages are
 * keyset queries on (finished_at, id), so a page costs its size whatever the history.
 * docs/durability.md says why SQLite and what was measured.
 */
export class RecordDb {
  private readonly db: DatabaseSync;
  private closed = false;
  private readonly st: Record<
    | 'upsert'
    | 'get'
    | 'page'
    | 'pageNewest'
    | 'addChange'
    | 'importChange'
    | 'changesPage'
    | 'changesPageNewest'
    | 'pruneRecords'
    | 'pruneChanges'
    | 'countRecords',
    StatementSync
  >;

  constructor(readonly path: string) {
    try {
      const { DatabaseSync } = loadSqlite();
      this.db = new DatabaseSync(path);
      this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;');
      this.db.exec(SCHEMA);
    } catch (e) {
      throw new OqsError('OQS_ERR_STORE_OPEN', path, (e as Error).message);
    }
    // The schema's version, so a later version can migrate it and this one refuses what it cannot read.
    const version = Number(this.db.prepare('PRAGMA user_version').get()!.user_version);
    if (version > SCHEMA_VERSION) {
      this.db.close();
      throw new OqsError('OQS_ERR_STORE_OPEN', path, `it was written by a newer oqs-reader (schema ${version}; this one reads ${SCHEMA_VERSION})`);
    }
    if (version < SCHEMA_VERSION) this.db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    const p = (sql: string) => this.db.prepare(sql);
    this.st = {
      upsert: p(
        'INSERT INTO records (id, finished_at, json) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET finished_at = excluded.finished_at, json = excluded.json',
      ),
      get: p('SELECT json FROM records WHERE id = ?'),
      page: p(PAGE_SQL.page),
      pageNewest: p(PAGE_SQL.pageNewest),
      addChange: p('INSERT INTO mode_changes (at, json) VALUES (?, ?)'),
      importChange: p('INSERT OR IGNORE INTO mode_changes (at, json, source) VALUES (?, ?, ?)'),
      changesPage: p(PAGE_SQL.changesPage),
      changesPageNewest: p(PAGE_SQL.changesPageNewest),
      pruneRecords: p('DELETE FROM records WHERE seq IN (SELECT seq FROM records WHERE finished_at < ? ORDER BY finished_at LIMIT ?)'),
      pruneChanges: p('DELETE FROM mode_changes WHERE seq IN (SELECT seq FROM mode_changes WHERE at < ? ORDER BY at LIMIT ?)'),
      countRecords: p('SELECT count(*) AS n FROM records'),
    };
  }

  /** Inserts or replaces (consent arrives later) by id; on disk when it returns. */
  saveRecord(r: ConfirmationRecord): void {
    try {
      this.st.upsert.run(r.id, r.finishedAt, JSON.stringify(r));
    } catch (e) {
      // Disk full, I/O error, a lock held past busy_timeout: coded, so staff are told (recordNotSaved).
      throw new OqsError('OQS_ERR_STORE_WRITE', this.path, (e as Error).message);
    }
  }

  getRecord(id: string): ConfirmationRecord | null {
    const row = this.st.get.get(id);
    return row ? (JSON.parse(row.json as string) as ConfirmationRecord) : null;
  }

  recordsPage(q: RecordPageQuery): RecordPage {
    const { rows, next } = this.page(q.order === 'newest' ? this.st.pageNewest : this.st.page, q, 'string');
    return { records: rows, next };
  }

  *records(range: RecordRange = {}): Generator<ConfirmationRecord> {
    yield* this.stream(this.st.page, range, 'string');
  }

  addModeChange(c: ModeChange, source?: string): void {
    try {
      if (source === undefined) this.st.addChange.run(c.at, JSON.stringify(c));
      else this.st.importChange.run(c.at, JSON.stringify(c), source);
    } catch (e) {
      throw new OqsError('OQS_ERR_STORE_WRITE', this.path, (e as Error).message);
    }
  }

  modeChangesPage(q: RecordPageQuery): ModeChangePage {
    const { rows, next } = this.page<ModeChange>(q.order === 'newest' ? this.st.changesPageNewest : this.st.changesPage, q, 'number');
    return { changes: rows, next };
  }

  *modeChanges(range: RecordRange = {}): Generator<ModeChange> {
    yield* this.stream<ModeChange>(this.st.changesPage, range, 'number');
  }

  /**
   * Records that finished, and mode changes made, before `before`: gone. In transactions of
   * PRUNE_BATCH rows, and the WAL truncated afterwards, so even a first prune of years (an upgrade,
   * a shorter retention) never grows the WAL by the whole deletion or holds one long transaction.
   */
  prune(before: string): Pruned {
    const out: Pruned = { records: 0, modeChanges: 0 };
    for (const [key, st] of [
      ['records', this.st.pruneRecords],
      ['modeChanges', this.st.pruneChanges],
    ] as const) {
      for (let n = PRUNE_BATCH; n === PRUNE_BATCH;) {
        n = this.transaction(() => Number(st.run(before, PRUNE_BATCH).changes));
        out[key] += n;
      }
    }
    if (out.records + out.modeChanges > 0) this.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    return out;
  }

  integrityProblems(): string[] {
    const rows = this.db
      .prepare('PRAGMA integrity_check')
      .all()
      .map((r) => String(r.integrity_check));
    return rows.length === 1 && rows[0] === 'ok' ? [] : rows;
  }

  count(): number {
    return Number(this.st.countRecords.get()!.n);
  }

  /** `fn` in one transaction (an import batch, a bulk load): all of it or, after a crash, none. */
  transaction<T>(fn: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const out = fn();
      this.db.exec('COMMIT');
      return out;
    } catch (e) {
      // Not db.isTransaction: it needs Node 22.16, and the project supports 22.13 (where node:sqlite
      // lost its flag). Some errors end the transaction themselves; then there is nothing to undo.
      try {
        this.db.exec('ROLLBACK');
      } catch (r) {
        if (!/no transaction is active/.test((r as Error).message)) throw r;
      }
      throw e;
    }
  }

  close(): void {
    // Not db.isOpen (Node 22.15+): our own flag, so a second close is harmless on 22.13 too.
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  /** Tests: the database as the crash left it, mid-transaction included (closing rolls it back). */
  get raw(): DatabaseSync {
    return this.db;
  }

  private page<T = ConfirmationRecord>(st: StatementSync, q: RecordPageQuery, tie: 'string' | 'number'): { rows: T[]; next: string | null } {
    const limit = checkLimit(q.limit);
    const order = q.order ?? 'oldest';
    const after = decodeCursor(q.cursor, tie, order);
    const got = order === 'oldest' ? this.select(st, q, after, limit + 1, tie) : this.selectNewest(st, q, after, limit + 1, tie);
    const rows = got.slice(0, limit);
    const last = rows[rows.length - 1];
    return { rows: rows.map((r) => JSON.parse(r.json as string) as T), next: got.length > limit && last ? encodeCursor(keyOf(last), order) : null };
  }

  /** Keyset chunks, so a long export holds no statement open between yields and a chunk in memory at most. */
  private *stream<T = ConfirmationRecord>(st: StatementSync, range: RecordRange, tie: 'string' | 'number'): Generator<T> {
    let after: PageKey | null = null;
    for (;;) {
      const rows = this.select(st, range, after, STREAM_CHUNK, tie);
      for (const r of rows) yield JSON.parse(r.json as string) as T;
      if (rows.length < STREAM_CHUNK) return;
      after = keyOf(rows[rows.length - 1]!);
    }
  }

  private select(st: StatementSync, range: RecordRange, after: PageKey | null, limit: number, tie: 'string' | 'number'): Row[] {
    // One lower bound for the index to seek to: the cursor, or just before `from` if that is later
    // (two separate conditions would make SQLite seek to the cursor and scan from there). '' sorts
    // before every instant, a text before any number, '\uffff' after every instant: open ends.
    const start: PageKey = [range.from ?? '', tie === 'string' ? '' : -1];
    const [at, key] = after && compareKeys(after, start) > 0 ? after : start;
    return st.all(at, key, range.to ?? '\uffff', limit);
  }

  /** select() mirrored: one upper bound to seek to (the cursor, or where the range ends if that is earlier), `from` below. */
  private selectNewest(st: StatementSync, range: RecordRange, before: PageKey | null, limit: number, tie: 'string' | 'number'): Row[] {
    // (to, '') or (to, -1) sorts before every row at `to` itself (ids are never empty, seqs start at 1): `to` stays excluded.
    const end: PageKey = [range.to ?? '\uffff', tie === 'string' ? '' : -1];
    const [at, key] = before && compareKeys(before, end) < 0 ? before : end;
    return st.all(at, key, range.from ?? '', limit);
  }
}

function keyOf(row: Row): PageKey {
  return 'finished_at' in row ? [row.finished_at as string, row.id as string] : [row.at as string, Number(row.seq)];
}
