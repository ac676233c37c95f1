import type { FailReasonName, MethodName, ModeName } from '../protocol';

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

export const FAIL_REASON_LABELS: Record<FailReasonName, string> = {
  faceMismatch: '照合エラー',
  pinLocked: '暗証番号ロック',
  certExpired: '電子証明書の有効期限切れ',
  notMyNumberCard: 'マイナンバーカード以外',
  staffRequired: '職員による目視確認が必要',
  cardRemoved: 'カードが取り外された',
  cancelled: '中止',
};

export function modeByLabel(label: string): ModeName | undefined {
  return (Object.keys(MODE_LABELS) as ModeName[]).find((m) => MODE_LABELS[m] === label || m === label);
}
