import { screenById, type ModeName } from '../protocol';
import type { Actor } from './accounts';
import { EARLIEST_CONFIRMATION_DATE, normaliseDateText, parseConfirmationDate, todayJst } from './dates';
import { OqsError } from './errors';
import { describeReaderEvent, MODE_LABELS, ROLE_LABELS } from './labels';
import { alertsView, clockText, readerView, recordsView, visualPasswordText, visualStatus } from './operation-screen-parts';
import type { ScreenDialogView, ScreenModeButtonView, ScreenView } from './screen-view';
import type { Terminal, TerminalEvent } from './terminal';
import type { VisualPasswordInput } from './visual-password';

/** A dialog on the 顔認証付きカードリーダー操作 screen, with the manual's wording. */
export type Dialog = ScreenDialogView;
export type ModeButton = ScreenModeButtonView;
type Field = 'mode' | 'date' | 'check' | 'visualPassword';

const MODES = Object.keys(MODE_LABELS) as ModeName[];
const LOG_SIZE = 40;

/**
 * What one staff member sees and clicks on 《顔認証付きカードリーダー操作》 (P.104–P.113): the mode
 * buttons with their confirm/complete dialogs, and 《目視確認時利用項目》. The Gherkin steps call its
 * methods; the web screen calls the same methods through POST /api/screen/actions and renders
 * view(). The rules themselves stay in Terminal.
 */
export class OperationScreen {
  private localDialog: { kind: 'confirmSwitch' | 'switchDone'; mode: ModeName } | null = null;
  /** 資格確認日 as staff typed it for this patient; null: today's date (JST), whatever the day. */
  private typedDate: string | null = null;
  private ticked = false;
  /** An action is waiting for the reader: the dialog's buttons wait too. */
  private pending = false;
  /** The reader showed 照合エラー and staff have not acted on it yet. */
  private matchError = false;
  private readonly log: Array<{ at: string; text: string; tone: '' | 'good' | 'bad' }> = [];
  private readonly listener = (e: TerminalEvent) => this.observe(e);
  /** The last refusal, shown inline next to what caused it, in Japanese. */
  error: { code: string; message: string; field: Field | null } | null = null;
  /** A word for staff that is not a refusal (e.g. the mode is already in force). */
  notice: string | null = null;

  constructor(
    readonly terminal: Terminal,
    readonly actor: Actor,
  ) {
    terminal.requireReaderMenu();
    terminal.on('event', this.listener);
  }

  /** Stops following the terminal (the session that owned the screen is gone). */
  close(): void {
    this.terminal.off('event', this.listener);
  }

  get currentMode(): ModeName {
    return this.terminal.mode;
  }

  /** 資格確認日 as the field shows it: today's JST date until staff type one for this patient. */
  get dateText(): string {
    return this.typedDate ?? todayJst(this.terminal.clock.now());
  }

  /** 《目視で本人確認完了》: ticked here, and the terminal still holds the check it armed. */
  get visuallyConfirmed(): boolean {
    return this.ticked && this.terminal.visual.view().state !== 'idle';
  }

  buttons(): ModeButton[] {
    return MODES.map((mode) => ({ mode, label: MODE_LABELS[mode], green: this.terminal.mode === mode, enabled: this.actor.role === 'admin' }));
  }

  get dialog(): Dialog | null {
    const base = { detail: null, warning: null, busy: this.pending };
    const d = this.localDialog;
    if (d?.kind === 'confirmSwitch') {
      const vc = this.terminal.visual.view();
      const warning =
        this.terminal.mode === 'visual' && d.mode !== 'visual' && vc.state !== 'idle'
          ? `目視確認の途中です（資格確認日 ${vc.confirmationDate}）。${MODE_LABELS[d.mode]}モードに切り替えると、この目視確認は取り消されます。`
          : null;
      return {
        ...base,
        kind: 'confirmSwitch',
        mode: d.mode,
        title: '確認',
        message: `${MODE_LABELS[d.mode]}モードに切り替えます。よろしいですか？`,
        warning,
        actions: ['ok', 'cancel'],
      };
    }
    if (d?.kind === 'switchDone') {
      return {
        ...base,
        kind: 'switchDone',
        mode: d.mode,
        title: '切替えを完了する',
        message: `${MODE_LABELS[d.mode]}モードへの切替えが完了しました`,
        actions: ['ok'],
      };
    }
    const state = this.terminal.visual.view().state;
    if (state === 'awaitingConfirmation' || state === 'executing') {
      return {
        ...base,
        kind: 'confirmVisual',
        mode: null,
        title: '本人確認を実行する',
        message: '本人確認を実行する',
        detail: 'マイナンバーカードがセットされました。目視で確認した患者の本人確認を実行します。よろしいですか？',
        busy: this.pending || state === 'executing',
        actions: ['ok', 'cancel'],
      };
    }
    if (state === 'completed') {
      return {
        ...base,
        kind: 'visualDone',
        mode: null,
        title: '本人確認を完了する',
        message: '本人確認を完了する',
        detail: '本人確認が完了しました。',
        actions: ['ok'],
      };
    }
    return null;
  }

