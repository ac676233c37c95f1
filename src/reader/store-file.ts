import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { join } from 'node:path';
import type { ModeName } from '../protocol';
import type { ConfirmationRecord, ModeChange } from './records';
import type { StoredVisualPassword, TerminalStore } from './store';
import { importJournals, type Imported, type ImportOptions } from './store-migrate';
import type { Pruned, RecordPageQuery, RecordRange } from './store-query';
import { OqsError } from './errors';
import { RecordDb } from './store-sqlite';

/** Which operating system's rules apply; tests inject 'win32' to run the Windows branches here. */
export interface PlatformOptions {
  platform?: NodeJS.Platform;
}

/** Owner-only modes for the state directory: records and password hashes are nobody else's. */
export const STATE_DIR_MODE = 0o700;
export const STATE_FILE_MODE = 0o600;

/**
 * Makes a new name in `dir` (a created or renamed file) survive power loss: fsync the directory.
 * Not on Windows: Node cannot open a directory there (EISDIR/EPERM; it would need
 * FILE_FLAG_BACKUP_SEMANTICS), and NTFS journals the rename's metadata itself. Returns whether it synced.
 */
export function syncDirectory(dir: string, platform: NodeJS.Platform = process.platform): boolean {
  if (platform === 'win32') return false;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Owner-only modes, also when they were left looser: `path` itself (0700 for a directory, 0600 for a
 * file) and, for a directory, each file and directory directly in it that this user owns. Not
 * recursive, never through a symlink, and a shared directory (sticky bit, like /tmp) is left as it
 * is: `--state-dir` pointed somewhere odd must not close what is not ours. Not on Windows, where
 * modes mean nothing (the folder's ACLs decide; docs/platforms.md says how a clinic sets them).
 */
export function tightenModes(path: string, platform: NodeJS.Platform = process.platform): void {
  if (platform === 'win32') return;
  const st = lstatSync(path);
  if (!tighten(path, st) || !st.isDirectory()) return;
  const uid = process.getuid?.();
  for (const name of readdirSync(path)) {
    const entry = join(path, name);
    const est = lstatSync(entry);
    if (uid === undefined || est.uid === uid) tighten(entry, est);
  }
}

/** Sets 0700/0600 on one directory or regular file; false for anything else or a shared directory. */
function tighten(path: string, st: Stats): boolean {
  if (st.isDirectory() && st.mode & 0o1000) return false;
  if (!st.isDirectory() && !st.isFile()) return false;
  const want = st.isDirectory() ? STATE_DIR_MODE : STATE_FILE_MODE;
  if ((st.mode & 0o777) !== want) chmodSync(path, want);
  return true;
}

/**
 * The state directory: mode.json and visual-password.json (a verifier only), each replaced atomically
 * (temp file, fsync, rename), and records.db, the records and the mode-change trail in SQLite
 * (store-sqlite.ts). At the first start after an earlier version, its records.ndjson and
 * mode-changes.ndjson are imported (store-migrate.ts). The directory is 0700 and its files 0600
 * (tightened at start if they were left looser).
 */
export class FileStore implements TerminalStore {
  private readonly platform: NodeJS.Platform;
  private readonly db: RecordDb;
  /** What the import of an earlier version's journals brought in at this start, if there were any. */
  readonly imported: Imported | null;

  constructor(
    private readonly dir: string,
    opts: PlatformOptions & { import?: ImportOptions } = {},
  ) {
    this.platform = opts.platform ?? process.platform;
    mkdirSync(dir, { recursive: true, mode: STATE_DIR_MODE });
    tightenModes(dir, this.platform);
    // A crash between writing mode.json's temp file and the rename leaves it behind: not data.
    for (const f of readdirSync(dir)) if (/^(mode|visual-password)\.json\.\d+\.tmp$/.test(f)) rmSync(join(dir, f), { force: true });
    const path = join(dir, RECORDS_DB);
    // Made 0600 before SQLite opens it; SQLite gives its -wal and -shm files the same mode.
    closeSync(openSync(path, 'a', STATE_FILE_MODE));
    this.db = new RecordDb(path);
    this.imported = importJournals(dir, this.db, opts.import);
    this.syncDir();
  }

  /** A new name in the directory (created or renamed) survives power loss only once it is synced. */
  private syncDir(): void {
    syncDirectory(this.dir, this.platform);
  }

  loadMode(): ModeName | null {
    const p = join(this.dir, 'mode.json');
    if (!existsSync(p)) return null;
    const mode = (JSON.parse(readFileSync(p, 'utf8')) as { mode?: string }).mode;
    return mode === 'unattended' || mode === 'visual' || mode === 'pinOnly' ? mode : null;
  }

  /** The audit line first, then mode.json: a crash in between leaves a line for a switch that did not happen, never a switch without one. */
  saveMode(mode: ModeName, change: ModeChange): void {
    // One transaction: if mode.json cannot be written, the audit row goes too (no switch that never was).
    this.db.transaction(() => {
      this.db.addModeChange(change);
      try {
        this.replace('mode.json', { mode });
      } catch (e) {
        throw new OqsError('OQS_ERR_STORE_WRITE', join(this.dir, 'mode.json'), (e as Error).message);
      }
    });
  }

  loadVisualPassword(): StoredVisualPassword | null {
    const p = join(this.dir, 'visual-password.json');
    return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as StoredVisualPassword) : null;
  }

  saveVisualPassword(v: StoredVisualPassword): void {
    this.replace('visual-password.json', v);
  }

  /** Replaces `file` atomically: temp file, fsync, rename, directory fsync. */
  private replace(file: string, value: unknown): void {
    const tmp = join(this.dir, `${file}.${process.pid}.tmp`);
    const fd = openSync(tmp, 'w', STATE_FILE_MODE);
    try {
      writeSync(fd, JSON.stringify(value) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(this.dir, file));
    this.syncDir();
  }

  saveRecord(record: ConfirmationRecord): void {
    this.db.saveRecord(record);
  }
  /** Many records in one transaction (a bulk load: the kill test's history, a restore); how many. */
  saveRecords(records: Iterable<ConfirmationRecord>): number {
    return this.db.transaction(() => {
      let n = 0;
      for (const r of records) {
        this.db.saveRecord(r);
        n++;
      }
      return n;
    });
  }
  /** Problems SQLite finds in records.db (PRAGMA integrity_check); none when it is whole. */
  integrityProblems(): string[] {
    return this.db.integrityProblems();
  }
  getRecord(id: string) {
    return this.db.getRecord(id);
  }
  recordsPage(q: RecordPageQuery) {
    return this.db.recordsPage(q);
  }
  records(range: RecordRange = {}) {
    return this.db.records(range);
  }
  modeChangesPage(q: RecordPageQuery) {
    return this.db.modeChangesPage(q);
  }
  modeChanges(range: RecordRange = {}) {
    return this.db.modeChanges(range);
  }
  prune(before: string): Pruned {
    return this.db.prune(before);
  }
  close(): void {
    this.db.close();
  }
}

/** The records and mode changes, in the state directory. */
export const RECORDS_DB = 'records.db';
