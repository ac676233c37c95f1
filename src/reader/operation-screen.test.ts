import { test } from 'node:test';
import { expect } from 'chai';
import { EmulatedReader, EmulatorBinding } from '../../simulator';
import { VirtualClock } from '../time/virtual-clock';
import type { Actor } from './accounts';
import { OperationScreen } from './operation-screen';
import { ReaderClient } from './reader-client';
import { OqsError } from './errors';
import { Terminal } from './terminal';

const ADMIN: Actor = { account: 'admin', role: 'admin' };
const STAFF: Actor = { account: 'staff', role: 'general' };
/** 2026-11-24 10:00 JST. */
const MORNING = Date.UTC(2026, 10, 24, 1, 0);

/** One emulated reader, a terminal and a screen for `actor`, on one virtual clock. */
async function setup(t: { after: (fn: () => Promise<void>) => void }, actor: Actor = ADMIN, now = MORNING) {
  const clock = new VirtualClock(now);
  const reader = new EmulatedReader({ clock, txIdSeed: 0 });
  const binding = new EmulatorBinding();
  binding.addPort('/dev/ttyEMU0', reader);
  const terminal = new Terminal({ clock });
  const settle = async <T>(work: Promise<T> | T): Promise<T> => {
    const value = await clock.resolve(Promise.resolve(work));
    await clock.runUntilIdle();
    return value;
  };
  await settle(terminal.attachReader(await settle(ReaderClient.open({ path: '/dev/ttyEMU0', binding, clock }))));
  const screen = new OperationScreen(terminal, actor);
  t.after(async () => {
    (screen as { close?: () => void }).close?.();
    await settle(terminal.close());
  });
  const act = (fn: () => unknown) => settle(Promise.resolve().then(fn));
  return { clock, reader, terminal, screen, settle, act };
}

async function toVisual(s: OperationScreen, act: (fn: () => unknown) => Promise<unknown>) {
  await act(() => s.clickMode('visual'));
  await act(() => s.clickOk());
  await act(() => s.clickOk());
  expect(s.terminal.mode).to.equal('visual');
}

const latin = /[A-Za-z]{3,}/;

test('一般: the mode buttons are disabled and a click is refused at once, without a dialog', async (t) => {
  const { screen, act, terminal } = await setup(t, STAFF);
  expect(screen.buttons().map((b) => b.enabled)).to.deep.equal([false, false, false]);
  expect(screen.view().buttons.every((b) => !b.enabled)).to.equal(true);
  await act(() => screen.clickMode('visual'));
  expect(screen.dialog).to.equal(null);
  expect(screen.error?.code).to.equal('OQS_ERR_ADMIN_REQUIRED');
  expect(terminal.modeChanges()).to.deep.equal([]);
});

test('管理者: the mode buttons are enabled', async (t) => {
  const { screen } = await setup(t);
  expect(screen.buttons().map((b) => b.enabled)).to.deep.equal([true, true, true]);
});

test('a refusal on the screen is in Japanese, with its code beside it', async (t) => {
  const { screen, act } = await setup(t);
  await toVisual(screen, act);
  await act(() => screen.setDate('2026-11-01'));
  await act(() => screen.setVisuallyConfirmed(true));
  const error = screen.view().error;
  expect(error?.code).to.equal('OQS_ERR_DATE_FORMAT');
  expect(error?.message).to.include('資格確認日');
  expect(error?.message).to.not.match(latin);
  expect(error?.field).to.equal('date');
});

test('IME input: ２０２６／１１／０１ is stored as 2026/11/01 and that is the date recorded', async (t) => {
  const { screen, act, terminal } = await setup(t);
  await toVisual(screen, act);
  await act(() => screen.setDate('２０２６／１１／０１'));
  expect(screen.error).to.equal(null);
  expect(screen.dateText).to.equal('2026/11/01');
  await act(() => screen.setVisuallyConfirmed(true));
  expect(terminal.visual.view().confirmationDate).to.equal('2026/11/01');
});

test('a date typed wrong is refused at once, and the box then cannot be ticked with it', async (t) => {
  const { screen, act, terminal } = await setup(t);
  await toVisual(screen, act);
  await act(() => screen.setDate('2026/11/1'));
  expect(screen.error?.code).to.equal('OQS_ERR_DATE_FORMAT');
  expect(screen.error?.message).to.include('「2026/11/01」');
  await act(() => screen.setVisuallyConfirmed(true));
  expect(screen.visuallyConfirmed).to.equal(false);
  expect(terminal.visual.view().state).to.equal('idle');
});