  /** P104-3 / P108-2 / P110-1: a mode button asks for confirmation first; only 管理者 may. */
  clickMode(mode: string): void {
    if (this.dialog) return; // the dialog is modal
    this.error = null;
    this.notice = null;
    if (this.actor.role !== 'admin') {
      this.fail(new OqsError('OQS_ERR_ADMIN_REQUIRED', 'switch the reader mode', this.actor.account, '一般 (general)'), 'mode');
    } else if (!(MODES as string[]).includes(mode)) {
      this.fail(new OqsError('OQS_ERR_UNKNOWN_MODE', mode), 'mode');
    } else if (mode === this.terminal.mode) {
      this.notice = `既に${MODE_LABELS[mode as ModeName]}モードです。`;
    } else {
      this.localDialog = { kind: 'confirmSwitch', mode: mode as ModeName };
    }
  }

  async clickOk(): Promise<void> {
    const d = this.dialog;
    if (!d || d.busy) return;
    this.error = null;
    this.notice = null;
    switch (d.kind) {
      case 'confirmSwitch': {
        const mode = d.mode as ModeName;
        let changed = false;
        if (await this.run(async () => (changed = (await this.terminal.switchMode(this.actor, mode)) !== null), 'mode')) {
          // Someone else switched first: nothing was switched here, so no completion message.
          this.localDialog = changed ? { kind: 'switchDone', mode } : null;
          if (!changed) this.notice = `既に${MODE_LABELS[mode]}モードです。`;
          // Staff have acted on the 照合エラー: switching to 目視確認 is what it asked for.
          if (mode === 'visual') this.matchError = false;
        } else this.localDialog = null;
        return;
      }
      case 'switchDone':
        this.localDialog = null;
        return;
      case 'confirmVisual':
        await this.run(() => this.terminal.confirmVisualCheck(this.actor), 'check');
        return;
      case 'visualDone':
        if (await this.run(() => this.terminal.completeVisualCheck(this.actor), 'check')) {
          // P106-7: the next patient starts from step 1, with today's date.
          this.ticked = false;
          this.typedDate = null;
        }
        return;
    }
  }

  /** キャンセル: only a confirmation has one; a completion message needs its OK. */
  async clickCancel(): Promise<void> {
    const d = this.dialog;
    if (!d || d.busy || !d.actions.includes('cancel')) return;
    this.error = null;
    if (d.kind === 'confirmSwitch') this.localDialog = null;
    else if (await this.run(() => this.terminal.cancelVisualCheck(this.actor), 'check')) this.ticked = false;
  }

  /** P106-2: type 資格確認日 (or pick it from the calendar, which types the same text). */
  async setDate(text: string): Promise<void> {
    this.error = null;
    this.notice = null;
    // Once the card is on the reader the check has its date; it is not changed under it.
    const state = this.terminal.visual.view().state;
    if (state !== 'idle' && state !== 'awaitingCard') {
      this.fail(new OqsError('OQS_ERR_VISUAL_CHECK_STATE', state, 'changing 資格確認日'), 'date');
      return;
    }
    try {
      parseConfirmationDate(text, this.terminal.clock.now());
      this.typedDate = normaliseDateText(text);
    } catch (e) {
      if (!OqsError.is(e)) throw e;
      // Shown as typed so staff can correct it; never armed with it.
      this.typedDate = text;
      this.fail(e, 'date');
      if (this.visuallyConfirmed) await this.untick();
      return;
    }
    if (this.visuallyConfirmed) await this.arm();
  }

  /** P106-3: tick 《目視で本人確認完了》; with a valid date the reader now takes the card. */
  async setVisuallyConfirmed(checked: boolean): Promise<void> {
    this.error = null;
    this.notice = null;
    if (checked) await this.arm();
    else await this.untick();
  }

