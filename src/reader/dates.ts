import { OqsError } from './errors';

const JST_OFFSET_MS = 9 * 3600_000;

/** Today's date in Japan (資格確認日 is a Japanese calendar day), as YYYY/MM/DD. */
export function todayJst(nowMs: number): string {
  const d = new Date(nowMs + JST_OFFSET_MS);
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** The first day 資格確認日 may be (the last is today, JST). */
export const EARLIEST_CONFIRMATION_DATE = '1900/01/01';

/**
 * 資格確認日 as a Japanese IME may type it: full-width digits and slash (２０２６／１２／０１) become
 * half-width, and spaces around it are dropped. Nothing else is changed.
 */
export function normaliseDateText(text: string): string {
  return text.replace(/[０-９／]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/^[\s\u3000]+|[\s\u3000]+$/g, '');
}

const EXAMPLE = '2020/10/30';

/** What to type instead, in both languages: the text itself made right when we can tell how. */
function formatHint(typed: string) {
  const loose = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(typed) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(typed);
  const exact = loose ? `${loose[1]}/${pad(Number(loose[2]))}/${pad(Number(loose[3]))}` : null;
  if (exact && isCalendarDate(exact) && exact !== typed) {
    return {
      en: `write it as ${exact} (month and day in two digits, with slashes)`,
      ja: `「${exact}」のように、西暦年月日を半角のスラッシュ区切りで、月・日は2桁で入力してください。`,
    };
  }
  if (exact && exact === typed) return { en: 'there is no such day', ja: `その日付は存在しません。西暦年月日を「${EXAMPLE}」のように入力してください。` };
  return { en: `write it as YYYY/MM/DD, e.g. ${EXAMPLE}`, ja: `西暦年月日を半角のスラッシュ区切りで、「${EXAMPLE}」のように入力してください。` };
}

function isCalendarDate(text: string): boolean {
  const m = /^(\d{4})\/(\d{2})\/(\d{2})$/.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/**
 * Parses 資格確認日 as typed on the screen (P106-2): YYYY/MM/DD with slashes (full-width as an IME
 * types it is the same), a real calendar date from 1900/01/01 to today (JST). Returns the wire
 * form YYYYMMDD; normaliseDateText() of the text is its screen form.
 */
export function parseConfirmationDate(input: string, nowMs: number): string {
  const text = normaliseDateText(input);
  // An empty field is named as such for staff, not shown as empty quotes.
  if (!isCalendarDate(text)) throw new OqsError('OQS_ERR_DATE_FORMAT', { en: input, ja: input.trim() === '' ? '（空欄）' : input }, formatHint(text));
  const today = todayJst(nowMs);
  if (text < EARLIEST_CONFIRMATION_DATE) throw new OqsError('OQS_ERR_DATE_RANGE', text, today);
  if (text > today) throw new OqsError('OQS_ERR_DATE_FUTURE', text, today);
  return text.replace(/\//g, '');
}

/** YYYYMMDD → YYYY/MM/DD. */
export function displayDate(wire: string): string {
  return `${wire.slice(0, 4)}/${wire.slice(4, 6)}/${wire.slice(6, 8)}`;
}
