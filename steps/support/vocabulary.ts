import { CARD_PROFILES, FACE_CONDITIONS, type ProfileName } from '../../simulator/cards';
import { SCREENS, type ScreenName } from '../../src/protocol';
import { FAIL_REASON_LABELS, METHOD_LABELS, modeByLabel } from '../../src/reader/labels';
import type { FailReasonName, MethodName, ModeName } from '../../src/protocol';

/** The PINs scenarios type: the synthetic cards' own and the wrong one (steps/support/prompts.ts says 0000). */
export const SCENARIO_PINS: readonly string[] = [CARD_PROFILES.normal.pin, '0000'];

/** Japanese words in step text → code names (docs/glossary.md lists the same mapping). */
function lookup<T extends string>(what: string, table: Record<string, T>, word: string): T {
  const hit = table[word];
  if (hit === undefined) {
    const ja =
      {
        'card profile': 'カードの種類',
        'face condition': '顔の状態',
        method: '本人確認の方法',
        'failure reason': '本人確認できなかった理由',
        'consent answer': '同意の答え',
      }[what] ?? what;
    throw new Error(`「${word}」は${ja}にありません（docs/steps.md）/ unknown ${what} 「${word}」; expected one of: ${Object.keys(table).join('、')}`);
  }
  return hit;
}

const PROFILE_WORDS = Object.fromEntries((Object.keys(CARD_PROFILES) as ProfileName[]).map((n) => [CARD_PROFILES[n].label, n])) as Record<string, ProfileName>;

const CONDITION_WORDS = Object.fromEntries(
  (Object.keys(FACE_CONDITIONS) as Array<keyof typeof FACE_CONDITIONS>).map((n) => [FACE_CONDITIONS[n].label, n]),
) as Record<string, keyof typeof FACE_CONDITIONS>;

const METHOD_WORDS = Object.fromEntries((Object.keys(METHOD_LABELS) as MethodName[]).map((m) => [METHOD_LABELS[m], m])) as Record<string, MethodName>;

const FAIL_REASON_WORDS = Object.fromEntries(
  (Object.keys(FAIL_REASON_LABELS) as FailReasonName[]).flatMap((r) => [
    [r, r],
    [FAIL_REASON_LABELS[r], r],
  ]),
) as Record<string, FailReasonName>;

const CONSENT_WORDS: Record<string, 'all' | 'individual'> = { 全て同意する: 'all', 個別に同意する: 'individual' };
/** The patient's answer on the consent screen (DOM-CONSENT-1). */
export const consentOf = (word: string) => lookup('consent answer', CONSENT_WORDS, word);

/** A failure reason by its code (faceMismatch) or its Japanese word (照合エラー). */
export const failReasonOf = (word: string) => lookup('failure reason', FAIL_REASON_WORDS, word);
export const profileOf = (word: string) => lookup('card profile', PROFILE_WORDS, word);
export const conditionOf = (word: string) => lookup('face condition', CONDITION_WORDS, word);
export const methodOf = (word: string) => lookup('method', METHOD_WORDS, word);

export function modeOf(word: string): ModeName {
  const mode = modeByLabel(word.replace(/モード$/, ''));
  if (!mode) throw new Error(`unknown mode 「${word}」; expected 無人運転、目視確認 or 暗証番号認証固定`);
  return mode;
}

/** A reader screen named by (the start of) its text, e.g. 「照合エラー」 or 「職員をお呼びください」. */
export function screenOf(text: string): ScreenName {
  const names = Object.keys(SCREENS) as ScreenName[];
  const hit = names.find((n) => SCREENS[n].text === text) ?? names.find((n) => SCREENS[n].text.startsWith(text));
  if (!hit) throw new Error(`no reader screen reads 「${text}」; screens: ${names.map((n) => SCREENS[n].text).join(' / ')}`);
  return hit;
}

/** "2026/11/24" (JST) → epoch ms at 09:30 that day in Japan. */
export function jstMorning(date: string): number {
  const m = /^(\d{4})\/(\d{2})\/(\d{2})$/.exec(date);
  if (!m) throw new Error(`write dates in steps as YYYY/MM/DD, got ${date}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 0, 30);
}
