import type { Clock } from '../time/clock';
import type { MethodName, ReaderIdentity } from '../protocol';
import type { ConfirmationRecord } from './records';
import type { TerminalStore } from './store';

/** One patient on a reader, from card placed to card removed. */
export interface Tx {
  startedAt: number;
  method: MethodName | null;
  recordId: string | null;
}

export type RecordFields = Pick<ConfirmationRecord, 'outcome' | 'method' | 'failReason' | 'confirmationDate' | 'operator' | 'cardId' | 'readerSide'>;

/**
 * Every identity confirmation, by record id, kept in the store across restarts; a new or changed
 * record goes out through `publish`.
 */
export class RecordBook {
  private readonly byId = new Map<string, ConfirmationRecord>();

  constructor(
    private readonly store: TerminalStore,
    private readonly clock: Clock,
    private readonly publish: (record: ConfirmationRecord) => void,
  ) {
    for (const r of store.loadRecords()) this.byId.set(r.id, r);
  }

  all(): ConfirmationRecord[] {
    return [...this.byId.values()];
  }

  /** The outcome of `reader`'s transaction `txId`; null when that very outcome is recorded already. */
  add(reader: ReaderIdentity, txId: number, tx: Tx | undefined, fields: RecordFields): ConfirmationRecord | null {
    let id = `${reader.serial}:${txId}`;
    const seen = this.byId.get(id);
    if (seen && seen.outcome === fields.outcome && seen.method === fields.method && seen.cardId === fields.cardId) {
      return null; // the same event again (retransmitted or replayed): recorded once
    }
    // A reader that reused a txId (against docs/protocol.md): keep both, never lose one.
    for (let n = 2; this.byId.has(id); n++) id = `${reader.serial}:${txId}~${n}`;
    const now = new Date(this.clock.now()).toISOString();
    const record: ConfirmationRecord = {
      id,
      ...fields,
      reader: { vendor: reader.vendor, model: reader.model, serial: reader.serial },
      consent: null,
      startedAt: tx ? new Date(tx.startedAt).toISOString() : now,
      finishedAt: now,
    };
    if (tx) tx.recordId = id;
    this.store.saveRecord(record);
    this.byId.set(id, record);
    this.publish(record);
    return record;
  }

  /** The patient's consent on the record of their transaction, if there is one. */
  consent(reader: ReaderIdentity, txId: number, tx: Tx | undefined, choice: ConfirmationRecord['consent']): void {
    // By record id, which survives a restart of the terminal (the transaction map does not).
    const rec = this.byId.get(tx?.recordId ?? `${reader.serial}:${txId}`);
    if (!rec) return;
    rec.consent = choice;
    this.store.saveRecord(rec);
    this.publish(rec);
  }
}
