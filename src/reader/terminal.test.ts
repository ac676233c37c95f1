import { test } from 'node:test';
import { expect } from 'chai';
import { EmulatedReader, EmulatorBinding } from '../../simulator';
import { Mode } from '../protocol';
import { VirtualClock } from '../time/virtual-clock';
import type { Actor } from './accounts';
import type { ReaderEvent } from './link';
import { ReaderClient } from './reader-client';
import { MemoryStore, type TerminalStore } from './store';
import { Terminal, type TerminalEvent, type TerminalOptions } from './terminal';

const ADMIN: Actor = { account: 'admin', role: 'admin' };
const STAFF: Actor = { account: 'staff', role: 'general' };

type After = { after: (fn: () => Promise<void>) => void };

interface Options {
  readers?: number;
  store?: TerminalStore;
  now?: number;
  terminal?: Partial<TerminalOptions>;
}

/** Emulated readers on their own binding, a terminal over them, all on one virtual clock. */
async function setup(t: After, opts: Options = {}) {
  const clock = new VirtualClock(opts.now ?? Date.UTC(2026, 10, 24, 1, 0));
  const binding = new EmulatorBinding();
  const readers: EmulatedReader[] = [];
  for (let i = 0; i < (opts.readers ?? 1); i++) {
    // txIdSeed 0 keeps record ids readable here (EMU-0001:1); the default seeds from the clock.
    const reader = new EmulatedReader({ clock, txIdSeed: 0, identity: { serial: `EMU-${String(i + 1).padStart(4, '0')}` } });
    readers.push(reader);
    binding.addPort(`/dev/ttyEMU${i}`, reader);
  }
  const store = opts.store ?? new MemoryStore();
  /** As EmulatorTarget.settle: the promise, then everything it set going. */
  const settle = async <T>(work: Promise<T>): Promise<T> => {
    const value = await clock.resolve(work);
    await clock.runUntilIdle();
    return value;
  };
  const act = (fn: () => void | Promise<void>) => settle(Promise.resolve().then(fn));
  const connect = async (terminalOpts: Partial<TerminalOptions> = {}) => {
    const terminal = new Terminal({ clock, store, ...opts.terminal, ...terminalOpts });
    const events: TerminalEvent[] = [];
    terminal.on('event', (e: TerminalEvent) => events.push(e));
    if (terminal.readerSoftwareInstalled) {
      for (let i = 0; i < readers.length; i++) {
        const client = await settle(ReaderClient.open({ path: `/dev/ttyEMU${i}`, binding, clock }));
        await settle(terminal.attachReader(client));
      }
    }
    return { terminal, events };
  };
  const { terminal, events } = await connect();
  let current = terminal;
  t.after(async () => {
    await settle(current.close());
  });
  /** Closes the terminal and starts a new one on the same store (a restart). */
  const restart = async () => {
    await settle(current.close());
    const next = await connect();
    current = next.terminal;
    return next;
  };
  const reader = readers[0]!;
  const readerMode = async (term = current) => (await settle(term.client()!.getStatus())).mode;
  /** A patient with a normal card up to the face result: placed, face chosen, face presented. */
  const faceAuth = async () => {
    await act(() => reader.placeCard('normal'));
    await act(() => reader.chooseMethod('face'));
    await act(() => reader.presentFace());
  };
  return { clock, binding, readers, reader, store, terminal, events, settle, act, restart, readerMode, faceAuth };
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

// ---- mode -------------------------------------------------------------------------------------

test('the mode after installation is 無人運転, on the terminal and on the reader', async (t) => {
  const { terminal, reader, readerMode } = await setup(t);
  expect(terminal.mode).to.equal('unattended');
  expect(reader.model.mode).to.equal('unattended');
  expect(await readerMode()).to.equal(Mode.unattended);
  expect(terminal.modeChanges()).to.deep.equal([]);
});

test('an administrator switches the mode; the reader follows and the change is audited', async (t) => {
  const { clock, terminal, reader, settle, readerMode } = await setup(t);
  const change = await settle(terminal.switchMode(ADMIN, 'pinOnly'));
  expect(change).to.deep.equal({ from: 'unattended', to: 'pinOnly', by: 'admin', at: new Date(clock.now()).toISOString() });
  expect(terminal.mode).to.equal('pinOnly');
  expect(reader.model.mode).to.equal('pinOnly');
  expect(await readerMode()).to.equal(Mode.pinOnly);
  expect(terminal.modeChanges()).to.deep.equal([change]);
});

test('a general account may not switch the mode: OQS_ERR_ADMIN_REQUIRED and nothing changes', async (t) => {
  const { terminal, reader, settle, readerMode, events } = await setup(t);
  for (const mode of ['visual', 'pinOnly']) {
    expect(await codeOf(settle(terminal.switchMode(STAFF, mode)))).to.equal('OQS_ERR_ADMIN_REQUIRED');
  }
  expect(terminal.mode).to.equal('unattended');
  expect(terminal.modeChanges()).to.deep.equal([]);
  expect(reader.model.mode).to.equal('unattended');
  expect(await readerMode()).to.equal(Mode.unattended);
  expect(events.filter((e) => e.type === 'modeChanged')).to.deep.equal([]);
});

test('an unknown mode is refused with OQS_ERR_UNKNOWN_MODE and nothing changes', async (t) => {
  const { terminal, settle, readerMode } = await setup(t);
  for (const mode of ['turbo', '', 'Visual', '目視確認']) {
    expect(await codeOf(settle(terminal.switchMode(ADMIN, mode))), mode).to.equal('OQS_ERR_UNKNOWN_MODE');
  }
  expect(terminal.mode).to.equal('unattended');
  expect(terminal.modeChanges()).to.deep.equal([]);
  expect(await readerMode()).to.equal(Mode.unattended);
});

test('with two face-auth readers 目視確認 is refused with OQS_ERR_VISUAL_SINGLE_READER; other modes switch both', async (t) => {
  const { terminal, readers, settle } = await setup(t, { readers: 2 });
  expect(terminal.pattern.id).to.equal(3);
  expect(await codeOf(settle(terminal.switchMode(ADMIN, 'visual')))).to.equal('OQS_ERR_VISUAL_SINGLE_READER');
  expect(terminal.mode).to.equal('unattended');
  expect(readers.map((r) => r.model.mode)).to.deep.equal(['unattended', 'unattended']);
  expect(terminal.modeChanges()).to.deep.equal([]);
  await settle(terminal.switchMode(ADMIN, 'pinOnly'));
  expect(readers.map((r) => r.model.mode)).to.deep.equal(['pinOnly', 'pinOnly']);
});

test('without the reader software there is no reader menu: OQS_ERR_READER_SOFTWARE_MISSING', async (t) => {
  const { clock, settle } = await setup(t, { readers: 0 });
  const terminal = new Terminal({ clock, readerSoftwareInstalled: false });
  expect(() => terminal.requireReaderMenu()).to.throw().with.property('code', 'OQS_ERR_READER_SOFTWARE_MISSING');
  expect(await codeOf(settle(terminal.switchMode(ADMIN, 'visual')))).to.equal('OQS_ERR_READER_SOFTWARE_MISSING');
  expect(await codeOf(settle(terminal.beginVisualCheck(ADMIN, { visuallyConfirmed: true })))).to.equal('OQS_ERR_READER_SOFTWARE_MISSING');
  expect(terminal.status().menu).to.deep.equal({ readerOperation: false, qualificationInquiry: false });
  expect(terminal.mode).to.equal('unattended');
  expect(terminal.modeChanges()).to.deep.equal([]);
});

test('the mode persists across a new Terminal on the same store, and the reader is set to it', async (t) => {
  const store = new MemoryStore();
  const { terminal, reader, settle, restart, readerMode } = await setup(t, { store });
  await settle(terminal.switchMode(ADMIN, 'pinOnly'));
  // the reader is put back to 無人運転 behind the terminal's back (e.g. power-cycled)
  reader.model.setMode(Mode.unattended);
  const { terminal: next } = await restart();
  expect(next.mode).to.equal('pinOnly');
  expect(reader.model.mode).to.equal('pinOnly');
  expect(await readerMode(next)).to.equal(Mode.pinOnly);
  expect(next.modeChanges()).to.have.length(1);
});

test('switching while the reader is mid-transaction is refused with OQS_ERR_READER_BUSY; nothing changes', async (t) => {
  const { terminal, reader, act, settle, readerMode, events } = await setup(t);
  await act(() => reader.placeCard('normal'));
  await act(() => reader.chooseMethod('face'));
  expect(reader.model.state).to.equal('faceCapture');
  events.splice(0);
  expect(await codeOf(settle(terminal.switchMode(ADMIN, 'pinOnly')))).to.equal('OQS_ERR_READER_BUSY');
  expect(terminal.mode).to.equal('unattended');
  expect(terminal.modeChanges()).to.deep.equal([]);
  expect(reader.model.mode).to.equal('unattended');
  expect(await readerMode()).to.equal(Mode.unattended);
  expect(events.filter((e) => e.type === 'modeChanged')).to.deep.equal([]);
  // once the patient has finished, the switch goes through
  await act(() => reader.removeCard());
  await settle(terminal.switchMode(ADMIN, 'pinOnly'));
  expect(terminal.mode).to.equal('pinOnly');
});

test('with two readers, one busy: the switch is all or none', async (t) => {
  const { terminal, readers, act, settle } = await setup(t, { readers: 2 });
  await act(() => readers[1]!.placeCard('normal'));
  await act(() => readers[1]!.chooseMethod('pin'));
  expect(await codeOf(settle(terminal.switchMode(ADMIN, 'pinOnly')))).to.equal('OQS_ERR_READER_BUSY');
  expect(terminal.mode).to.equal('unattended');
  expect(readers.map((r) => r.model.mode)).to.deep.equal(['unattended', 'unattended']);
});

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

// ---- visual check -----------------------------------------------------------------------------

test('beginVisualCheck refuses in order: not 目視確認, then the date, then the tick; each leaves the check idle', async (t) => {
  const { terminal, reader, settle } = await setup(t);
  const begin = (input: { confirmationDate?: string; visuallyConfirmed: boolean }) => codeOf(settle(terminal.beginVisualCheck(ADMIN, input)));

  // everything wrong: the mode is named first
  expect(await begin({ confirmationDate: '2020-10-30', visuallyConfirmed: false })).to.equal('OQS_ERR_NOT_VISUAL_MODE');
  expect(terminal.visual.view().state).to.equal('idle');

  await settle(terminal.switchMode(ADMIN, 'visual'));
  // bad date and no tick: the date is named first
  expect(await begin({ confirmationDate: '2020-10-30', visuallyConfirmed: false })).to.equal('OQS_ERR_DATE_FORMAT');
  expect(terminal.visual.view().state).to.equal('idle');
  expect(await begin({ confirmationDate: '2099/01/01', visuallyConfirmed: false })).to.equal('OQS_ERR_DATE_FUTURE');
  expect(terminal.visual.view().state).to.equal('idle');

  // good date, no tick
  expect(await begin({ confirmationDate: '2026/11/24', visuallyConfirmed: false })).to.equal('OQS_ERR_NOT_VISUALLY_CONFIRMED');
  expect(terminal.visual.view().state).to.equal('idle');

  // none of the refusals armed the reader: a card now is still refused for want of staff
  await settle(Promise.resolve().then(() => reader.placeCard('normal')));
  expect(reader.model.state).to.equal('halted');
  expect(terminal.visual.view().state).to.equal('idle');
});

test('a visual check confirms by sight, records the date and operator, and leaves the PIN counter alone', async (t) => {
  const { terminal, reader, settle, act } = await setup(t);
  await settle(terminal.switchMode(ADMIN, 'visual'));
  const view = await settle(terminal.beginVisualCheck(ADMIN, { confirmationDate: '2026/11/20', visuallyConfirmed: true }));
  expect(view).to.include({ state: 'awaitingCard', confirmationDate: '2026/11/20', operator: 'admin' });
  await act(() => reader.placeCard('pinTwoFailures'));
  expect(terminal.visual.view().state).to.equal('awaitingConfirmation');
  const record = await settle(terminal.confirmVisualCheck(ADMIN));
  expect(record).to.include({ outcome: 'confirmed', method: 'visual', confirmationDate: '2026/11/20', operator: 'admin' });
  expect(terminal.visual.view().state).to.equal('completed');
  expect(reader.model.wallet.get('pinTwoFailures').pinFailures).to.equal(2);
  expect(terminal.completeVisualCheck(ADMIN).state).to.equal('idle');
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

test("attaching a reader publishes readerConnected; closing publishes readerDisconnected", async (t) => {
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
