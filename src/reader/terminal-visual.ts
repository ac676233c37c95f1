import type { Actor } from './accounts';
import { displayDate, parseConfirmationDate, todayJst } from './dates';
import { OqsError } from './errors';
import { MODE_LABELS } from './labels';
import type { ConfirmationRecord } from './records';
import { readerBusy, singleReader, type Connected, type TerminalCore } from './terminal-readers';
import type { VisualCheckView } from './visual-check';

// The staff's side of a visual check (P106), step by step: Terminal's *VisualCheck methods.

/**
 * P106 steps 2–3: staff have looked at the patient, set 資格確認日 and ticked
 * 《目視で本人確認完了》; the reader now takes the patient's card for this check.
 */
export async function begin(t: TerminalCore, actor: Actor, input: { confirmationDate?: string; visuallyConfirmed: boolean }): Promise<VisualCheckView> {
  t.requireReaderMenu();
  const mode = t.mode();
  if (mode !== 'visual') throw new OqsError('OQS_ERR_NOT_VISUAL_MODE', MODE_LABELS[mode]);
  const dateText = input.confirmationDate ?? todayJst(t.clock.now());
  const wireDate = parseConfirmationDate(dateText, t.clock.now());
  if (input.visuallyConfirmed !== true) throw new OqsError('OQS_ERR_NOT_VISUALLY_CONFIRMED');
  t.visual.requireState(['idle', 'awaitingCard'], 'starting a visual check');
  const reader = singleReader(t.readers);
  const previous = t.visual.view().checkId;
  const checkId = t.visual.nextCheckId();
  // Armed before the command goes out: the reader may report a card already on it at once.
  t.visual.arm(checkId, displayDate(wireDate), actor.account);
  try {
    await reader.client.startVisualCheck(checkId, wireDate);
  } catch (e) {
    t.visual.disarm(previous);
    if (readerBusy(e)) throw new OqsError('OQS_ERR_READER_BUSY');
    throw e;
  }
  t.alerts.reader(null);
  return t.visual.view();
}

/** P106-5: OK on 「本人確認を実行する」; resolves once the reader has confirmed or failed. */
export async function confirm(t: TerminalCore): Promise<ConfirmationRecord> {
  t.visual.requireState(['awaitingConfirmation'], 'OK on 本人確認を実行する');
  const reader = singleReader(t.readers);
  const outcome = t.visual.execute();
  try {
    await reader.client.executeVisualCheck(t.visual.view().checkId);
  } catch (e) {
    outcome.catch(() => undefined);
    t.visual.abortExecute();
    throw e;
  }
  return outcome;
}

/** P106-6: OK on 「本人確認を完了する」; back to the screen for the next patient (P106-7). */
export function complete(t: TerminalCore): VisualCheckView {
  t.visual.requireState(['completed'], 'OK on 本人確認を完了する');
  t.visual.reset();
  return t.visual.view();
}

export async function cancel(t: TerminalCore): Promise<VisualCheckView> {
  if (t.visual.view().state !== 'idle') {
    const reader = t.readers.values().next().value as Connected | undefined;
    await reader?.client.cancelVisualCheck();
    t.visual.reset();
  }
  return t.visual.view();
}
