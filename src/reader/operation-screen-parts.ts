import { SCREENS } from '../protocol';
import { todayJst } from './dates';
import { CONSENT_LABELS, FAIL_REASON_LABELS, METHOD_LABELS } from './labels';
import type { ConfirmationRecord } from './records';
import type { ScreenView } from './screen-view';
import type { Alert, Terminal } from './terminal';
import type { VisualCheckView } from './visual-check';
import type { VisualPasswordView } from './visual-password';

/** Pieces of OperationScreen.view(): the terminal's state in the words staff read. */

const JST_OFFSET_MS = 9 * 3600_000;
const RECORDS_SHOWN = 200;

/** HH:MM:SS in Japan. */
export function clockText(ms: number): string {
  return new Date(ms + JST_OFFSET_MS).toISOString().slice(11, 19);
}

/** Where the visual check is, in a line under the checkbox. */
export function visualStatus(vc: VisualCheckView): string {
  let note = '';
  if (vc.state === 'awaitingCard') note = `資格確認日 ${vc.confirmationDate}：患者にマイナンバーカードを顔認証付きカードリーダーに置いてもらってください。`;
  else if (vc.state === 'awaitingConfirmation') note = 'マイナンバーカードがセットされました。';
  else if (vc.state === 'executing') note = '本人確認を実行しています…';
  if (vc.lastFailure) note = `${note} 前のカードは本人確認できませんでした（${vc.lastFailure}）。`.trim();
  return note;
}

const MATCH_ERROR: ScreenView['alerts'][number] = {
  code: 'matchError',
  message:
    '照合エラー：顔認証で本人確認できませんでした。暗証番号でも確認できない場合は、目視確認モードに切り替えて職員が目視で本人確認してください（目視確認が必要）。',
  level: 'alarm',
};

/**
 * The banners. Once 目視確認 is on, staff have done what a 照合エラー / 暗証番号ロック asked for,
 * so those banners give way to the 目視確認 reminder.
 */
export function alertsView(mode: string, alerts: Alert[], matchError: boolean): ScreenView['alerts'] {
  const visual = mode === 'visual';
  const out: ScreenView['alerts'] = alerts
    .filter((a) => !(visual && a.code === 'visualCheckNeeded'))
    .map((a) => ({ code: a.code, message: a.message, level: a.code === 'visualModeOn' ? 'warn' : 'alarm', ...(a.cause ? { cause: a.cause } : {}) }));
  if (matchError && !visual && !alerts.some((a) => a.code === 'visualCheckNeeded')) out.push(MATCH_ERROR);
  return out;
}

/** The 目視モード用パスワード line of the screen: set or not, and the wrong-entry rule. */
export function visualPasswordText(v: VisualPasswordView, canSet: boolean): ScreenView['visualPassword'] {
  const rule = `${v.maxWrong}回続けて誤るとリーダーでの目視確認を${v.lockMinutes}分間ロック`;
  const text = v.set ? `目視モード用パスワード：設定済み（${rule}）` : '目視モード用パスワード：未設定（リーダーでの目視確認は使えません）';
  return { set: v.set, text, canSet };
}

export function readerView(t: Terminal): ScreenView['reader'] {
  const r = t.status().readers[0];
  if (!r) return { identity: '顔認証付きカードリーダーが接続されていません。', screen: '—' };
  const screen = r.screen ? (SCREENS[r.screen as keyof typeof SCREENS]?.text ?? r.screen) : '—';
  return { identity: `${r.vendor} ${r.model}（ファームウェア ${r.firmware}、製造番号 ${r.serial}）`, screen };
}

/** Today's (JST) confirmations, newest first. */
export function recordsView(records: ConfirmationRecord[], now: number): ScreenView['records'] {
  const today = todayJst(now);
  return records
    .filter((r) => todayJst(Date.parse(r.finishedAt)) === today)
    .reverse()
    .slice(0, RECORDS_SHOWN)
    .map((r) => {
      const ok = r.outcome === 'confirmed';
      return {
        id: r.id,
        at: clockText(Date.parse(r.finishedAt)),
        method: r.method ? METHOD_LABELS[r.method] : '—',
        result: ok ? '本人確認済み' : `できませんでした（${r.failReason ? FAIL_REASON_LABELS[r.failReason] : '不明'}）`,
        confirmationDate: r.confirmationDate ?? '',
        operator: r.operator ?? '—',
        consent: r.consent ? CONSENT_LABELS[r.consent] : '—',
        failed: !ok,
      };
    });
}
