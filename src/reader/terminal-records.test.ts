import { test } from 'node:test';
import { expect } from 'chai';
import { EmulatedReader, EmulatorBinding } from '../../simulator';
import { VirtualClock } from '../time/virtual-clock';
import type { ReaderEvent } from './link';
import type { ConfirmationRecord } from './records';
import { ReaderClient } from './reader-client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OqsError } from './errors';
import { FileStore, MemoryStore } from './store';
import { Terminal, type TerminalEvent } from './terminal';
import { ADMIN, setup } from './test-terminal';
import { syntheticRecord } from './test-records';

// ---- records ----------------------------------------------------------------------------------

test('a face confirmation is recorded once, with the reader serial, a 32-hex cardId and today in JST', async (t) => {
  // 2026-11-24 16:00 UTC is already 2026-11-25 in Japan.
  const store = new MemoryStore();
  const { clock, terminal, reader, act, faceAuth } = await setup(t, { store, now: Date.UTC(2026, 10, 24, 16, 0) });
  const seen: ReaderEvent[] = [];
  terminal.client()!.link.on('event', (e: ReaderEvent) => seen.push(e));
  await faceAuth();
  const records = terminal.records();
  expect(records).to.have.length(1);
  const r = records[0]!;
  expect(r).to.include({ id: 'EMU-0001:1', outcome: 'confirmed', method: 'face', failReason: null, operator: null, consent: null });
  expect(r.reader).to.deep.equal({ vendor: 'OQS Emulated', model: 'FACE-EMU-1', serial: 'EMU-0001' });
  expect(r.cardId).to.match(/^[0-9a-f]{32}$/);
  expect(r.cardId).to.equal(reader.model.wallet.get('normal').cardId);
  expect(r.confirmationDate).to.equal('2026/11/25');
  expect(Date.parse(r.finishedAt) - Date.parse(r.startedAt)).to.equal(reader.model.timing.faceCaptureMs);
  expect(store.loadRecords()).to.deep.equal([r]);

  // the same event again (a retransmission) does not make or rewrite a record
  const published: TerminalEvent[] = [];
  terminal.on('event', (e: TerminalEvent) => published.push(e));
  const confirmed = seen.find((e) => e.name === 'identityConfirmed');
  expect(confirmed).to.not.equal(undefined);
  await clock.advance(60_000);
  terminal.client()!.link.emit('event', confirmed);
  expect(published.filter((e) => e.type === 'record')).to.deep.equal([]);
  expect(terminal.records()).to.deep.equal([r]);
  expect(store.loadRecords()).to.deep.equal([r]);

  // consent completes the same record, it does not add one
  await act(() => reader.answerConsent('all'));
  expect(terminal.records()).to.have.length(1);
  expect(store.loadRecords()).to.have.length(1);
  expect(store.loadRecords()[0]).to.include({ id: 'EMU-0001:1', consent: 'all' });
});

test('records survive a restart on the same store and are not duplicated', async (t) => {
  const store = new MemoryStore();
  const { reader, act, restart, faceAuth } = await setup(t, { store });
  await faceAuth();
  await act(() => reader.answerConsent('all'));
  await act(() => reader.removeCard());
  const { terminal: next } = await restart();
  expect(next.records().map((r) => r.id)).to.deep.equal(['EMU-0001:1']);
  expect(next.records()[0]).to.include({ consent: 'all' });
  // the next patient's record is a new one
  await faceAuth();
  expect(next.records().map((r) => r.id)).to.deep.equal(['EMU-0001:1', 'EMU-0001:2']);
  expect(store.loadRecords()).to.have.length(2);
});

test('a failed identity check is recorded with its reason and method', async (t) => {
  const { terminal, reader, act } = await setup(t);
  await act(() => reader.placeCard('pinLocked'));
  await act(() => reader.chooseMethod('face'));
  await act(() => reader.presentFace('bandage'));
  expect(terminal.records()).to.have.length(1);
  expect(terminal.records()[0]).to.include({ outcome: 'failed', method: 'face', failReason: 'faceMismatch', cardId: null });
  expect(terminal.alerts().map((a) => a.code)).to.deep.equal(['visualCheckNeeded']);
});
// ---- the event stream -------------------------------------------------------------------------

