import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync, existsSync } from 'node:fs';
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
    return [...this.records.values()].map((r) => ({ ...r }));
  }
  saveRecord(record: ConfirmationRecord) {
    this.records.set(record.id, { ...record });
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

  private append(file: string, value: unknown): void {
    const fd = openSync(join(this.dir, file), 'a');
    try {
      writeSync(fd, JSON.stringify(value) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
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
