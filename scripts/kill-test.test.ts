/**
 * The kill test's judgement, without processes: the record, history and mode checks.
 * (The kill test itself takes about two minutes: `node -r ts-node/register scripts/kill-test.ts`,
 * docs/durability.md.)
 */
import { test } from 'node:test';
import { expect } from 'chai';
import type { SentOutcomeInfo } from '../simulator/control/protocol';
import { EmulatorHost } from '../simulator/emulator-host';
import { FrameDecoder, decodeMessage, encodeAck, encodeCommand, type Message } from '../src/protocol';
import type { ConfirmationRecord } from '../src/reader/records';
import { baseId, checkMode, checkRecords } from './kill-checks';
import { DEFAULT_RETENTION_DAYS, retentionCutoff } from '../src/reader/retention';
import { checkHistory, HISTORY_SERIAL, historyRecord } from './kill-history';

const SERIAL = 'EMU-0001';
const CARD = 'c'.repeat(32);

function confirmed(txId: number, acked = true): SentOutcomeInfo {
  return { event: 'identityConfirmed', txId, seq: txId & 0xff, method: 'pin', cardId: CARD, sends: 1, acked, held: false };
}

function failed(txId: number, acked = true): SentOutcomeInfo {
  return { event: 'identityFailed', txId, seq: txId & 0xff, reason: 'pinLocked', sends: 1, acked, held: false };
}

function record(txId: number, over: Partial<ConfirmationRecord> = {}): ConfirmationRecord {
  return {
    id: `${SERIAL}:${txId}`,
    outcome: 'confirmed',
    method: 'pin',
    failReason: null,
    confirmationDate: '2026/11/24',
    operator: null,
    reader: { vendor: 'OQS Emulated', model: 'FACE-EMU-1', serial: SERIAL },
    cardId: CARD,
    consent: null,
    startedAt: '2026-11-24T00:00:00.000Z',
    finishedAt: '2026-11-24T00:00:01.000Z',
    ...over,
  };
}

const failing = (checks: ReturnType<typeof checkRecords>) => checks.filter((c) => !c.ok).map((c) => c.name);

test('checkRecords: all ACKed outcomes recorded once, nothing else: every check passes', () => {
  const recs = [record(1, { consent: 'all' }), record(2, { outcome: 'failed', method: 'pin', failReason: 'pinLocked', cardId: null })];
  const checks = checkRecords({
    serial: SERIAL,
    sent: [confirmed(1), failed(2), { ...confirmed(3, false), held: true }],
    records: recs,
    integrity: [],
  });
  expect(failing(checks)).to.deep.equal([]);
});

test('checkRecords: an ACKed confirmation missing from the store is a lost record', () => {
  const checks = checkRecords({ serial: SERIAL, sent: [confirmed(1), confirmed(2)], records: [record(1)], integrity: [] });
  expect(failing(checks)).to.deep.equal(['every ACKed confirmation is recorded exactly once']);
  expect(checks[0]!.problems[0]).to.match(/EMU-0001:2: .*lost/);
});

test('checkRecords: an outcome the reader let go of without an ACK (a late ACK under its SEQ released it) must be recorded', () => {
  const letGo = { ...confirmed(2, false), held: false };
  const lost = checkRecords({ serial: SERIAL, sent: [confirmed(1), letGo], records: [record(1)], integrity: [] });
  expect(failing(lost)).to.deep.equal(['every outcome the reader let go of without an ACK is recorded all the same']);
  expect(lost.find((c) => !c.ok)!.problems[0]).to.match(/EMU-0001:2: identityConfirmed \(SEQ 2\) no longer held .*lost/);
  // taken back and sent again under a new SEQ: the first frame is let go, the event recorded by its txId
  const again = { ...confirmed(2), seq: 9 };
  expect(failing(checkRecords({ serial: SERIAL, sent: [confirmed(1), letGo, again], records: [record(1), record(2)], integrity: [] }))).to.deep.equal([]);
});

