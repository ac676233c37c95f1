import type { Clock } from '../time/clock';
import type { MethodName, ReaderIdentity } from '../protocol';
import { OqsError } from './errors';
import type { ConfirmationRecord } from './records';
import type { TerminalStore } from './store';

/** One patient on a reader, from card placed to card removed. */
export interface Tx {
  startedAt: number;
  method: MethodName | null;
  recordId: string | null;
}

export type RecordFields = Pick<ConfirmationRecord, 'outcome' | 'method' | 'failReason' | 'confirmationDate' | 'operator' | 'cardId' | 'readerSide'>;

const DAY_MS = 24 * 3600_000;
const JST_OFFSET_MS = 9 * 3600_000;

/** The UTC instant (ISO) at which the Japanese calendar day of `nowMs` began. */
export function jstDayStart(nowMs: number): string {
  return new Date(Math.floor((nowMs + JST_OFFSET_MS) / DAY_MS) * DAY_MS - JST_OFFSET_MS).toISOString();
}

/**
 * Every identity confirmation, by record id, kept in the store across restarts; a new or changed
 * record goes out through `publish`. In memory only today's records (Japanese day): they are the
 * operation screen's list and the recent window of the duplicate check. Anything older is asked of
 * the store by id (its unique key), so start-up and memory cost what today's work costs, not history.
 */
export class RecordBook {
  /** Today's records in the order they were made; replaced wholesale when the day changes. */
  private window = new Map<string, ConfirmationRecord>();
  private windowStart = '';

  constructor(
    private readonly store: TerminalStore,
    private readonly clock: Clock,
    private readonly publish: (record: ConfirmationRecord) => void,
    /** After a save: the error that stopped it, or null once nothing is left unsaved. */
    private readonly saved: (error: OqsError | null) => void = () => undefined,
  ) {
    this.roll();
  }

  /** `serial:txId` of the transactions whose outcome or consent the store refused, until saved. */
  private readonly unsaved = new Set<string>();

  /**
   * On disk, or a coded throw: the caller (the link's event) then sends no ACK, so the reader sends
   * the event again and it is saved once the store takes it. Staff are told until every refused
   * one is saved: a reader past its last resend holds its outcome until the next hello.
   */
  private save(record: ConfirmationRecord, tx: string): void {
    try {
      this.store.saveRecord(record);
    } catch (e) {
      const error = OqsError.is(e)
        ? e
        : new OqsError('OQS_ERR_STORE_WRITE', { en: 'the record store', ja: '記録の保存先' }, String((e as Error)?.message ?? e));
      this.unsaved.add(tx);
      this.saved(error);
      throw error;
    }
    this.unsaved.delete(tx);
    if (this.unsaved.size === 0) this.saved(null);
  }

  /** Starts a new window when the Japanese day has changed since the last one (and at start). */
  private roll(): void {
    const start = jstDayStart(this.clock.now());
    if (start === this.windowStart) return;
    this.windowStart = start;
    this.window = new Map();
    for (const r of this.store.records({ from: start })) this.window.set(r.id, r);
  }

  /** Today's records (JST), oldest first. */
  today(): ConfirmationRecord[] {
    this.roll();
    return [...this.window.values()];
  }

  private find(id: string): ConfirmationRecord | null {
    return this.window.get(id) ?? this.store.getRecord(id);
  }

  /** The outcome of `reader`'s transaction `txId`; null when that very outcome is recorded already. */
  add(reader: ReaderIdentity, txId: number, tx: Tx | undefined, fields: RecordFields): ConfirmationRecord | null {
    this.roll();
    const base = `${reader.serial}:${txId}`;
    // A reader that reused a txId (against docs/protocol.md) gets `~2`, `~3` …: keep both, never
    // lose one. The same event again (retransmitted or replayed) matches one of them: recorded once.
    let id = base;
    for (let n = 2, seen = this.find(id); seen; seen = this.find(id), n++) {
      if (seen.outcome === fields.outcome && seen.method === fields.method && seen.cardId === fields.cardId) return null;
      id = `${base}~${n}`;
    }
    const now = new Date(this.clock.now()).toISOString();
    const record: ConfirmationRecord = {
      id,
      ...fields,
      reader: { vendor: reader.vendor, model: reader.model, serial: reader.serial },
      consent: null,
      startedAt: tx ? new Date(tx.startedAt).toISOString() : now,
      finishedAt: now,
    };
    this.save(record, base);
    if (tx) tx.recordId = id;
    this.window.set(id, record);
    this.publish(record);
    return record;
  }

  /** The patient's consent on the record of their transaction, if there is one. */
  consent(reader: ReaderIdentity, txId: number, tx: Tx | undefined, choice: ConfirmationRecord['consent']): void {
    // By record id, which survives a restart of the terminal (the transaction map does not).
    const base = `${reader.serial}:${txId}`;
    const rec = this.find(tx?.recordId ?? base);
    // Its outcome could not be saved yet: no ACK for the consent either, or it would be lost; the
    // reader sends both again, the outcome first.
    if (!rec && this.unsaved.has(base))
      throw new OqsError('OQS_ERR_STORE_WRITE', { en: 'the record store', ja: '記録の保存先' }, `the outcome of ${base} is not saved yet`);
    if (!rec) return;
    this.save({ ...rec, consent: choice }, base);
    rec.consent = choice;
    if (this.window.has(rec.id)) this.window.set(rec.id, rec);
    this.publish(rec);
  }
}