test('資格確認日 follows the JST day across midnight for the next patient (virtual clock)', async (t) => {
  // 23:50 JST on 2026/11/24
  const { screen, act, clock, reader, terminal } = await setup(t, ADMIN, Date.UTC(2026, 10, 24, 14, 50));
  await toVisual(screen, act);
  expect(screen.dateText).to.equal('2026/11/24');
  clock.set(Date.UTC(2026, 10, 24, 15, 10)); // 00:10 JST on 2026/11/25
  expect(screen.dateText).to.equal('2026/11/25');
  expect(screen.view().visualItems.date).to.equal('2026/11/25');
  await act(() => screen.setVisuallyConfirmed(true));
  expect(terminal.visual.view().confirmationDate).to.equal('2026/11/25');
  // A patient finished just before midnight: the next one starts with the new day too.
  await act(() => reader.placeCard('normal'));
  await act(() => screen.clickOk());
  await act(() => screen.clickOk());
  clock.set(Date.UTC(2026, 10, 25, 15, 5));
  expect(screen.dateText).to.equal('2026/11/26');
});

test('a date staff typed is kept for that patient, then the next patient starts from today', async (t) => {
  const { screen, act, reader } = await setup(t);
  await toVisual(screen, act);
  await act(() => screen.setDate('2026/10/30'));
  await act(() => screen.setVisuallyConfirmed(true));
  await act(() => reader.placeCard('normal'));
  await act(() => screen.clickOk());
  expect(screen.dateText).to.equal('2026/10/30');
  await act(() => screen.clickOk());
  expect(screen.dateText).to.equal('2026/11/24');
});

test('clicking the mode already in force opens no dialog and records nothing', async (t) => {
  const { screen, act, terminal } = await setup(t);
  await act(() => screen.clickMode('unattended'));
  expect(screen.dialog).to.equal(null);
  expect(screen.error).to.equal(null);
  expect(screen.view().notice).to.include('無人運転');
  expect(terminal.modeChanges()).to.deep.equal([]);
});

test('Terminal.switchMode to the mode in force changes nothing, records nothing and says so', async (t) => {
  const { terminal, settle } = await setup(t);
  const events: unknown[] = [];
  terminal.on('event', (e) => events.push(e));
  const change = await settle(terminal.switchMode(ADMIN, 'unattended'));
  expect(change).to.equal(null);
  expect(terminal.modeChanges()).to.deep.equal([]);
  expect(events).to.deep.equal([]);
});

test('switching away from 目視確認 with a visual check armed says in the confirmation that it will be cancelled', async (t) => {
  const { screen, act } = await setup(t);
  await toVisual(screen, act);
  await act(() => screen.setVisuallyConfirmed(true));
  await act(() => screen.clickMode('unattended'));
  expect(screen.dialog?.kind).to.equal('confirmSwitch');
  expect(screen.view().dialog?.warning).to.include('目視確認').and.include('取り消');
  // Without one armed, no warning.
  await act(() => screen.clickCancel());
  await act(() => screen.setVisuallyConfirmed(false));
  await act(() => screen.clickMode('unattended'));
  expect(screen.view().dialog?.warning).to.equal(null);
});

test('the 照合エラー notice goes once staff have switched to 目視確認', async (t) => {
  const { screen, act, reader } = await setup(t);
  await act(() => reader.placeCard('faceChangedSurgery'));
  await act(() => reader.chooseMethod('face'));
  await act(() => reader.presentFace());
  expect(screen.view().alerts.map((a) => a.code)).to.include('matchError');
  await act(() => reader.removeCard());
  await toVisual(screen, act);
  expect(screen.view().alerts.map((a) => a.code)).to.not.include('matchError');
});