test("the 'event' stream publishes modeChanged, readerEvent and record", async (t) => {
  const { terminal, settle, events, faceAuth } = await setup(t);
  events.splice(0);
  const change = await settle(terminal.switchMode(ADMIN, 'pinOnly'));
  expect(events.filter((e) => e.type === 'modeChanged')).to.deep.equal([{ type: 'modeChanged', change }]);

  await settle(terminal.switchMode(ADMIN, 'unattended'));
  events.splice(0);
  await faceAuth();

  const readerEvents = events.flatMap((e) => (e.type === 'readerEvent' ? [e] : []));
  expect(readerEvents.every((e) => e.path === '/dev/ttyEMU0')).to.equal(true);
  const names = readerEvents.map((e) => e.name);
  expect(names).to.include.members(['cardPlaced', 'methodChosen', 'faceResult', 'identityConfirmed', 'screenShown']);
  expect(names.indexOf('cardPlaced')).to.be.below(names.indexOf('identityConfirmed'));

  const records = events.flatMap((e) => (e.type === 'record' ? [e.record] : []));
  expect(records).to.have.length(1);
  expect(records[0]).to.deep.equal(terminal.records()[0]);
  // the record is published after the reader event that caused it
  const recordAt = events.findIndex((e) => e.type === 'record');
  const confirmedAt = events.findIndex((e) => e.type === 'readerEvent' && e.name === 'identityConfirmed');
  expect(confirmedAt).to.be.below(recordAt);
});

test('attaching a reader publishes readerConnected; closing publishes readerDisconnected', async (t) => {
  const { clock, binding, settle } = await setup(t);
  const terminal = new Terminal({ clock });
  const events: TerminalEvent[] = [];
  terminal.on('event', (e: TerminalEvent) => events.push(e));
  // the fixture's terminal holds /dev/ttyEMU0; add a second reader for this one
  const reader = new EmulatedReader({ clock, identity: { serial: 'EMU-0009' } });
  binding.addPort('/dev/ttyEMU9', reader);
  await settle(terminal.attachReader(await settle(ReaderClient.open({ path: '/dev/ttyEMU9', binding, clock }))));
  const connected = events.find((e) => e.type === 'readerConnected');
  expect(connected).to.deep.include({ type: 'readerConnected', path: '/dev/ttyEMU9' });
  await settle(terminal.close());
  expect(events.filter((e) => e.type === 'readerDisconnected')).to.deep.equal([{ type: 'readerDisconnected', path: '/dev/ttyEMU9' }]);
});

test('a reader busy with a patient when attached is attached, and takes the mode once the patient is done', async (t) => {
  const store = new MemoryStore();
  store.saveMode('pinOnly', { from: 'unattended', to: 'pinOnly', by: 'admin', at: '2026-11-24T00:00:00.000Z' });
  const clock = new VirtualClock(Date.UTC(2026, 10, 24, 1, 0));
  const reader = new EmulatedReader({ clock });
  const binding = new EmulatorBinding();
  binding.addPort('/dev/ttyEMU0', reader);
  reader.placeCard('normal');
  reader.chooseMethod('face'); // mid-check: the reader answers setMode with busy
  const terminal = new Terminal({ clock, store });
  t.after(() => terminal.close());
  const client = await clock.resolve(ReaderClient.open({ path: '/dev/ttyEMU0', binding, clock }));
  await clock.resolve(terminal.attachReader(client));
  expect(terminal.status().readers).to.have.length(1);
  expect(terminal.status().readers[0]!.modePending).to.equal(true);
  expect(reader.model.mode).to.equal('unattended');
  await clock.resolve(reader.presentFace());
  reader.answerConsent('all');
  reader.removeCard();
  await clock.runUntilIdle();
  expect(reader.model.mode).to.equal('pinOnly');
  expect(terminal.status().readers[0]!.modePending).to.equal(false);
  expect(terminal.records().filter((r) => r.outcome === 'confirmed')).to.have.length(1);
});

test('a reader that reuses a txId for a different card does not lose the second record', async (t) => {
  const { reader, act, terminal, faceAuth } = await setup(t);
  await faceAuth();
  await act(() => reader.answerConsent('all'));
  await act(() => reader.removeCard());
  reader.model.txId = 0; // as if the reader lost its counter in a power cycle
  await act(() => reader.placeCard('infant'));
  await act(() => reader.chooseMethod('pin'));
  await act(() => reader.enterCorrectPin());
  expect(terminal.records().map((r) => [r.id, r.method])).to.deep.equal([
    ['EMU-0001:1', 'face'],
    ['EMU-0001:1~2', 'pin'],
  ]);
});

test('consent that arrives after the terminal restarted still lands on its record', async (t) => {
  const store = new MemoryStore();
  const { reader, act, restart, faceAuth } = await setup(t, { store });
  await faceAuth();
  const { terminal: next } = await restart();
  await act(() => reader.answerConsent('individual'));
  expect(next.records()).to.have.length(1);
  expect(next.records()[0]).to.include({ consent: 'individual' });
  expect(store.loadRecords()[0]).to.include({ consent: 'individual' });
});

// ---- bounded cost (issue 15): start-up and the duplicate check do not read history ----------------

/** A MemoryStore that counts what the terminal reads from it. */
class CountingStore extends MemoryStore {
  yielded = 0;
  override *records(range: Parameters<MemoryStore['records']>[0] = {}) {
    for (const r of super.records(range)) {
      this.yielded++;
      yield r;
    }
  }
}

