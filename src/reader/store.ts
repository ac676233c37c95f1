import type { ModeName } from '../protocol';
import type { ConfirmationRecord, ModeChange } from './records';
import { pageOf, type ModeChangePage, type Pruned, type RecordPage, type RecordPageQuery, type RecordRange, inRange } from './store-query';

export type { ModeChangePage, Pruned, RecordPage, RecordPageQuery, RecordRange } from './store-query';
export { FileStore, STATE_DIR_MODE, STATE_FILE_MODE, syncDirectory, tightenModes, type PlatformOptions } from './store-file';

/**
 * Where the terminal keeps what must survive a restart: the mode, records, the audit trail. Nothing
 * here hands out all of history at once: records and mode changes come by the page or streamed, so
 * what a caller holds is bounded by what it asks for (issue 15).
 */
export interface TerminalStore {
  loadMode(): ModeName | null;
  /** Appends `change` to the audit trail, then makes `mode` the one a restart finds. */
  saveMode(mode: ModeName, change: ModeChange): void;
  /** Durable when it returns (the ACK of the event waits for it); the same id again replaces the record. */
  saveRecord(record: ConfirmationRecord): void;
  getRecord(id: string): ConfirmationRecord | null;
  /** Oldest first (finishedAt, then id), or the reverse with order 'newest'; a cursor of the other order is OQS_ERR_BAD_CURSOR. */
  recordsPage(q: RecordPageQuery): RecordPage;
  /** Every record in the range, oldest first, read as it is iterated (an export), never as one array. */
  records(range?: RecordRange): Iterable<ConfirmationRecord>;
  /** Oldest first (at, then the order they were saved), or the reverse with order 'newest'. */
  modeChangesPage(q: RecordPageQuery): ModeChangePage;
  modeChanges(range?: RecordRange): Iterable<ModeChange>;
  /** Removes records that finished, and mode changes made, before `before` (retention). */
  prune(before: string): Pruned;
  /** The facility's 目視モード用パスワード as a verifier (never the password), or null if none is set. */
  loadVisualPassword(): StoredVisualPassword | null;
  saveVisualPassword(v: StoredVisualPassword): void;
  close(): void;
}

/** What the terminal keeps of the 目視モード用パスワード: scrypt verifier and salt, the rule, who set it. */
export interface StoredVisualPassword {
  salt: string;
  verifier: string;
  maxWrong: number;
  lockMinutes: number;
  setBy: string;
  setAt: string;
}

/** The store of tests and the in-process emulator: everything in memory, copies in and out. */
export class MemoryStore implements TerminalStore {
  private mode: ModeName | null = null;
  private readonly byId = new Map<string, ConfirmationRecord>();
  private readonly changes: Array<{ seq: number; change: ModeChange }> = [];
  private seq = 0;
  private visualPassword: StoredVisualPassword | null = null;
  loadVisualPassword() {
    return this.visualPassword && { ...this.visualPassword };
  }
  saveVisualPassword(v: StoredVisualPassword) {
    this.visualPassword = { ...v };
  }
  loadMode() {
    return this.mode;
  }
  saveMode(mode: ModeName, change: ModeChange) {
    this.mode = mode;
    this.changes.push({ seq: ++this.seq, change: { ...change } });
  }
  saveRecord(record: ConfirmationRecord) {
    this.byId.set(record.id, structuredClone(record));
  }
  getRecord(id: string) {
    const r = this.byId.get(id);
    return r ? structuredClone(r) : null;
  }
  recordsPage(q: RecordPageQuery): RecordPage {
    const { rows, next } = pageOf([...this.byId.values()], (r) => [r.finishedAt, r.id], q, 'string');
    return { records: rows.map((r) => structuredClone(r)), next };
  }
  *records(range: RecordRange = {}) {
    const rows = [...this.byId.values()].filter((r) => inRange(r.finishedAt, range));
    rows.sort((a, b) => (a.finishedAt === b.finishedAt ? (a.id < b.id ? -1 : 1) : a.finishedAt < b.finishedAt ? -1 : 1));
    for (const r of rows) yield structuredClone(r);
  }
  modeChangesPage(q: RecordPageQuery): ModeChangePage {
    const { rows, next } = pageOf(this.changes, (c) => [c.change.at, c.seq], q, 'number');
    return { changes: rows.map((c) => ({ ...c.change })), next };
  }
  *modeChanges(range: RecordRange = {}) {
    const rows = this.changes.filter((c) => inRange(c.change.at, range));
    rows.sort((a, b) => (a.change.at === b.change.at ? a.seq - b.seq : a.change.at < b.change.at ? -1 : 1));
    for (const c of rows) yield { ...c.change };
  }
  prune(before: string): Pruned {
    let records = 0;
    for (const [id, r] of this.byId) if (r.finishedAt < before && this.byId.delete(id)) records++;
    const kept = this.changes.filter((c) => c.change.at >= before);
    const modeChanges = this.changes.length - kept.length;
    this.changes.splice(0, this.changes.length, ...kept);
    return { records, modeChanges };
  }
  close() {}
  /** Tests: every record, oldest first. */
  loadRecords(): ConfirmationRecord[] {
    return [...this.records()];
  }
  /** Tests: the whole audit trail. */
  loadModeChanges(): ModeChange[] {
    return [...this.modeChanges()];
  }
}
