import { CardKind, ConsentChoice, FailReason, Method, SCREENS, screenById } from '../protocol';
import type { CardKindName, FailReasonName, MethodName, ModeName } from '../protocol';
import type { Role } from './accounts';

/** Japanese words for code names, as on the screen and in the manual (docs/glossary.md). */
export const MODE_LABELS: Record<ModeName, string> = {
  unattended: '無人運転',
  visual: '目視確認',
  pinOnly: '暗証番号認証固定',
};

export const METHOD_LABELS: Record<MethodName, string> = {
  face: '顔認証',
  pin: '暗証番号',
  visual: '目視確認',
};

/** Method code visualOnReader: 目視確認 done on the reader itself (recorded as visual, reader-side). */
export const VISUAL_ON_READER_LABEL = 'リーダーでの目視確認';

export const FAIL_REASON_LABELS: Record<FailReasonName, string> = {
  faceMismatch: '照合エラー',
  pinLocked: '暗証番号ロック',
  certExpired: '電子証明書の有効期限切れ',
  notMyNumberCard: 'マイナンバーカード以外',
  staffRequired: '職員による目視確認が必要',
  cardRemoved: 'カードが取り外された',
  cancelled: '中止',
  noPin: '暗証番号のないカード（顔認証マイナンバーカード）',
  cardUnreadable: 'カードを認識できない',
};

export function modeByLabel(label: string): ModeName | undefined {
  return (Object.keys(MODE_LABELS) as ModeName[]).find((m) => MODE_LABELS[m] === label || m === label);
}

export const ROLE_LABELS: Record<Role, string> = { admin: '管理者', general: '一般' };

export const CARD_KIND_LABELS: Record<CardKindName, string> = {
  myNumber: 'マイナンバーカード',
  faceAuthCard: '顔認証マイナンバーカード',
  notMyNumber: 'マイナンバーカード以外',
  unrecognised: '認識できないカード',
};

export const CONSENT_LABELS: Record<'all' | 'individual', string> = { all: '全て同意する', individual: '個別に同意する' };

/** A reader event as staff read it in 《リーダーのできごと》; null for what they need not see. */
export function describeReaderEvent(name: string, f: Record<string, unknown>): { text: string; tone: '' | 'good' | 'bad' } | null {
  const n = (k: string) => Number(f[k] ?? 0);
  const method = () => (n('method') === Method.visualOnReader ? VISUAL_ON_READER_LABEL : (METHOD_LABELS[Method.nameOf(n('method')) as MethodName] ?? '不明'));
  switch (name) {
    case 'cardPlaced':
      return { text: `カードが置かれました（${CARD_KIND_LABELS[CardKind.nameOf(n('cardKind')) as CardKindName] ?? 'カード'}）`, tone: '' };
    case 'cardRemoved':
      return { text: 'カードが取り外されました', tone: '' };
    case 'methodChosen':
      return { text: `本人確認の方法：${method()}`, tone: '' };
    case 'faceResult':
      return n('matched') ? { text: '顔認証：一致しました', tone: '' } : { text: '顔認証：一致しませんでした', tone: 'bad' };
    case 'pinResult':
      return n('ok') ? { text: '暗証番号：正しく入力されました', tone: '' } : { text: `暗証番号：誤りです（残り ${n('triesLeft')} 回）`, tone: 'bad' };
    case 'visualPasswordResult':
      if (n('ok')) return { text: '目視モード用パスワード：正しく入力されました', tone: '' };
      if (n('lockMinutes'))
        return { text: `目視モード用パスワード：誤りが続いたため、リーダーでの目視確認を${n('lockMinutes')}分間ロックしました`, tone: 'bad' };
      return { text: `目視モード用パスワード：誤りです（残り ${n('triesLeft')} 回）`, tone: 'bad' };
    case 'identityConfirmed':
      return { text: `本人確認が完了しました（${method()}）`, tone: 'good' };
    case 'identityFailed':
      return { text: `本人確認ができませんでした（${FAIL_REASON_LABELS[FailReason.nameOf(n('reason')) as FailReasonName] ?? '不明'}）`, tone: 'bad' };
    case 'consentGiven':
      return { text: `同意：${n('choice') === ConsentChoice.all ? CONSENT_LABELS.all : CONSENT_LABELS.individual}`, tone: '' };
    case 'screenShown': {
      const screen = screenById(n('screen'));
      const bad = screen === 'matchError' || screen === 'pinLocked' || screen === 'callStaff';
      return { text: `リーダー画面：${screen ? SCREENS[screen].text : n('screen')}`, tone: bad ? 'bad' : '' };
    }
    case 'readerError':
      return { text: 'リーダーがエラーを報告しました', tone: 'bad' };
    default:
      return null;
  }
}