function oldRecord(n: number): ConfirmationRecord {
  const at = new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString();
  return syntheticRecord(n, at, {
    id: `OLD-0001:${n}`,
    method: 'pin',
    confirmationDate: '2026/01/01',
    reader: { vendor: 'OQS Emulated', model: 'FACE-EMU-1', serial: 'OLD-0001' },
    cardId: null,
    consent: null,
  });
}

test("start-up reads today's records only, not the history before", async (t) => {
  const store = new CountingStore();
  for (let n = 0; n < 500; n++) store.saveRecord(oldRecord(n));
  const { terminal, faceAuth } = await setup(t, { store });
  expect(store.yielded).to.equal(0);
  await faceAuth();
  expect(terminal.todayRecords().map((r) => r.id)).to.deep.equal(['EMU-0001:1']);
  const { terminal: next } = await setupAgain(t, store);
  expect(store.yielded).to.equal(1);
  expect(next.todayRecords().map((r) => r.id)).to.deep.equal(['EMU-0001:1']);
});

/** A second terminal on `store` (as after a restart), its clock at the same day. */
async function setupAgain(t: Parameters<typeof setup>[0], store: MemoryStore, now = Date.UTC(2026, 10, 24, 1, 0)) {
  return setup(t, { store, now });
}

test('a retransmission from an earlier day is still recorded once after a restart (the store, not memory, knows it)', async (t) => {
  const store = new CountingStore();
  const { clock, terminal, restart, faceAuth } = await setup(t, { store });
  const seen: ReaderEvent[] = [];
  terminal.client()!.link.on('event', (e: ReaderEvent) => seen.push(e));
  await faceAuth();
  const confirmed = seen.find((e) => e.name === 'identityConfirmed')!;
  await clock.advance(2 * 24 * 3600_000);
  const { terminal: next } = await restart();
  expect(next.todayRecords()).to.deep.equal([]);
  const published: TerminalEvent[] = [];
  next.on('event', (e: TerminalEvent) => published.push(e));
  next.client()!.link.emit('event', confirmed);
  expect(published.filter((e) => e.type === 'record')).to.deep.equal([]);
  expect(store.loadRecords().map((r) => r.id)).to.deep.equal(['EMU-0001:1']);
});

test("today's list starts empty on the next day in Japan and holds only that day's records", async (t) => {
  // 2026-11-24 14:59 UTC is 23:59 JST; a minute later it is the 25th in Japan.
  const { clock, terminal, reader, act, faceAuth } = await setup(t, { now: Date.UTC(2026, 10, 24, 14, 58) });
  await faceAuth();
  await act(() => reader.answerConsent('all'));
  await act(() => reader.removeCard());
  expect(terminal.todayRecords()).to.have.length(1);
  await clock.advance(3 * 60_000);
  expect(terminal.todayRecords()).to.deep.equal([]);
  await faceAuth();
  expect(terminal.todayRecords().map((r) => r.confirmationDate)).to.deep.equal(['2026/11/25']);
  expect(terminal.records()).to.have.length(2);
});

test('a retransmitted event of a reused txId (~2) is recorded once, not again as ~3', async (t) => {
  const { reader, act, terminal, faceAuth } = await setup(t);
  const seen: ReaderEvent[] = [];
  terminal.client()!.link.on('event', (e: ReaderEvent) => seen.push(e));
  await faceAuth();
  await act(() => reader.answerConsent('all'));
  await act(() => reader.removeCard());
  reader.model.txId = 0;
  await act(() => reader.placeCard('infant'));
  await act(() => reader.chooseMethod('pin'));
  await act(() => reader.enterCorrectPin());
  const second = seen.filter((e) => e.name === 'identityConfirmed').at(-1)!;
  terminal.client()!.link.emit('event', second);
  expect(terminal.records().map((r) => r.id)).to.deep.equal(['EMU-0001:1', 'EMU-0001:1~2']);
});

test('on the SQLite store too: a retransmission after a restart is recorded once, and start-up read only today', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oqs-book-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const first = new FileStore(dir);
  first.saveRecords(Array.from({ length: 2000 }, (_, n) => oldRecord(n)));
  const { terminal, faceAuth } = await setup(t, { store: first });
  const seen: ReaderEvent[] = [];
  terminal.client()!.link.on('event', (e: ReaderEvent) => seen.push(e));
  await faceAuth();
  first.close();
  const store = new FileStore(dir);
  t.after(() => store.close());
  const { terminal: next } = await setup(t, { store });
  expect(next.todayRecords().map((r) => r.id)).to.deep.equal(['EMU-0001:1']);
  const published: TerminalEvent[] = [];
  next.on('event', (e: TerminalEvent) => published.push(e));
  next.client()!.link.emit(
    'event',
    seen.find((e) => e.name === 'identityConfirmed'),
  );
  expect(published.filter((e) => e.type === 'record')).to.deep.equal([]);
  expect([...store.records({ from: '2026-11-01T00:00:00.000Z' })].map((r) => r.id)).to.deep.equal(['EMU-0001:1']);
});

