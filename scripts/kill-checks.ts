/**
 * The kill test's checks (scripts/kill-test.ts): pure functions over what the reader sent and what
 * the store holds, unit-tested in kill-test.test.ts.
 */
import type { SentOutcomeInfo } from '../simulator/control/protocol';
import type { ConfirmationRecord } from '../src/reader/records';

export interface Check {
  name: string;
  ok: boolean;
  /** One line for the summary. */
  detail: string;
  /** Up to a few dozen specifics when it failed. */
  problems: string[];
  /** How many problems there were in all. */
  total: number;
}

export const check = (name: string, problems: string[], detail: string): Check => ({
  name,
  ok: problems.length === 0,
  detail,
  problems: problems.length > 40 ? [...problems.slice(0, 40), `… and ${problems.length - 40} more`] : problems,
  total: problems.length,
});

/** `SERIAL:TXID` or, for a reader that reused a txId, `SERIAL:TXID~N`: the base id. */
export function baseId(id: string): string {
  const i = id.indexOf('~');
  return i < 0 ? id : id.slice(0, i);
}

export interface RecordCheckInput {
  serial: string;
  /** Every identity outcome the reader sent (the emulator's `confirmations` op). */
  sent: SentOutcomeInfo[];
  /** The records of the reader's serial in the state dir's store. */
  records: ConfirmationRecord[];
  /** PRAGMA integrity_check's problems with records.db (FileStore.integrityProblems()); none when whole. */
  integrity: string[];
}

/** The store checks: every ACKed outcome exactly once, nothing invented, the database whole. */
export function checkRecords({ serial, sent, records, integrity }: RecordCheckInput): Check[] {
  const byBase = new Map<string, ConfirmationRecord[]>();
  for (const r of records) {
    const b = baseId(r.id);
    byBase.set(b, [...(byBase.get(b) ?? []), r]);
  }
  const sentById = new Map<string, SentOutcomeInfo[]>();
  for (const s of sent) {
    const id = `${serial}:${s.txId}`;
    sentById.set(id, [...(sentById.get(id) ?? []), s]);
  }
  const checks: Check[] = [];

  for (const [event, outcome] of [
    ['identityConfirmed', 'confirmed'],
    ['identityFailed', 'failed'],
  ] as const) {
    const problems: string[] = [];
    const acked = sent.filter((s) => s.event === event && s.acked);
    let lost = 0;
    let doubled = 0;
    for (const s of acked) {
      const id = `${serial}:${s.txId}`;
      const found = (byBase.get(id) ?? []).filter((r) => r.outcome === outcome);
      if (found.length === 0) {
        lost++;
        problems.push(`${id}: ${event} ACKed by the host, not in the store (lost)`);
      } else if (found.length > 1) {
        doubled++;
        problems.push(`${id}: recorded ${found.length} times (${found.map((r) => r.id).join(', ')})`);
      } else {
        const r = found[0]!;
        if (event === 'identityConfirmed' && (r.method !== s.method || r.cardId !== s.cardId)) {
          problems.push(`${id}: recorded as method ${r.method} with another card than the reader confirmed (${s.method})`);
        }
        if (event === 'identityFailed' && r.failReason !== s.reason) problems.push(`${id}: recorded reason ${r.failReason}, the reader said ${s.reason}`);
      }
    }
    const label = event === 'identityConfirmed' ? 'confirmation' : 'failed confirmation';
    checks.push(
      check(
        `every ACKed ${label} is recorded exactly once`,
        problems,
        `${acked.length} ACKed ${event} checked: ${lost} lost, ${doubled} recorded twice, ${problems.length - lost - doubled} recorded wrong`,
      ),
    );
  }

  // An outcome the reader no longer holds though no ACK was written for it: let go because an ACK
  // under its SEQ that was meant for an earlier frame (a late ACK for a retransmitted copy) released
  // it, or taken back and sent again under a new SEQ (then it is recorded under its txId all the same).
  // Either way the reader will not send it again: it must be in the store.
  const letGo = sent.filter((s) => !s.acked && !s.held);
  const forgotten = letGo
    .filter((s) => !(byBase.get(`${serial}:${s.txId}`) ?? []).some((r) => r.outcome === (s.event === 'identityConfirmed' ? 'confirmed' : 'failed')))
    .map((s) => `${serial}:${s.txId}: ${s.event} (SEQ ${s.seq}) no longer held by the reader, never ACKed by the host, not in the store (lost)`);
  checks.push(
    check(
      'every outcome the reader let go of without an ACK is recorded all the same',
      forgotten,
      `${letGo.length} let go unACKed (a late ACK under their SEQ, or sent again under a new one): ${forgotten.length} not in the store`,
    ),
  );

  const invented: string[] = [];
  for (const r of records) {
    const b = baseId(r.id);
    const want = r.outcome === 'confirmed' ? 'identityConfirmed' : 'identityFailed';
    const match = (sentById.get(b) ?? []).find((s) => s.event === want && (want === 'identityFailed' || s.cardId === r.cardId));
    if (!match) invented.push(`${r.id}: ${r.outcome} record, but the reader never sent that ${want}`);
    if (r.id !== b) invented.push(`${r.id}: a second record for ${b} (the reader never reuses a txId)`);
  }
  checks.push(check('nothing is recorded that the reader never sent', invented, `${records.length} records, each matched to an event the reader sent`));

  checks.push(check('records.db is whole (SQLite integrity_check)', integrity, integrity.length ? `${integrity.length} problems` : 'ok'));
  return checks;
}

export interface ModeCheckInput {
  expected: string;
  /** Names in the state dir. */
  files: string[];
  /** mode.json's text, or null when missing. */
  modeJson: string | null;
  /** FileStore.loadMode(). */
  loaded: string | null;
  /** Transactions that found the reader offering a method choice (a mode other than the one set). */
  driftSeen: number;
  finalReaderMode: string;
}

export function checkMode(m: ModeCheckInput): Check[] {
  const problems: string[] = [];
  if (m.modeJson === null) problems.push('mode.json is missing');
  else {
    try {
      const mode = (JSON.parse(m.modeJson) as { mode?: unknown }).mode;
      if (mode !== m.expected) problems.push(`mode.json says ${JSON.stringify(mode)}, ${m.expected} was set`);
    } catch {
      problems.push(`mode.json does not parse: ${JSON.stringify(m.modeJson.slice(0, 80))}`);
    }
  }
  if (m.loaded !== m.expected) problems.push(`FileStore.loadMode() gives ${m.loaded}`);
  const temps = m.files.filter((f) => f !== 'mode.json' && f.startsWith('mode.json'));
  for (const t of temps) problems.push(`leftover ${t} beside mode.json`);
  const readerProblems: string[] = [];
  if (m.driftSeen > 0) readerProblems.push(`${m.driftSeen} patients found the reader in another mode (it offered a method choice)`);
  if (m.finalReaderMode !== m.expected) readerProblems.push(`the reader ended in mode ${m.finalReaderMode}`);
  return [
    check('the mode survives every restart (mode.json, no leftover temp file)', problems, `mode.json: ${m.modeJson?.trim() ?? 'missing'}`),
    check('every restarted controller gave the reader the same mode', readerProblems, `reader mode at the end: ${m.finalReaderMode}`),
  ];
}
