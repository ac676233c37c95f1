import type { Stimulus } from './stimulus';

/**
 * What a patient may try while a card is on the reader, possible on the screen shown or not: the
 * middle of a visit in the property tests of the link and of protocol conformance.
 */
export const PATIENT_ACTS: readonly Stimulus[] = [
  { action: 'chooseMethod', method: 'face' },
  { action: 'chooseMethod', method: 'pin' },
  { action: 'presentFace' },
  { action: 'presentFace', condition: 'otherPerson' },
  { action: 'enterCorrectPin' },
  { action: 'enterWrongPin' },
  { action: 'answerConsent', choice: 'all' },
  { action: 'answerConsent', choice: 'individual', items: 5 },
];
