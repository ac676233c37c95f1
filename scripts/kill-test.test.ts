/**
 * The kill test's judgement, without processes: journal scanning, the record and mode checks.
 * (The kill test itself takes about two minutes: `node -r ts-node/register scripts/kill-test.ts`,
 * docs/durability.md.)
 */
import { test } from 'node:test';
import { expect } from 'chai';
import type { SentOutcomeInfo } from '../simulator/control/protocol';
import { EmulatorHost } from '../simulator/emulator-host';
import { FrameDecoder, decodeMessage, encodeAck, encodeCommand, type Message } from '../src/protocol';
import type { ConfirmationRecord } from '../src/reader/records';
import { baseId, checkMode, checkRecords, scanJournal } from './kill-checks';

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

const lines = (...recs: ConfirmationRecord[]) => recs.map((r) => JSON.stringify(r) + '\n').join('');
const failing = (checks: ReturnType<typeof checkRecords>) => checks.filter((c) => !c.ok).map((c) => c.name);

test('scanJournal: a torn last line is allowed, a torn line in the middle is reported as such', () => {
  const whole = lines(record(1), record(2));
  expect(scanJournal(whole).torn).to.deep.equal([]);
  const tornTail = whole + '{"id":"EMU-0001:3","outc';
  expect(scanJournal(tornTail).torn).to.have.length(1);
  expect(scanJournal(tornTail).torn[0]!.last).to.equal(true);
  // FileStore's next append after a crash starts on a fresh line: the fragment is then mid-file.
  const tornMiddle = whole + '{"id":"EMU-0001:3","outc\n' + lines(record(4));
  const scan = scanJournal(tornMiddle);
  expect(scan.torn.map((t) => [t.line, t.last])).to.deep.equal([[3, false]]);
  expect(scan.lines).to.equal(4);
  expect(scan.linesById.get(`${SERIAL}:4`)).to.equal(1);
});

test('checkRecords: all ACKed outcomes recorded once, nothing else: every check passes', () => {
  const recs = [record(1, { consent: 'all' }), record(2, { outcome: 'failed', method: 'pin', failReason: 'pinLocked', cardId: null })];
  const checks = checkRecords({
    serial: SERIAL,
    sent: [confirmed(1), failed(2), confirmed(3, false)],
    records: recs,
    journal: scanJournal(lines(record(1), ...recs)),
  });
  expect(failing(checks)).to.deep.equal([]);
});

test('checkRecords: an ACKed confirmation missing from the journal is a lost record', () => {
  const checks = checkRecords({ serial: SERIAL, sent: [confirmed(1), confirmed(2)], records: [record(1)], journal: scanJournal(lines(record(1))) });
  expect(failing(checks)).to.deep.equal(['every ACKed confirmation is recorded exactly once']);
  expect(checks[0]!.problems[0]).to.match(/EMU-0001:2: .*lost/);
});

test('checkRecords: a confirmation recorded twice, or a record the reader never sent, fails', () => {
  const twice = [record(1), record(1, { id: `${SERIAL}:1~2` })];
  const c1 = checkRecords({ serial: SERIAL, sent: [confirmed(1)], records: twice, journal: scanJournal(lines(...twice)) });
  expect(failing(c1)).to.deep.equal(['every ACKed confirmation is recorded exactly once', 'nothing is recorded that the reader never sent']);
  const invented = [record(1), record(9)];
  const c2 = checkRecords({ serial: SERIAL, sent: [confirmed(1)], records: invented, journal: scanJournal(lines(...invented)) });
  expect(failing(c2)).to.deep.equal(['nothing is recorded that the reader never sent']);
  // Recorded but never ACKed (killed between the record and the ACK) is fine.
  const c3 = checkRecords({ serial: SERIAL, sent: [confirmed(1, false)], records: [record(1)], journal: scanJournal(lines(record(1))) });
  expect(failing(c3)).to.deep.equal([]);
});

test('checkRecords: a torn line in the middle fails', () => {
  const text = lines(record(1)) + '{"id":"EMU-0001:2"\n' + lines(record(3));
  const checks = checkRecords({ serial: SERIAL, sent: [confirmed(1), confirmed(3)], records: [record(1), record(3)], journal: scanJournal(text) });
  expect(failing(checks)).to.deep.equal(['no record line is torn (except possibly the very last)']);
});

test('checkMode: the mode set, no temp file; a leftover temp file, another mode or a drifting reader fail', () => {
  const ok = {
    expected: 'pinOnly',
    files: ['mode.json', 'records.ndjson'],
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
