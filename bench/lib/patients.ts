import type { EmulatedReader } from '../../simulator';

/** `rounds` patients back to back at `reader`, each a face confirmation with consent: the benchmarks' workload. */
export async function facePatients(reader: EmulatedReader, rounds: number): Promise<void> {
  for (let k = 0; k < rounds; k++) {
    reader.placeCard('normal');
    reader.chooseMethod('face');
    await reader.presentFace();
    reader.answerConsent('all');
    reader.removeCard();
  }
}