/** A store that refuses the next `failures` saves of a record, as a full disk would. */
class FailingStore extends MemoryStore {
  failures = 0;
  override saveRecord(r: ConfirmationRecord) {
    if (this.failures-- > 0) throw new OqsError('OQS_ERR_STORE_WRITE', '/state/records.db', 'database or disk is full');
    super.saveRecord(r);
  }
}

test('the store fails: no crash, no ACK, staff are told (recordNotSaved with the cause); once it saves again the retransmission is recorded once and the alert goes', async (t) => {
  const store = new FailingStore();
  const { terminal, faceAuth, events } = await setup(t, { store });
  const alerts = () => events.flatMap((e) => (e.type === 'alert' ? [e.alert] : []));
  // The first two copies of the outcome cannot be saved; the reader's next retransmission can.
  store.failures = 2;
  await faceAuth();
  expect(alerts()).to.deep.equal([
    {
      code: 'recordNotSaved',
      message: '本人確認の記録を保存できません。結果はリーダーが保持しています。リーダーの電源を切らずに、端末の管理者に連絡してください',
      cause: {
        code: 'OQS_ERR_STORE_WRITE',
        message: '記録を保存できません（/state/records.db）。ディスクの空きを確認し、端末の管理者に連絡してください。',
      },
    },
    null,
  ]);
  expect(terminal.records().map((r) => [r.id, r.outcome])).to.deep.equal([['EMU-0001:1', 'confirmed']]);
  expect(terminal.alerts().map((a) => a.code)).not.to.include('recordNotSaved');
});

test("an outcome the store refused past the reader's last resend: its consent is not ACKed either, the alarm stays, and after a restart the reader's replay records both", async (t) => {
  const store = new FailingStore();
  const { terminal, faceAuth, act, reader, restart, events } = await setup(t, { store });
  // What the reader sent, seen before the terminal's own listener (which throws while the store fails).
  const sent: ReaderEvent[] = [];
  terminal.client()!.link.prependListener('event', (e: ReaderEvent) => void sent.push(e));
  store.failures = Infinity;
  await faceAuth(); // identityConfirmed refused at every resend, then held by the reader
  store.failures = 0; // the disk is freed
  await act(() => reader.answerConsent('all')); // the consent of an outcome not saved: refused too
  expect(terminal.records()).to.deep.equal([]);
  expect(terminal.alerts().map((a) => a.code)).to.include('recordNotSaved');
  const acked = events.flatMap((e) => (e.type === 'frame' && e.frame.message?.kind === 'ack' ? [e.frame.message.ackSeq] : []));
  for (const name of ['identityConfirmed', 'consentGiven']) expect(acked, `${name} ACKed`).not.to.include(sent.find((e) => e.name === name)!.seq);
  // A restart's hello makes the reader send what it holds again, in the order first sent (PR-5-6).
  const next = await restart();
  for (const name of ['identityConfirmed', 'consentGiven'])
    next.terminal.client()!.link.emit(
      'event',
      sent.find((e) => e.name === name)!,
    );
  expect(next.terminal.records().map((r) => [r.id, r.outcome, r.consent])).to.deep.equal([['EMU-0001:1', 'confirmed', 'all']]);
  expect(next.terminal.alerts().map((a) => a.code)).not.to.include('recordNotSaved');
});

test('a fault of ours while an event is handled (a listener that throws) is not ACKed either, and staff see recordNotSaved with OQS_ERR_INTERNAL', async (t) => {
  const { terminal, faceAuth } = await setup(t);
  terminal.on('event', (e: TerminalEvent) => {
    if (e.type === 'record') throw new TypeError('a bug');
  });
  await faceAuth();
  expect(terminal.alerts().find((a) => a.code === 'recordNotSaved')?.cause?.code).to.equal('OQS_ERR_INTERNAL');
});

test('while the store keeps failing the alert stays, with the cause, and nothing is recorded', async (t) => {
  class BrokenStore extends MemoryStore {
    override saveRecord(): void {
      throw new Error('SQLITE_IOERR');
    }
  }
  const { terminal, faceAuth } = await setup(t, { store: new BrokenStore() });
  await faceAuth();
  expect(terminal.records()).to.deep.equal([]);
  expect(terminal.alerts().find((a) => a.code === 'recordNotSaved')?.cause).to.deep.equal({
    code: 'OQS_ERR_STORE_WRITE',
    message: '記録を保存できません（記録の保存先）。ディスクの空きを確認し、端末の管理者に連絡してください。',
  });
});