  /** An administrator sets the facility's 目視モード用パスワード (reader-side 目視確認); the screen keeps nothing of it. */
  async setVisualPassword(input: VisualPasswordInput): Promise<void> {
    this.error = null;
    this.notice = null;
    if (await this.run(() => this.terminal.setVisualPassword(this.actor, input), 'visualPassword')) {
      this.notice = '目視モード用パスワードを設定しました。リーダーで目視確認を選ぶと、このパスワードを求められます。';
    }
  }

  /** Everything the page shows, in Japanese, as data (GET /api/screen). */
  view(): ScreenView {
    const t = this.terminal;
    const vc = t.visual.view();
    const now = t.clock.now();
    return {
      user: { account: this.actor.account, role: this.actor.role, roleLabel: ROLE_LABELS[this.actor.role] },
      mode: t.mode,
      modeText: `現在のモード：${MODE_LABELS[t.mode]}モード`,
      buttons: this.buttons(),
      dialog: this.dialog,
      visualItems: {
        enabled: t.mode === 'visual',
        date: this.dateText,
        today: todayJst(now),
        earliest: EARLIEST_CONFIRMATION_DATE,
        visuallyConfirmed: this.visuallyConfirmed,
        state: vc.state,
        status: visualStatus(vc),
      },
      visualPassword: visualPasswordText(t.visualPassword(), this.actor.role === 'admin'),
      error: this.error,
      notice: this.notice,
      alerts: alertsView(t.mode, t.alerts(), this.matchError),
      reader: readerView(t),
      events: [...this.log],
      eventsEmpty: 'まだリーダーのできごとはありません。',
      records: recordsView(t.todayRecords(), now),
      recordsEmpty: '本日の本人確認はまだありません。',
    };
  }

  private async arm(): Promise<void> {
    this.ticked = true;
    const ok = await this.run(() => this.terminal.beginVisualCheck(this.actor, { confirmationDate: this.dateText, visuallyConfirmed: true }), 'check');
    // Refused: the reader must not keep a check the screen does not show — unless the card is
    // already on it, when the refusal is only that this patient's check has moved on.
    const state = this.terminal.visual.view().state;
    if (!ok && (state === 'idle' || state === 'awaitingCard')) await this.untick(false);
  }

  /** Unticks the box, and the reader gives up the check it was holding for this patient. */
  private async untick(clearError = true): Promise<void> {
    this.ticked = false;
    const error = this.error;
    await this.run(() => this.terminal.cancelVisualCheck(this.actor), 'check');
    if (!clearError && error) this.error = error;
  }

  private async run(fn: () => Promise<unknown> | unknown, field: Field): Promise<boolean> {
    this.pending = true;
    try {
      await fn();
      return true;
    } catch (e) {
      if (!OqsError.is(e)) throw e;
      this.fail(e, field);
      return false;
    } finally {
      this.pending = false;
    }
  }

  private fail(e: OqsError, field: Field): void {
    this.error = { code: e.code, message: e.messageJa, field: e.code.startsWith('OQS_ERR_DATE_') ? 'date' : field };
  }

  /** What the reader and the terminal report, as staff read it in 《リーダーのできごと》. */
  private observe(e: TerminalEvent): void {
    let line: { text: string; tone: '' | 'good' | 'bad' } | null = null;
    if (e.type === 'readerEvent') {
      line = describeReaderEvent(e.name, e.fields as Record<string, unknown>);
      if (e.name === 'screenShown' && screenById(Number(e.fields.screen)) === 'matchError') this.matchError = true;
      if (e.name === 'cardPlaced' || e.name === 'identityConfirmed') this.matchError = false;
    } else if (e.type === 'modeChanged') {
      const c = e.change;
      line = { text: `モードを切り替えました：${MODE_LABELS[c.from]} → ${MODE_LABELS[c.to]}（${c.by}）`, tone: '' };
      if (c.to === 'visual') this.matchError = false;
    } else if (e.type === 'alert' && e.alert) line = { text: e.alert.message, tone: 'bad' };
    else if (e.type === 'readerConnected') line = { text: '顔認証付きカードリーダーが接続されました', tone: '' };
    else if (e.type === 'readerDisconnected') line = { text: '顔認証付きカードリーダーの接続が切れました', tone: 'bad' };
    if (!line) return;
    this.log.unshift({ at: clockText(this.terminal.clock.now()), ...line });
    this.log.length = Math.min(this.log.length, LOG_SIZE);
  }
}
