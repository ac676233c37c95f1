import { FACE_CONDITIONS, type Card, type FaceCondition } from './cards';

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
