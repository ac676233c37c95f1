/** Synthetic confirmation records for tests (test code, not a test file). Nothing here is personal data. */
import type { ConfirmationRecord } from './records';

/** Record `EMU-0001:<n>` (a face confirmation, consent all) that started and finished at `at`. */
export function syntheticRecord(n: number, at: string, extra: Partial<ConfirmationRecord> = {}): ConfirmationRecord {
  return {
    id: `EMU-0001:${n}`,
    outcome: 'confirmed',
    method: 'face',
    failReason: null,
    confirmationDate: '2026/11/24',
    operator: null,
    reader: { vendor: 'OQS Emulated', model: 'FACE-EMU-1', serial: 'EMU-0001' },
    cardId: '06027ca250d52f04342f1f639288fd7c',
    consent: 'all',
    startedAt: at,
    finishedAt: at,
    ...extra,
  };
}