test('checkRecords: a confirmation recorded twice, or a record the reader never sent, fails', () => {
  const twice = [record(1), record(1, { id: `${SERIAL}:1~2` })];
  const c1 = checkRecords({ serial: SERIAL, sent: [confirmed(1)], records: twice, integrity: [] });
  expect(failing(c1)).to.deep.equal(['every ACKed confirmation is recorded exactly once', 'nothing is recorded that the reader never sent']);
  const invented = [record(1), record(9)];
  const c2 = checkRecords({ serial: SERIAL, sent: [confirmed(1)], records: invented, integrity: [] });
  expect(failing(c2)).to.deep.equal(['nothing is recorded that the reader never sent']);
  // Recorded but never ACKed (killed between the record and the ACK) is fine.
  const c3 = checkRecords({ serial: SERIAL, sent: [confirmed(1, false)], records: [record(1)], integrity: [] });
  expect(failing(c3)).to.deep.equal([]);
});

test('checkRecords: a database SQLite finds damaged fails', () => {
  const problems = ['*** in database main ***', 'Page 7: btreeInitPage() returns error code 11'];
  const checks = checkRecords({ serial: SERIAL, sent: [confirmed(1)], records: [record(1)], integrity: problems });
  expect(failing(checks)).to.deep.equal(['records.db is whole (SQLite integrity_check)']);
  expect(checks.at(-1)!.problems).to.deep.equal(problems);
});

test('checkHistory: the seeded history all there, once, unchanged; a missing, doubled, changed or stray record fails', () => {
  const end = Date.UTC(2026, 11, 2, 3, 0);
  const history = Array.from({ length: 900 }, (_, n) => historyRecord(n, 900, end));
  expect(history.at(-1)!.finishedAt).to.equal('2026-12-02T02:00:00.000Z');
  expect(history[0]!.finishedAt < '2026-11-30T00:00:00.000Z').to.equal(true);
  expect(checkHistory(history, 900, end).ok).to.equal(true);
  const changed = history.map((r, i) => (i === 1 ? { ...r, consent: null } : r));
  for (const bad of [history.slice(1), [...history, history[5]!], changed, [...history, { ...history[0]!, id: `${HISTORY_SERIAL}:901` }]]) {
    expect(checkHistory(bad, 900, end).ok).to.equal(false);
  }
});

test('checkMode: the mode set, no temp file; a leftover temp file, another mode or a drifting reader fail', () => {
  const ok = {
    expected: 'pinOnly',
    files: ['mode.json', 'records.db'],
    modeJson: '{"mode":"pinOnly"}\n',
    loaded: 'pinOnly',
    driftSeen: 0,
    finalReaderMode: 'pinOnly',
  };
  expect(checkMode(ok).every((c) => c.ok)).to.equal(true);
  expect(checkMode({ ...ok, files: [...ok.files, 'mode.json.123.tmp'] })[0]!.ok).to.equal(false);
  expect(checkMode({ ...ok, modeJson: '{"mode":"visual"}\n', loaded: 'visual' })[0]!.ok).to.equal(false);
  expect(checkMode({ ...ok, modeJson: null, loaded: null })[0]!.ok).to.equal(false);
  expect(checkMode({ ...ok, driftSeen: 2 })[1]!.ok).to.equal(false);
});

test('baseId strips a reuse suffix', () => {
  expect(baseId('EMU-0001:5~2')).to.equal('EMU-0001:5');
  expect(baseId('EMU-0001:5')).to.equal('EMU-0001:5');
});

