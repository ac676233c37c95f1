import type { FailReasonName, MethodName, ModeName } from '../protocol';

/**
 * One identity confirmation (face, PIN or visual), successful or not. Never holds a PIN, an
 * image, 照合番号A/B or a 個人番号: the card is known only by the reader's one-way cardId.
 */
export interface ConfirmationRecord {
  /** `<reader serial>:<txId>`: a retransmitted or replayed event maps to the same record. */
  id: string;
  outcome: 'confirmed' | 'failed';
  method: MethodName | null;
  failReason: FailReasonName | null;
  /** 資格確認日, YYYY/MM/DD. */
  confirmationDate: string;
  /** The account that confirmed by sight (visual checks on the terminal only). */
  operator: string | null;
  /** Present and true when the visual check was done on the reader itself (the 2025 flow, PR-3.4-4). */
  readerSide?: true;
  reader: { vendor: string; model: string; serial: string };
  cardId: string | null;
  consent: 'all' | 'individual' | null;
  startedAt: string;
  finishedAt: string;
}

/** Audit trail of mode changes (DOM-REC-2). */
export interface ModeChange {
  from: ModeName;
  to: ModeName;
  by: string;
  at: string;
}
