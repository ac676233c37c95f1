import { CARD_PROFILES, Card, FACE_CONDITIONS, PIN_MAX_TRIES, certificateState, profileNames, refusalOnPlacement } from '../../simulator/cards';
import type { FaceCondition, ProfileName } from '../../simulator/cards';
import { FaceMatcher } from '../../simulator/face-matcher';
import { CardKind, FailReason, SCREENS } from '../protocol';

/**
 * Which card profile and face condition of the emulator (simulator/cards.ts) reproduce what one
 * patient's visit did on the wire: a pure search over the profiles, by the evidence below, for
 * `oqs-reader trace to-scenario` (to-scenario.ts). Nothing here knows about steps.
 */
export interface VisitEvidence {
  /** The cardPlaced event's cardKind code. */
  cardKind: number;
  /** When the card was read (ms since the epoch): certificate states are relative to it. */
  at: number;
  /** identityConfirmed's cardId, if the visit got that far. */
  cardId?: string;
  /** identityFailed reasons, in order. */
  failures: number[];
  faceResults: Array<{ score: number; matched: boolean }>;
  pinResults: Array<{ ok: boolean; triesLeft: number }>;
  /** The screen shown after the consent answer (done, doneCertRenewal, doneCertGrace), if any. */
  doneScreen?: number;
  /** The reader fell back to the PIN by itself after a face mismatch (無人運転, PIN usable). */
  pinFallback: boolean;
  /** A face mismatch ended the visit without a PIN fallback. */
  mismatchHalted: boolean;
}

export interface VisitInference {
  profile: ProfileName;
  /** One condition per face result, in order. */
  conditions: FaceCondition[];
  /** Japanese comments for the scenario: what was ambiguous or approximate, and what was chosen. */
  notes: string[];
}

const matcher = new FaceMatcher();
const conditionNames = Object.keys(FACE_CONDITIONS) as FaceCondition[];
const CARD_IDS = new Map(profileNames().map((p) => [new Card(p, CARD_PROFILES[p]).cardId, p]));
const PLACEMENT_REFUSALS = new Set<number>([FailReason.certExpired, FailReason.notMyNumberCard, FailReason.cardUnreadable]);
const CERT_SCREENS: Record<number, string> = { [SCREENS.done.id]: 'valid', [SCREENS.doneCertRenewal.id]: 'renewSoon', [SCREENS.doneCertGrace.id]: 'grace' };

/** PIN failures each profile's card has had so far in the scenario (the chip keeps its counter between visits). */
export type Wallet = Map<ProfileName, number>;

const label = (p: ProfileName) => `"${CARD_PROFILES[p].label}"`;

/** Conditions under which `profile`'s holder scores `score` (exact), or matches as `matched` (loose). */
function conditionsFor(profile: ProfileName, r: { score: number; matched: boolean }, exact: boolean): FaceCondition[] {
  const card = new Card(profile, CARD_PROFILES[profile]);
  return conditionNames.filter((c) => {
    const s = matcher.score(card, c);
    return exact ? s === r.score : matcher.matches(s) === r.matched;
  });
}

/** Whether the PIN results and lock-outs of the visit fit `profile` with `failures` PIN failures so far. */
function pinFits(profile: ProfileName, failures: number, e: VisitEvidence): boolean {
  const p = CARD_PROFILES[profile];
  if (e.pinResults.length && p.pin === null) return false;
  let n = failures;
  for (const r of e.pinResults) {
    if (n >= PIN_MAX_TRIES) return false;
    n = r.ok ? 0 : n + 1;
    if (r.triesLeft !== Math.max(0, PIN_MAX_TRIES - n)) return false;
  }
  const usable = p.pin !== null && failures < PIN_MAX_TRIES;
  if (e.pinFallback && !usable) return false;
  if (e.mismatchHalted && usable) return false;
  const lockedOut = e.failures.includes(FailReason.pinLocked) && e.pinResults.length === 0;
  if (lockedOut && (p.pin === null || failures < PIN_MAX_TRIES)) return false;
  if (e.failures.includes(FailReason.noPin) && p.pin !== null) return false;
  return true;
}

function fits(profile: ProfileName, failures: number, e: VisitEvidence, exactFace: boolean): boolean {
  const p = CARD_PROFILES[profile];
  if (CardKind[p.kind] !== e.cardKind) return false;
  const refusal = refusalOnPlacement(p, e.at);
  const refused = e.failures.find((f) => PLACEMENT_REFUSALS.has(f));
  if ((refusal === null ? undefined : FailReason[refusal]) !== refused) return false;
  if (e.doneScreen !== undefined && CERT_SCREENS[e.doneScreen] !== undefined) {
    const state = certificateState(p, e.at);
    if (CERT_SCREENS[e.doneScreen] !== (state === 'expired' ? 'valid' : state)) return false;
  }
  if (!pinFits(profile, failures, e)) return false;
  return e.faceResults.every((r) => conditionsFor(profile, r, exactFace).length > 0);
}

/** The profile and face conditions for one visit; `wallet` is updated with the visit's PIN entries. */
export function inferVisit(e: VisitEvidence, wallet: Wallet): VisitInference {
  const notes: string[] = [];
  const failuresOf = (p: ProfileName) => wallet.get(p) ?? CARD_PROFILES[p].pinFailures;
  let exact = true;
  let candidates = profileNames().filter((p) => fits(p, failuresOf(p), e, true));
  const byId = e.cardId === undefined ? undefined : CARD_IDS.get(e.cardId);
  if (candidates.length === 0) {
    exact = false;
    candidates = profileNames().filter((p) => fits(p, failuresOf(p), e, false));
    if (candidates.length && e.faceResults.length)
      notes.push('顔認証のスコアはどのカードの種類・顔の状態とも一致しないため、照合の成否が同じになるものを選んだ');
  }
  if (candidates.length === 0) {
    candidates = profileNames().filter((p) => CardKind[CARD_PROFILES[p].kind] === e.cardKind);
    notes.push('記録どおりになるカードの種類が見つからないため、カードの種別だけで選んだ（このシナリオは記録と違う結果になる）');
    if (candidates.length === 0) candidates = ['normal'];
  }
  let profile: ProfileName;
  if (byId && candidates.includes(byId)) {
    profile = byId;
    if (candidates.length > 1) notes.push(`カードIDがエミュレータのカード${label(byId)}のものなので、それを選んだ`);
  } else {
    // The one whose own face condition gives the score reads best (no condition in the step).
    const plain = candidates.filter((p) => e.faceResults.every((r, i) => i > 0 || conditionsFor(p, r, exact).includes(CARD_PROFILES[p].defaultCondition)));
    profile = (plain[0] ?? candidates[0])!;
    if (candidates.length > 1) notes.push(`カードの種類は ${candidates.map(label).join('、')} のどれでも記録どおりになる。${label(profile)} を選んだ`);
  }
  const conditions = e.faceResults.map((r) => {
    const options = conditionsFor(profile, r, exact);
    const own = CARD_PROFILES[profile].defaultCondition;
    const chosen = options.includes(own) ? own : (options[0] ?? own);
    if (options.length > 1 && !options.includes(own)) {
      notes.push(
        `顔の状態は ${options.map((c) => `"${FACE_CONDITIONS[c].label}"`).join('、')} のどれでも記録どおりになる。"${FACE_CONDITIONS[chosen].label}" を選んだ`,
      );
    }
    return chosen;
  });
  let n = failuresOf(profile);
  for (const r of e.pinResults) n = r.ok ? 0 : n + 1;
  wallet.set(profile, n);
  return { profile, conditions, notes };
}
