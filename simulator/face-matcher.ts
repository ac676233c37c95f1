import { CARD_PROFILES, Card, FACE_CONDITIONS, profileNames, refusalOnPlacement, type FaceCondition } from './cards';

/**
 * A deterministic stand-in for the reader's face engine: the card's profile and the condition
 * of the face in front of the camera decide the score. No image exists anywhere.
 */
export class FaceMatcher {
  constructor(readonly threshold = 70) {
    if (!(threshold >= 0 && threshold <= 100)) throw new RangeError(`"threshold" must be 0..100, got ${threshold}`);
  }

  score(card: Card, condition: FaceCondition): number {
    if (condition === 'otherPerson') return 5;
    return Math.max(0, Math.min(100, card.profile.faceSimilarity - FACE_CONDITIONS[condition].penalty));
  }

  matches(score: number): boolean {
    return score >= this.threshold;
  }
}

/**
 * docs/emulator.md's table of which card profile matches with which face condition, from the one
 * source (CARD_PROFILES, FACE_CONDITIONS and this matcher): score, and ✓ / ✗ at `threshold`.
 */
export function faceMatchTable(threshold = 70): string {
  const matcher = new FaceMatcher(threshold);
  const conditions = Object.keys(FACE_CONDITIONS) as FaceCondition[];
  const head = `| profile | ${conditions.map((c) => `\`${c}\` ${FACE_CONDITIONS[c].label}`).join(' | ')} | the card's own condition |`;
  const rows = profileNames().map((name) => {
    const card = new Card(name, CARD_PROFILES[name]);
    const p = card.profile;
    // These never reach the camera: the reader refuses the card when it is placed.
    const refused = refusalOnPlacement(p, 0);
    if (refused) return `| \`${name}\` ${p.label} | ${conditions.map(() => '–').join(' | ')} | refused when placed (${refused}) |`;
    const cells = conditions.map((c) => {
      const score = matcher.score(card, c);
      return `${score} ${matcher.matches(score) ? '✓' : '✗'}`;
    });
    return `| \`${name}\` ${p.label} | ${cells.join(' | ')} | \`${p.defaultCondition}\` |`;
  });
  return [head, `|---|${conditions.map(() => '---|').join('')}---|`, ...rows].join('\n');
}
