import { randomBytes } from 'node:crypto';
import { visualVerifier } from '../protocol';
import type { Actor } from './accounts';
import { OqsError } from './errors';
import type { StoredVisualPassword } from './store';

/**
 * The facility's 目視モード用パスワード for the reader-side 目視確認 (domain.md §1.8, the 2025 flow).
 * The administrator sets it on the terminal; the terminal keeps and sends the readers only a verifier
 * (docs/protocol.md PR-3.3-8), never the password, which staff type on the reader itself.
 *
 * The wrong-entry rule is a stated assumption (the source gives none): by default 5 wrong entries in
 * a row lock the reader-side 目視確認 for 10 minutes; an administrator may set 1–10 entries and
 * 1–240 minutes with the password. The reader enforces it on its own clock (visualPasswordResult).
 */
export const VISUAL_PASSWORD_RULE = { maxWrong: 5, lockMinutes: 10 } as const;
export const VISUAL_PASSWORD_LIMITS = { minLength: 6, maxLength: 64, maxWrong: [1, 10], lockMinutes: [1, 240] } as const;

export interface VisualPasswordInput {
  password: string;
  maxWrong?: number;
  lockMinutes?: number;
}

/** What the API shows of it: whether one is set and its rule, never the verifier. */
export interface VisualPasswordView {
  set: boolean;
  maxWrong: number;
  lockMinutes: number;
  setBy: string | null;
  setAt: string | null;
}

function inRange(name: string, v: number | undefined, [lo, hi]: readonly [number, number], dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < lo || v > hi) throw new OqsError('OQS_ERR_BAD_REQUEST', `"${name}" must be an integer ${lo}..${hi}`);
  return v;
}

/** A new verifier for `input` (random salt), checked against the limits; the password is not kept. */
export function newVisualPassword(actor: Actor, input: VisualPasswordInput, now: number): StoredVisualPassword {
  if (actor.role !== 'admin') throw new OqsError('OQS_ERR_ADMIN_REQUIRED', 'set the 目視モード用パスワード', actor.account, '一般 (general)');
  const { minLength, maxLength } = VISUAL_PASSWORD_LIMITS;
  const pw = input.password;
  if (typeof pw !== 'string' || [...pw].length < minLength || [...pw].length > maxLength || /[\p{Cc}]/u.test(pw)) {
    throw new OqsError('OQS_ERR_BAD_REQUEST', `"password" must be ${minLength}..${maxLength} characters without control characters`);
  }
  const maxWrong = inRange('maxWrong', input.maxWrong, VISUAL_PASSWORD_LIMITS.maxWrong, VISUAL_PASSWORD_RULE.maxWrong);
  const lockMinutes = inRange('lockMinutes', input.lockMinutes, VISUAL_PASSWORD_LIMITS.lockMinutes, VISUAL_PASSWORD_RULE.lockMinutes);
  const salt = randomBytes(16).toString('hex');
  return { salt, verifier: visualVerifier(pw, salt), maxWrong, lockMinutes, setBy: actor.account, setAt: new Date(now).toISOString() };
}

export function visualPasswordView(v: StoredVisualPassword | null): VisualPasswordView {
  if (!v) return { set: false, ...VISUAL_PASSWORD_RULE, setBy: null, setAt: null };
  return { set: true, maxWrong: v.maxWrong, lockMinutes: v.lockMinutes, setBy: v.setBy, setAt: v.setAt };
}
