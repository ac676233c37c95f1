import type { ModeName } from '../protocol';
import type { ErrorCode, OqsError } from './errors';

export interface Alert {
  code:
    | 'visualModeOn'
    | 'visualCheckNeeded'
    | 'staffCheckRequired'
    | 'readerRestarted'
    | 'readerDisconnected'
    | 'readerNotConnected'
    | 'visualModeReverted'
    | 'visualPasswordLocked'
    | 'recordNotSaved';
  message: string;
  /** The reader port it is about (connection alerts, a reader's 目視確認 lock). */
  path?: string;
  /** When it ends by itself (ISO 8601; visualPasswordLocked). */
  until?: string;
  /** Why (readerNotConnected, readerDisconnected, recordNotSaved): the error's code and Japanese text. */
  cause?: { code: ErrorCode; message: string };
}

/** What a reader said about its patient or itself: one at a time, the newest wins. */
export type ReaderAlertCode = 'visualCheckNeeded' | 'staffCheckRequired' | 'readerRestarted';

const VISUAL_MODE_ON = '目視確認モードです。目視確認が終わったら無人運転モードに戻してください（戻さないと職員の目視確認なしでは資格確認できません）';
/** 《カードリーダー未接続》: a reader the terminal is configured for has never answered yet. */
const NOT_CONNECTED =
  'カードリーダー未接続：顔認証付きカードリーダーが見つかりません。電源とケーブルを確認してください（つながり次第、自動で使えるようになります）';
const DISCONNECTED = '顔認証付きカードリーダーとの接続が切れました。ケーブルを確認してください（自動で再接続します）';
/** The same for a reader behind a serial server (tcp://, rfc2217://): no cable of its own to check; the cause says what to. */
const NOT_CONNECTED_NET =
  'カードリーダー未接続：ネットワーク上の顔認証付きカードリーダーに接続できません。下の原因を確認してください（つながり次第、自動で使えるようになります）';
const DISCONNECTED_NET = 'ネットワーク上の顔認証付きカードリーダーとの接続が切れました。シリアルサーバーとネットワークを確認してください（自動で再接続します）';
/** A reader port that is a network address (docs/network-links.md); a serial port's name never holds "://". */
const onNetwork = (path: string) => path.includes('://');
const DISCONNECTED_VOID =
  '顔認証付きカードリーダーとの接続が切れたため、進行中の目視確認は取り消されました。ケーブルを確認してください（自動で再接続します）。つながったら、もう一度目視確認をしてください';
// A held outcome is lost if the reader is switched off (docs/protocol.md PR-5-4): staff must not try that.
const RECORD_NOT_SAVED = '本人確認の記録を保存できません。結果はリーダーが保持しています。リーダーの電源を切らずに、端末の管理者に連絡してください';
const VISUAL_REVERTED =
  '顔認証付きカードリーダーが2台になったため、目視確認モードを終了して無人運転モードに戻しました（目視確認はリーダー1台のときだけ使えます）';
const READER_ALERTS: Record<ReaderAlertCode, string> = {
  visualCheckNeeded: '患者の本人確認ができませんでした（照合エラー／暗証番号ロック）。目視確認が必要です',
  staffCheckRequired: '目視確認モードです。患者を目視で確認し、《目視で本人確認完了》をチェックしてください',
  readerRestarted: '顔認証付きカードリーダーが再起動しました。患者にはもう一度カードを置いてもらってください',
};

const visualLockedMessage = (minutes: number) =>
  `目視モード用パスワードの誤りが続いたため、リーダーでの目視確認が${minutes}分間ロックされました。パスワードを確かめてください（顔認証・暗証番号による本人確認はそのまま使えます）`;

/**
 * What staff are warned about now, in the order they see it: the mode, a mode change the terminal
 * made by itself, each reader port that is not attached, and the last news from a reader. Each
 * change goes out through `publish` (null when an alert is cleared).
 */
