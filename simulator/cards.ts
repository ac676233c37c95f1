import { createHash } from 'node:crypto';
import type { CardKindName, FailReasonName } from '../src/protocol';
import { EmulatorError } from './errors';

/**
 * Named My Number card profiles. All data is synthetic: no 個人番号 is modelled at all, PINs are
 * fixed test values, and the certificate serial only feeds a one-way card identifier.
 */
export interface CardProfile {
  label: string;
  kind: CardKindName;
  /** How alike the chip photo and the holder's face are today, 0–100. */
  faceSimilarity: number;
  /** The condition the holder presents with unless a step says otherwise. */
  defaultCondition: FaceCondition;
  pin: string | null;
  pinFailures: number;
  /**
   * Days from the day the card is read to the expiry of its 利用者証明用電子証明書 (negative: it has
   * expired). Relative, so a profile means the same on any clock; see certificateState().
   */
  certExpiresInDays: number;
  certSerial: string;
}

export const FACE_CONDITIONS = {
  none: { label: 'そのまま', penalty: 0 },
  bandage: { label: '包帯', penalty: 55 },
  eyePatch: { label: '眼帯', penalty: 50 },
  mask: { label: 'マスク', penalty: 10 },
  otherPerson: { label: '別人', penalty: 100 },
} as const;
export type FaceCondition = keyof typeof FACE_CONDITIONS;

const base = { kind: 'myNumber', faceSimilarity: 92, defaultCondition: 'none', pin: '4729', pinFailures: 0, certExpiresInDays: 1500 } as const;

export const CARD_PROFILES = {
  normal: { ...base, label: '通常', certSerial: 'SYN-0001' },
  faceChangedSurgery: { ...base, label: '顔の手術後', faceSimilarity: 31, certSerial: 'SYN-0002' },
  infant: { ...base, label: '乳幼児', faceSimilarity: 38, certSerial: 'SYN-0003' },
  bandaged: { ...base, label: '包帯・眼帯', defaultCondition: 'bandage', certSerial: 'SYN-0004' },
  pinTwoFailures: { ...base, label: '暗証番号2回誤り済み', pinFailures: 2, certSerial: 'SYN-0005' },
  pinLocked: { ...base, label: '暗証番号ロック', pinFailures: 3, certSerial: 'SYN-0006' },
  faceAuthCard: { ...base, label: '顔認証マイナンバーカード', kind: 'faceAuthCard', pin: null, certSerial: 'SYN-0007' },
  certExpired: { ...base, label: '電子証明書期限切れ', certExpiresInDays: -200, certSerial: 'SYN-0008' },
  notMyNumber: { ...base, label: 'マイナンバーカード以外', kind: 'notMyNumber', pin: null, certSerial: 'SYN-0009' },
  certExpiringSoon: { ...base, label: '電子証明書期限3か月以内', certExpiresInDays: 45, certSerial: 'SYN-0010' },
  certRecentlyExpired: { ...base, label: '電子証明書期限切れ3か月以内', certExpiresInDays: -30, certSerial: 'SYN-0011' },
  unreadable: { ...base, label: '認識できないカード', kind: 'unrecognised', pin: null, certSerial: 'SYN-0012' },
} as const satisfies Record<string, CardProfile>;

export type ProfileName = keyof typeof CARD_PROFILES;
export const PIN_MAX_TRIES = 3;

/**
 * Where the 利用者証明用電子証明書 stands on `today` (domain.md §1.2): `renewSoon` from 3 months
 * before expiry, `grace` for 3 months after it (the card still works as 保険証, with the notice),
 * `expired` after that (refused, code 006). Months are calendar months of the JST date.
 */
export type CertificateState = 'valid' | 'renewSoon' | 'grace' | 'expired';

export function certificateState(profile: CardProfile, nowMs: number): CertificateState {
  const day = 86_400_000;
  // The JST calendar day, as a UTC midnight.
  const today = Math.floor((nowMs + 9 * 3_600_000) / day) * day;
  const expiry = today + profile.certExpiresInDays * day;
  const monthsFrom = (t: number, months: number) => {
    const d = new Date(t);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, d.getUTCDate());
  };
  if (expiry >= today) return expiry <= monthsFrom(today, 3) ? 'renewSoon' : 'valid';
  return today <= monthsFrom(expiry, 3) ? 'grace' : 'expired';
}

/** Why the reader refuses this card as soon as it is placed (codes 001, 002, 006), or null. */
export function refusalOnPlacement(profile: CardProfile, nowMs: number): FailReasonName | null {
  if (profile.kind === 'unrecognised') return 'cardUnreadable';
  if (profile.kind === 'notMyNumber') return 'notMyNumberCard';
  if (certificateState(profile, nowMs) === 'expired') return 'certExpired';
  return null;
}

export function profileNames(): ProfileName[] {
  return Object.keys(CARD_PROFILES) as ProfileName[];
}

/** One physical card: its chip keeps the PIN counter between visits (DOM-PIN-2). */
export class Card {
  pinFailures: number;
  readonly cardId: string;

  constructor(
    readonly profileName: ProfileName,
    readonly profile: CardProfile,
  ) {
    this.pinFailures = profile.pinFailures;
    this.cardId = createHash('sha256').update(`oqs-reader/user-cert/${profile.certSerial}`).digest('hex').slice(0, 32);
  }

  /** A 顔認証マイナンバーカード has no PIN at all; otherwise usable until locked. */
  get pinUsable(): boolean {
    return this.profile.pin !== null && this.pinFailures < PIN_MAX_TRIES;
  }

  get pinLocked(): boolean {
    return this.profile.pin !== null && this.pinFailures >= PIN_MAX_TRIES;
  }

  get triesLeft(): number {
    return Math.max(0, PIN_MAX_TRIES - this.pinFailures);
  }

  /** VERIFY: a correct PIN resets the counter; a wrong one counts, and the third locks. */
  verifyPin(pin: string): boolean {
    if (!this.pinUsable) return false;
    if (pin === this.profile.pin) {
      this.pinFailures = 0;
      return true;
    }
    this.pinFailures++;
    return false;
  }
}

/** The cards one emulated clinic has seen: the same profile is the same card on every visit. */
export class CardWallet {
  private readonly cards = new Map<ProfileName, Card>();

  get(name: string): Card {
    if (!Object.hasOwn(CARD_PROFILES, name)) {
      throw new EmulatorError('EMU_ERR_UNKNOWN_PROFILE', name, profileNames().join(', '));
    }
    const key = name as ProfileName;
    let card = this.cards.get(key);
    if (!card) this.cards.set(key, (card = new Card(key, CARD_PROFILES[key])));
    return card;
  }
}
