import type { FailReasonName } from '../protocol';
import { OqsError } from './errors';
import { FAIL_REASON_LABELS } from './labels';
import type { ConfirmationRecord } from './records';

/**
 * idle → awaitingCard (date set, box ticked) → awaitingConfirmation (card placed: 「本人確認を実行する」)
 * → executing (OK) → completed (「本人確認を完了する」) → idle (OK; next patient, P106-7).
 */
export type VisualCheckState = 'idle' | 'awaitingCard' | 'awaitingConfirmation' | 'executing' | 'completed';

export interface VisualCheckView {
  state: VisualCheckState;
  checkId: number;
  confirmationDate: string | null;
  operator: string | null;
  txId: number | null;
  record: ConfirmationRecord | null;
  /** Why the last card did not go through, in words for staff. */
  lastFailure: string | null;
}

interface Waiter {
  resolve: (r: ConfirmationRecord) => void;
  reject: (e: Error) => void;
}

/** The terminal's side of one visual check at a time (P106). */
export class VisualCheck {
  private state: VisualCheckState = 'idle';
  private checkId = 0;
  private date: string | null = null;
  private operator: string | null = null;
  private txId: number | null = null;
  private record: ConfirmationRecord | null = null;
  private lastFailure: string | null = null;
  private waiter: Waiter | null = null;

  constructor(private readonly onChange: (view: VisualCheckView) => void) {}

  view(): VisualCheckView {
    return {
      state: this.state,
      checkId: this.checkId,
      confirmationDate: this.date,
      operator: this.operator,
      txId: this.txId,
      record: this.record,
      lastFailure: this.lastFailure,
    };
  }

  requireState(states: VisualCheckState[], action: string): void {
    if (!states.includes(this.state)) throw new OqsError('OQS_ERR_VISUAL_CHECK_STATE', this.state, action);
  }

  nextCheckId(): number {
    return (this.checkId % 0xffff) + 1;
  }

  arm(checkId: number, date: string, operator: string): void {
    Object.assign(this, { checkId, date, operator, txId: null, record: null, lastFailure: null });
    this.set('awaitingCard');
  }

  cardPlaced(txId: number): void {
    this.txId = txId;
    this.lastFailure = null;
    this.set('awaitingConfirmation');
  }

  /** OK pressed: the returned promise settles with the reader's answer. */
  execute(): Promise<ConfirmationRecord> {
    this.set('executing');
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /** The execute command itself failed: the card is still waiting for OK. */
  abortExecute(): void {
    if (this.state !== 'executing') return;
    this.waiter = null;
    this.set('awaitingConfirmation');
  }

  confirmed(record: ConfirmationRecord): void {
    if (this.state !== 'executing' && this.state !== 'awaitingConfirmation') return;
    this.record = record;
    this.set('completed');
    this.waiter?.resolve(record);
    this.waiter = null;
  }

  failed(reason: FailReasonName, _record: ConfirmationRecord | null): void {
    if (this.state !== 'awaitingConfirmation' && this.state !== 'executing') return;
    this.lastFailure = FAIL_REASON_LABELS[reason];
    // Before OK the reader still holds the check for the next card; after OK it is spent.
    const next = this.state === 'awaitingConfirmation' ? 'awaitingCard' : 'idle';
    this.txId = null;
    this.set(next);
    this.waiter?.reject(new OqsError('OQS_ERR_VISUAL_CHECK_STATE', `failed (${this.lastFailure})`, 'confirming identity'));
    this.waiter = null;
  }

  /** The reader refused to arm: as if it had never been asked (the check number too). */
  disarm(previousCheckId: number): void {
    this.checkId = previousCheckId;
    this.reset();
  }

  /** Abandons whatever is in progress (mode switched away, cancel, or the next patient). */
  reset(): void {
    this.waiter?.reject(new OqsError('OQS_ERR_VISUAL_CHECK_STATE', 'cancelled', 'confirming identity'));
    this.waiter = null;
    Object.assign(this, { date: null, operator: null, txId: null, record: null, lastFailure: null });
    this.set('idle');
  }

  private set(state: VisualCheckState): void {
    this.state = state;
    this.onChange(this.view());
  }
}
