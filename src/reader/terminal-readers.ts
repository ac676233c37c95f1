import type { Clock } from '../time/clock';
import {
  ConsentChoice,
  FailReason,
  Method,
  screenById,
  type FailReasonName,
  type MethodName,
  type ModeName,
  type ReaderIdentity,
  type ScreenName,
} from '../protocol';
import { todayJst } from './dates';
import { OqsError, ReaderRefusedError } from './errors';
import type { ReaderEvent, TraceEntry } from './link';
import type { ReaderClient } from './reader-client';
import type { ConfirmationRecord, ModeChange } from './records';
import type { Alert, AlertBoard } from './terminal-alerts';
import type { RecordBook, Tx } from './terminal-records';
import type { VisualCheck, VisualCheckView } from './visual-check';

export type TerminalEvent =
  | { type: 'modeChanged'; change: ModeChange }
  | { type: 'readerConnected'; path: string; identity: ReaderIdentity }
  | { type: 'readerDisconnected'; path: string }
  | { type: 'readerEvent'; path: string; name: ReaderEvent['name']; fields: ReaderEvent['fields'] }
  | { type: 'frame'; path: string; frame: TraceEntry }
  | { type: 'record'; record: ConfirmationRecord }
  | { type: 'visualCheck'; view: VisualCheckView }
  | { type: 'alert'; alert: Alert | null };

/** A reader the terminal has attached. */
export interface Connected {
  client: ReaderClient;
  identity: ReaderIdentity;
  screen: ScreenName | undefined;
  txs: Map<number, Tx>;
  /** The reader has not yet taken the terminal's mode (it was busy when attached). */
  modePending: boolean;
}

/** What the Terminal's parts share. Terminal builds it; it is not part of Terminal's API. */
export interface TerminalCore {
  readonly clock: Clock;
  readonly visual: VisualCheck;
  readonly alerts: AlertBoard;
  readonly book: RecordBook;
  /** Attached readers by port. */
  readonly readers: Map<string, Connected>;
  mode(): ModeName;
  requireReaderMenu(): void;
  publish(e: TerminalEvent): void;
  /** Puts the reader in the terminal's mode, or marks it pending while it is busy. */
  syncMode(r: Connected): Promise<void>;
}

/** The reader refused because it is busy with a patient. */
export function readerBusy(e: unknown): boolean {
  return e instanceof ReaderRefusedError && e.status === 'busy';
}

/** The one reader a visual check runs on (P.102: 目視確認 only with one reader). */
export function singleReader(readers: Map<string, Connected>): Connected {
  if (readers.size !== 1) {
    if (readers.size === 0) throw new OqsError('OQS_ERR_NO_READER');
    throw new OqsError('OQS_ERR_VISUAL_SINGLE_READER', readers.size);
  }
  return readers.values().next().value as Connected;
}

/** The method a code names; `visualOnReader` is a visual check too (done on the reader). */
function methodName(code: number): MethodName | null {
  if (code === Method.visualOnReader) return 'visual';
  return (Method.nameOf(code) as MethodName | undefined) ?? null;
}

/** What one event from reader `r` (on port `path`) changes on the terminal. */
export function onReaderEvent(t: TerminalCore, path: string, r: Connected, e: ReaderEvent): void {
  t.publish({ type: 'readerEvent', path, name: e.name, fields: e.fields });
  const f = e.fields as Record<string, number>;
  const txId = f.txId ?? 0;
  switch (e.name) {
    case 'screenShown':
      r.screen = screenById(f.screen ?? 0);
      return;
    case 'cardPlaced':
      r.txs.set(txId, { startedAt: t.clock.now(), method: null, recordId: null });
      t.alerts.nextPatient();
      if (t.visual.view().state === 'awaitingCard') t.visual.cardPlaced(txId);
      return;
    case 'methodChosen': {
      const tx = r.txs.get(txId);
      if (tx) tx.method = methodName(f.method ?? 0);
      return;
    }
    case 'identityConfirmed': {
      // 目視確認 on the reader itself is recorded as visual, reader-side; the terminal's own check is not involved.
      const readerSide = f.method === Method.visualOnReader;
      const method = methodName(f.method ?? 0) as MethodName;
      const visual = method === 'visual' && !readerSide ? t.visual.view() : null;
      const record = t.book.add(r.identity, txId, r.txs.get(txId), {
        outcome: 'confirmed',
        method,
        failReason: null,
        confirmationDate: visual?.confirmationDate ?? todayJst(t.clock.now()),
        operator: visual?.operator ?? null,
        cardId: String(e.fields.cardId),
        ...(readerSide ? { readerSide: true as const } : {}),
      });
      if (visual && record) t.visual.confirmed(record);
      return;
    }
    case 'visualPasswordResult':
      // The reader locked its 目視確認 after wrong 目視モード用パスワード entries: staff are told.
      if ((f.lockMinutes ?? 0) > 0) t.alerts.visualLocked(path, t.clock.now(), f.lockMinutes!);
      return;
    case 'identityFailed': {
      const reason = FailReason.nameOf(f.reason ?? 0) as FailReasonName;
      const tx = r.txs.get(txId);
      const record = t.book.add(r.identity, txId, tx, {
        outcome: 'failed',
        method: tx?.method ?? null,
        failReason: reason,
        confirmationDate: todayJst(t.clock.now()),
        operator: null,
        cardId: null,
      });
      t.visual.failed(reason, record);
      if (reason === 'faceMismatch' || reason === 'pinLocked' || reason === 'noPin') t.alerts.reader('visualCheckNeeded');
      else if (reason === 'staffRequired') t.alerts.reader('staffCheckRequired');
      return;
    }
    case 'consentGiven':
      t.book.consent(r.identity, txId, r.txs.get(txId), (ConsentChoice.nameOf(f.choice ?? 0) as 'all' | 'individual') ?? null);
      return;
    case 'cardRemoved':
      r.txs.delete(txId);
      if (r.modePending) void t.syncMode(r).catch(() => undefined);
      return;
    case 'readerReset':
      // It lost its flow and its mode: give the mode back; a visual check in progress is void.
      r.txs.clear();
      t.visual.reset();
      t.alerts.reader('readerRestarted');
      void t.syncMode(r).catch(() => (r.modePending = true));
      return;
    default:
      return;
  }
}
