import {
  chmodSync,
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { join } from 'node:path';
import type { ModeName } from '../protocol';
import type { ConfirmationRecord, ModeChange } from './records';
import type { StoredVisualPassword, TerminalStore } from './store';
import { MemoryStore } from './store';
import type { Pruned, RecordPageQuery, RecordRange } from './store-query';

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
 * A directory of files: mode.json and visual-password.json (a verifier only) replaced atomically (temp file, fsync, rename), and
 * append-only NDJSON journals fsynced per line; a later line for the same record id wins.
 * The directory is 0700 and its files 0600 (tightened at start if they were left looser).
 */
export class FileStore implements TerminalStore {
  private readonly platform: NodeJS.Platform;

  constructor(
    private readonly dir: string,
    opts: PlatformOptions = {},
  ) {
    this.platform = opts.platform ?? process.platform;
    mkdirSync(dir, { recursive: true, mode: STATE_DIR_MODE });
    tightenModes(dir, this.platform);
    // A crash between writing mode.json's temp file and the rename leaves it behind: not data.
    for (const f of readdirSync(dir)) if (/^(mode|visual-password)\.json\.\d+\.tmp$/.test(f)) rmSync(join(dir, f), { force: true });
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

  saveMode(mode: ModeName, change: ModeChange): void {
    this.append('mode-changes.ndjson', change);
    this.replace('mode.json', { mode });
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

  loadRecords(): ConfirmationRecord[] {
    const byId = new Map<string, ConfirmationRecord>();
    for (const r of this.read<ConfirmationRecord>('records.ndjson')) byId.set(r.id, r);
    return [...byId.values()];
  }

  saveRecord(record: ConfirmationRecord): void {
    this.append('records.ndjson', record);
  }

  loadModeChanges(): ModeChange[] {
    return this.read<ModeChange>('mode-changes.ndjson');
  }

  // Until the SQLite store lands: the journal read whole into a MemoryStore per query.
  private snapshot(): MemoryStore {
    const m = new MemoryStore();
    for (const r of this.loadRecords()) m.saveRecord(r);
    for (const c of this.loadModeChanges()) m.saveMode(c.to, c);
    return m;
  }
  getRecord(id: string) {
    return this.snapshot().getRecord(id);
  }
  recordsPage(q: RecordPageQuery) {
    return this.snapshot().recordsPage(q);
  }
  records(range: RecordRange = {}) {
    return this.snapshot().records(range);
  }
  modeChangesPage(q: RecordPageQuery) {
    return this.snapshot().modeChangesPage(q);
  }
  modeChanges(range: RecordRange = {}) {
    return this.snapshot().modeChanges(range);
  }
  prune(_before: string): Pruned {
    return { records: 0, modeChanges: 0 };
  }
  close() {}

  private readonly checkedTail = new Set<string>();

  private append(file: string, value: unknown): void {
    const path = join(this.dir, file);
    const created = !existsSync(path);
    // A crash mid-append can leave a torn last line; start ours on a fresh line so it stays whole.
    const lead = this.checkedTail.has(file) || endsWithNewline(path) ? '' : '\n';
    this.checkedTail.add(file);
    const fd = openSync(path, 'a', STATE_FILE_MODE);
    try {
      writeSync(fd, lead + JSON.stringify(value) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (created) this.syncDir();
  }

  private read<T>(file: string): T[] {
    const p = join(this.dir, file);
    if (!existsSync(p)) return [];
    const out: T[] = [];
    for (const line of readFileSync(p, 'utf8').split('\n')) {
      if (!line) continue;
      try {
        out.push(JSON.parse(line) as T);
      } catch {
        // A torn last line from a crash mid-append: everything before it is intact.
      }
    }
    return out;
  }
}

function endsWithNewline(path: string): boolean {
  if (!existsSync(path)) return true;
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return true;
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}
