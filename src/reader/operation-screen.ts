import type { ModeName } from '../protocol';
import type { Actor } from './accounts';
import { todayJst } from './dates';
import { OqsError } from './errors';
import { MODE_LABELS } from './labels';
import type { Terminal } from './terminal';

/** A dialog on the 顔認証付きカードリーダー操作 screen, with the manual's wording. */
export type Dialog =
  | { kind: 'confirmSwitch'; mode: ModeName; message: string }
  | { kind: 'switchDone'; mode: ModeName; message: string }
  | { kind: 'confirmVisual'; message: '本人確認を実行する' }
  | { kind: 'visualDone'; message: '本人確認を完了する' };

export interface ModeButton {
  mode: ModeName;
  label: string;
  /** The active mode's button is green (P104-2). */
  green: boolean;
}

/**
 * What one staff member sees and clicks on 《顔認証付きカードリーダー操作》 (P.104–P.113): the mode
 * buttons with their confirm/complete dialogs, and 《目視確認時利用項目》. The web screen and the
 * Gherkin steps drive the same model; the rules themselves stay in Terminal.
 */
export class OperationScreen {
  private localDialog: Dialog | null = null;
  dateText: string;
  visuallyConfirmed = false;
  /** The last refusal, shown inline next to what caused it. */
  error: { code: string; message: string } | null = null;

  constructor(
    readonly terminal: Terminal,
    readonly actor: Actor,
  ) {
    terminal.requireReaderMenu();
    this.dateText = todayJst(terminal.clock.now());
  }

  buttons(): ModeButton[] {
    return (Object.keys(MODE_LABELS) as ModeName[]).map((mode) => ({
      mode,
      label: MODE_LABELS[mode],
      green: this.terminal.mode === mode,
    }));
  }

  get currentMode(): ModeName {
    return this.terminal.mode;
  }

  get dialog(): Dialog | null {
    if (this.localDialog) return this.localDialog;
    const state = this.terminal.visual.view().state;
    if (state === 'awaitingConfirmation') return { kind: 'confirmVisual', message: '本人確認を実行する' };
    if (state === 'completed') return { kind: 'visualDone', message: '本人確認を完了する' };
    return null;
  }

  /** P104-3 / P108-2 / P110-1: a mode button asks for confirmation first. */
  clickMode(mode: ModeName): void {
    this.error = null;
    this.localDialog = { kind: 'confirmSwitch', mode, message: `${MODE_LABELS[mode]}モードに切り替えます。よろしいですか？` };
  }

  async clickOk(): Promise<void> {
    const d = this.dialog;
    if (!d) return;
    this.error = null;
    await this.capture(async () => {
      switch (d.kind) {
        case 'confirmSwitch':
          this.localDialog = null;
          await this.terminal.switchMode(this.actor, d.mode);
          this.localDialog = { kind: 'switchDone', mode: d.mode, message: `${MODE_LABELS[d.mode]}モードへの切替えが完了しました` };
          return;
        case 'switchDone':
          this.localDialog = null;
          return;
        case 'confirmVisual':
          await this.terminal.confirmVisualCheck(this.actor);
          return;
        case 'visualDone':
          this.terminal.completeVisualCheck(this.actor);
          this.visuallyConfirmed = false;
          this.dateText = todayJst(this.terminal.clock.now());
          return;
      }
    });
  }

  async clickCancel(): Promise<void> {
    const d = this.dialog;
    if (d?.kind === 'confirmSwitch') this.localDialog = null;
    else if (d?.kind === 'confirmVisual') {
      await this.capture(() => this.terminal.cancelVisualCheck(this.actor));
      this.visuallyConfirmed = false;
    }
  }

  /** P106-2: type 資格確認日 (or pick it from the calendar, which types the same text). */
  async setDate(text: string): Promise<void> {
    this.dateText = text;
    this.error = null;
    if (this.visuallyConfirmed) await this.arm();
  }

  /** P106-3: tick 《目視で本人確認完了》; with a valid date the reader now takes the card. */
  async setVisuallyConfirmed(checked: boolean): Promise<void> {
    this.error = null;
    if (!checked) {
      this.visuallyConfirmed = false;
      await this.capture(() => this.terminal.cancelVisualCheck(this.actor));
      return;
    }
    this.visuallyConfirmed = true;
    await this.arm();
  }

  private async arm(): Promise<void> {
    const ok = await this.capture(() =>
      this.terminal.beginVisualCheck(this.actor, { confirmationDate: this.dateText, visuallyConfirmed: this.visuallyConfirmed }),
    );
    if (!ok) this.visuallyConfirmed = false;
  }

  private async capture(fn: () => Promise<unknown> | unknown): Promise<boolean> {
    try {
      await fn();
      return true;
    } catch (e) {
      if (!OqsError.is(e)) throw e;
      this.error = { code: e.code, message: e.message };
      return false;
    }
  }
}
