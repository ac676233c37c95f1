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

/**
 * Parses 資格確認日 as typed on the screen (P106-2): exactly YYYY/MM/DD with slashes, a real
 * calendar date, not after today. Returns the wire form YYYYMMDD.
 */
export function parseConfirmationDate(text: string, nowMs: number): string {
  const m = /^(\d{4})\/(\d{2})\/(\d{2})$/.exec(text);
  if (!m) throw new OqsError('OQS_ERR_DATE_FORMAT', text);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (y < 1900 || date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) {
    throw new OqsError('OQS_ERR_DATE_FORMAT', text);
  }
  const today = todayJst(nowMs);
  if (text > today) throw new OqsError('OQS_ERR_DATE_FUTURE', text, today);
  return `${m[1]}${m[2]}${m[3]}`;
}

/** YYYYMMDD → YYYY/MM/DD. */
export function displayDate(wire: string): string {
  return `${wire.slice(0, 4)}/${wire.slice(4, 6)}/${wire.slice(6, 8)}`;
}