test('the view: labels, dialog actions and the event log come from the model, in Japanese', async (t) => {
  const { screen, act, reader } = await setup(t);
  const v0 = screen.view();
  expect(v0.mode).to.equal('unattended');
  expect(v0.user).to.deep.equal({ account: 'admin', role: 'admin', roleLabel: '管理者' });
  expect(v0.events).to.deep.equal([]);
  await act(() => screen.clickMode('visual'));
  expect(screen.view().dialog).to.include({ kind: 'confirmSwitch', title: '確認', message: '目視確認モードに切り替えます。よろしいですか？' });
  expect(screen.view().dialog?.actions).to.deep.equal(['ok', 'cancel']);
  await act(() => screen.clickOk());
  expect(screen.view().dialog?.actions).to.deep.equal(['ok']);
  await act(() => screen.clickOk());
  await act(() => screen.setVisuallyConfirmed(true));
  await act(() => reader.placeCard('normal'));
  const v = screen.view();
  expect(v.dialog).to.include({ kind: 'confirmVisual', title: '本人確認を実行する' });
  expect(v.events.map((e) => e.text)).to.include('カードが置かれました（マイナンバーカード）');
  expect(v.visualItems.state).to.equal('awaitingConfirmation');
});

test('a date sent while the card waits for 本人確認を実行する is refused and leaves that check alone', async (t) => {
  const { screen, act, reader, terminal } = await setup(t);
  await toVisual(screen, act);
  await act(() => screen.setVisuallyConfirmed(true));
  await act(() => reader.placeCard('normal'));
  expect(screen.dialog?.kind).to.equal('confirmVisual');
  await act(() => screen.setDate('2026/10/30'));
  expect(screen.error?.code).to.equal('OQS_ERR_VISUAL_CHECK_STATE');
  expect(terminal.visual.view()).to.include({ state: 'awaitingConfirmation', confirmationDate: '2026/11/24' });
  expect(screen.dateText).to.equal('2026/11/24');
  // Ticking again (a second request) is refused too, and cancels nothing.
  await act(() => screen.setVisuallyConfirmed(true));
  expect(screen.error?.code).to.equal('OQS_ERR_VISUAL_CHECK_STATE');
  expect(terminal.visual.view().state).to.equal('awaitingConfirmation');
  expect(screen.visuallyConfirmed).to.equal(true);
  await act(() => screen.clickOk());
  expect(screen.dialog?.kind).to.equal('visualDone');
});

test('two staff confirm the same switch: the second gets no completion message, only that it is in force', async (t) => {
  const { screen: a, act, terminal } = await setup(t);
  const b = new OperationScreen(terminal, { account: 'admin2', role: 'admin' });
  t.after(() => b.close());
  await act(() => a.clickMode('visual'));
  await act(() => b.clickMode('visual'));
  await act(() => a.clickOk());
  await act(() => b.clickOk());
  expect(b.dialog).to.equal(null);
  expect(b.notice).to.equal('既に目視確認モードです。');
  expect(terminal.modeChanges().length).to.equal(1);
});

test('close() stops the screen listening to the terminal', async (t) => {
  const { screen, terminal } = await setup(t);
  const before = terminal.listenerCount('event');
  screen.close();
  expect(terminal.listenerCount('event')).to.equal(before - 1);
});

test('a reader that cannot be reached: the alert says why in Japanese, with the code, and a changed cause replaces the old one', () => {
  const terminal = new Terminal({ clock: new VirtualClock(MORNING) });
  const screen = new OperationScreen(terminal, STAFF);
  terminal.readerUnavailable('COM3', new OqsError('OQS_ERR_PORT_OPEN', 'COM3', 'Access denied'));
  const first = screen.view().alerts.find((a) => a.code === 'readerNotConnected');
  expect(first?.message).to.match(/^カードリーダー未接続/);
  expect(first?.cause).to.deep.equal({ code: 'OQS_ERR_PORT_OPEN', message: 'シリアルポート COM3 を開けません。' });
  terminal.readerUnavailable('COM3', new OqsError('OQS_ERR_READER_TIMEOUT'));
  expect(
    screen
      .view()
      .alerts.filter((a) => a.code === 'readerNotConnected')
      .map((a) => a.cause?.code),
  ).to.deep.equal(['OQS_ERR_READER_TIMEOUT']);
  // A reader behind a serial server has no cable of its own: the headline sends staff to the cause.
  terminal.readerUnavailable('tcp://192.0.2.10:4001', new OqsError('OQS_ERR_NET_CONNECT', 'tcp://192.0.2.10:4001', 'ECONNREFUSED'));
  expect(screen.view().alerts.find((a) => a.cause?.code === 'OQS_ERR_NET_CONNECT')?.message).to.equal(
    'カードリーダー未接続：ネットワーク上の顔認証付きカードリーダーに接続できません。下の原因を確認してください（つながり次第、自動で使えるようになります）',
  );
});
