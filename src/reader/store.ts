import { closeSync, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ModeName } from '../protocol';
import type { ConfirmationRecord, ModeChange } from './records';

/** Where the terminal keeps what must survive a restart: the mode, records, the audit trail. */
export interface TerminalStore {
  loadMode(): ModeName | null;
  saveMode(mode: ModeName, change: ModeChange): void;
  loadRecords(): ConfirmationRecord[];
  saveRecord(record: ConfirmationRecord): void;
  loadModeChanges(): ModeChange[];
}

export class MemoryStore implements TerminalStore {
  private mode: ModeName | null = null;
  private readonly records = new Map<string, ConfirmationRecord>();
  private readonly changes: ModeChange[] = [];
  loadMode() {
    return this.mode;
  }
  saveMode(mode: ModeName, change: ModeChange) {
    this.mode = mode;
    this.changes.push(change);
  }
  loadRecords() {
    return [...this.records.values()].map((r) => structuredClone(r));
  }
  saveRecord(record: ConfirmationRecord) {
    this.records.set(record.id, structuredClone(record));
  }
  loadModeChanges() {
    return [...this.changes];
  }
}

/**
 * A directory of files: mode.json replaced atomically (temp file, fsync, rename), and
 * append-only NDJSON journals fsynced per line; a later line for the same record id wins.
 */
export class FileStore implements TerminalStore {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    // A crash between writing mode.json's temp file and the rename leaves it behind: not data.
    for (const f of readdirSync(dir)) if (/^mode\.json\.\d+\.tmp$/.test(f)) rmSync(join(dir, f), { force: true });
  }

  /** A new name in the directory (created or renamed) survives power loss only once it is synced. */
  private syncDir(): void {
    const fd = openSync(this.dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  loadMode(): ModeName | null {
    const p = join(this.dir, 'mode.json');
    if (!existsSync(p)) return null;
    const mode = (JSON.parse(readFileSync(p, 'utf8')) as { mode?: string }).mode;
    return mode === 'unattended' || mode === 'visual' || mode === 'pinOnly' ? mode : null;
  }

  saveMode(mode: ModeName, change: ModeChange): void {
    this.append('mode-changes.ndjson', change);
    const tmp = join(this.dir, `mode.json.${process.pid}.tmp`);
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify({ mode }) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(this.dir, 'mode.json'));
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

  private readonly checkedTail = new Set<string>();

  private append(file: string, value: unknown): void {
    const path = join(this.dir, file);
    const created = !existsSync(path);
    // A crash mid-append can leave a torn last line; start ours on a fresh line so it stays whole.
    const lead = this.checkedTail.has(file) || endsWithNewline(path) ? '' : '\n';
    this.checkedTail.add(file);
    const fd = openSync(path, 'a');
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
