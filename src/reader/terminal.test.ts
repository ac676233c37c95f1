import { test } from 'node:test';
import { expect } from 'chai';
import { Mode } from '../protocol';
import { MemoryStore } from './store';
import { Terminal } from './terminal';
import { ADMIN, STAFF, codeOf, setup } from './test-terminal';

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
  expect(() => terminal.requireReaderMenu())
    .to.throw()
    .with.property('code', 'OQS_ERR_READER_SOFTWARE_MISSING');
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

test('a mode change the store cannot save is OQS_ERR_STORE_WRITE and changes nothing: the reader is put back', async (t) => {
  class FullStore extends MemoryStore {
    override saveMode(): void {
      throw new Error('database or disk is full');
    }
  }
  const { terminal, reader, settle, readerMode, events } = await setup(t, { store: new FullStore() });
  expect(await codeOf(settle(terminal.switchMode(ADMIN, 'pinOnly')))).to.equal('OQS_ERR_STORE_WRITE');
  expect(terminal.mode).to.equal('unattended');
  expect(reader.model.mode).to.equal('unattended');
  expect(await readerMode()).to.equal(Mode.unattended);
  expect(events.filter((e) => e.type === 'modeChanged')).to.deep.equal([]);
});