export class AlertBoard {
  /** Per reader port: why it is not attached now (not there yet, or gone). Cleared on attach. */
  private readonly links = new Map<string, Alert>();
  /** Ports that were attached at least once: gone is then 'disconnected', not 'not connected'. */
  private readonly seen = new Set<string>();
  /** The terminal changed the mode by itself (visualModeReverted) until someone switches it. */
  private modeAlert: Alert | null = null;
  private readerAlert: Alert | null = null;
  /** The last record could not be saved (recordNotSaved) until one is. */
  private storeAlert: Alert | null = null;
  /** Per reader port: its reader-side 目視確認 is locked until then (ms), after wrong passwords. */
  private readonly locks = new Map<string, { alert: Alert; until: number }>();

  constructor(private readonly publish: (alert: Alert | null) => void) {}

  list(mode: ModeName, now: number): Alert[] {
    const out: Alert[] = [];
    if (mode === 'visual') out.push({ code: 'visualModeOn', message: VISUAL_MODE_ON });
    if (this.modeAlert) out.push(this.modeAlert);
    out.push(...this.links.values());
    for (const [path, lock] of this.locks)
      if (lock.until > now) out.push(lock.alert);
      else this.locks.delete(path);
    if (this.readerAlert) out.push(this.readerAlert);
    if (this.storeAlert) out.push(this.storeAlert);
    return out;
  }

  /** The reader on `path` is attached: whatever was said about its link is over. */
  attached(path: string): void {
    this.seen.add(path);
    this.setLink(path, null);
  }

  /** The link to an attached reader closed; `voided`: a visual check in progress went with it. */
  detached(path: string, voided: boolean): void {
    this.setLink(path, { code: 'readerDisconnected', message: voided ? DISCONNECTED_VOID : onNetwork(path) ? DISCONNECTED_NET : DISCONNECTED, path });
  }

  /** The reader on `path` could not be reached: never yet (未接続) or not again (disconnected), and why. */
  unavailable(path: string, why: OqsError): void {
    const cause = { code: why.code, message: why.messageJa };
    const net = onNetwork(path);
    if (this.seen.has(path)) this.setLink(path, { code: 'readerDisconnected', message: net ? DISCONNECTED_NET : DISCONNECTED, path, cause });
    else this.setLink(path, { code: 'readerNotConnected', message: net ? NOT_CONNECTED_NET : NOT_CONNECTED, path, cause });
  }

  /** A record could not be saved (error), or one was (null): staff are told while none can be. */
  recordSaved(error: OqsError | null): void {
    if (error === null ? this.storeAlert === null : this.storeAlert?.cause?.message === error.messageJa) return;
    this.storeAlert = error && { code: 'recordNotSaved', message: RECORD_NOT_SAVED, cause: { code: error.code, message: error.messageJa } };
    this.publish(this.storeAlert);
  }

  /** The terminal left 目視確認 by itself (a second reader appeared). */
  visualReverted(): void {
    this.modeAlert = { code: 'visualModeReverted', message: VISUAL_REVERTED };
    this.publish(this.modeAlert);
  }

  /** Someone switched the mode: the terminal's own change is no longer news (the caller publishes). */
  modeSwitched(): void {
    this.modeAlert = null;
  }

  /** The reader on `path` locked its own 目視確認 for `minutes` after wrong 目視モード用パスワード entries. */
  visualLocked(path: string, now: number, minutes: number): void {
    const until = now + minutes * 60_000;
    const alert: Alert = { code: 'visualPasswordLocked', message: visualLockedMessage(minutes), path, until: new Date(until).toISOString() };
    this.locks.set(path, { alert, until });
    this.publish(alert);
  }

  reader(code: ReaderAlertCode | null): void {
    const alert = code === null ? null : { code, message: READER_ALERTS[code] };
    if (this.readerAlert === alert) return;
    this.readerAlert = alert;
    this.publish(alert);
  }

  /** A new patient clears the last patient's alert, not news about the reader itself. */
  nextPatient(): void {
    if (this.readerAlert?.code === 'visualCheckNeeded' || this.readerAlert?.code === 'staffCheckRequired') this.reader(null);
  }

  private setLink(path: string, alert: Alert | null): void {
    const now = this.links.get(path);
    const same = (a: Alert, b: Alert) => a.code === b.code && a.cause?.code === b.cause?.code && a.cause?.message === b.cause?.message;
    if (alert === null ? now === undefined : now !== undefined && same(now, alert)) return;
    if (alert) this.links.set(path, alert);
    else this.links.delete(path);
    this.publish(alert);
  }
}