test("the emulator's confirmations op: what the reader sent, retransmissions once, ACKed or still held", async (t) => {
  const host = await EmulatorHost.start({ transport: 'memory', readers: 1, control: [], log: () => undefined });
  t.after(async () => {
    // close() leaves the link's ACK-wait timers (real time) running; without this the file lingers ~24 s.
    host.reader(0).link.reboot();
    await host.close();
  });
  const received: Message[] = [];
  const decoder = new FrameDecoder((f) => received.push(decodeMessage(f)));
  const line = host.memoryLine(0);
  line.onHostData = (b) => decoder.push(b);
  const patient = async () => {
    await host.handle('stimulus', { action: 'placeCard', profile: 'normal' });
    await host.handle('stimulus', { action: 'chooseMethod', method: 'pin' });
    await host.handle('stimulus', { action: 'enterCorrectPin' });
  };
  const confirmations = async () =>
    (await host.handle('confirmations', {})) as { total: number; unacked: number; pending: number; next: number | null; confirmations: SentOutcomeInfo[] };
  const seqOf = (txId: number) => received.find((m) => m.kind === 'event' && m.name === 'identityConfirmed' && m.fields.txId === txId)!.seq;

  await patient();
  let r = await confirmations();
  expect(r).to.include({ total: 1, unacked: 1, pending: 1, next: null });
  const first = r.confirmations[0]!;
  expect(first).to.include({ event: 'identityConfirmed', method: 'pin', sends: 1, acked: false, held: true });
  expect(first.seq).to.equal(seqOf(first.txId));

  // A host says hello: the reader sends what it holds again; listed once, sent twice.
  line.hostWrite(encodeCommand('hello', 0, { protocolVersion: 1, host: 't' }));
  await host.handle('status', {});
  r = await confirmations();
  expect(r.confirmations[0]).to.include({ sends: 2, acked: false, held: true });

  line.hostWrite(encodeAck(1, first.seq));
  r = await confirmations();
  expect(r).to.include({ total: 1, unacked: 0, pending: 0 });
  expect(r.confirmations[0]).to.include({ acked: true, held: false });

  // A failed outcome is listed too; an ACK for another event's SEQ marks nothing.
  await host.handle('stimulus', { action: 'removeCard' });
  await host.handle('stimulus', { action: 'placeCard', profile: 'certExpired' });
  r = await confirmations();
  expect(r.total).to.equal(2);
  expect(r.confirmations[1]).to.include({ event: 'identityFailed', reason: 'certExpired', acked: false, held: true });
  const screen = received.filter((m) => m.kind === 'event' && m.name === 'screenShown').at(-1)!;
  line.hostWrite(encodeAck(2, screen.seq));
  expect((await confirmations()).unacked).to.equal(1);

  const paged = (await host.handle('confirmations', { from: 1, limit: 1 })) as { next: number | null; confirmations: SentOutcomeInfo[] };
  expect(paged.next).to.equal(null);
  expect(paged.confirmations.map((c) => c.event)).to.deep.equal(['identityFailed']);
  const code = await host.handle('confirmations', { limit: 0 }).then(
    () => 'none',
    (e: { code?: string }) => e.code,
  );
  expect(code).to.equal('EMU_ERR_BAD_REQUEST');
});

test('historyRecord: a history of 1,000,000 spans at most 1,500 days, inside the default retention, so none of it is deleted at start', () => {
  const end = Date.UTC(2026, 11, 2, 3, 0);
  const oldest = Date.parse(historyRecord(0, 1_000_000, end).finishedAt);
  expect((end - oldest) / 86_400_000).to.be.at.most(1500);
});

test('--history-days: a history spread past the retention; checkHistory wants the part inside it, once, and none of the rest', () => {
  const end = Date.UTC(2026, 11, 2, 3, 0);
  const total = 6600;
  const all = Array.from({ length: total }, (_, n) => historyRecord(n, total, end, 3300));
  expect((end - Date.parse(all[0]!.finishedAt)) / 86_400_000).to.be.above(3290);
  const cutoff = retentionCutoff(end, DEFAULT_RETENTION_DAYS);
  const kept = all.filter((r) => r.finishedAt >= cutoff);
  expect(kept.length).to.be.within(3600, 3700);
  expect(checkHistory(kept, total, end, 3300, cutoff).ok).to.equal(true);
  const c = checkHistory(kept, total, end, 3300, cutoff);
  expect(c.detail).to.match(new RegExp(`${total - kept.length} deleted by the retention run`));
  expect(checkHistory(all, total, end, 3300, cutoff).problems[0]).to.match(/before the retention cutoff .* still there/);
  expect(checkHistory(kept.slice(1), total, end, 3300, cutoff).ok).to.equal(false);
});
