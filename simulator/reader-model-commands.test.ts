import { test } from 'node:test';
import { expect } from 'chai';
import { FailReason, Method, Mode, ReaderState } from '../src/protocol';
import { EmulatorError } from './errors';
import { screenId, setup } from './test-model';

// The terminal's commands and the reader's modes: setMode, the visual check, reset, power cycles.

// ---- modes ------------------------------------------------------------------------------------

test('暗証番号認証固定 goes straight to PIN entry; face is not offered', async () => {
  const { model, of, act } = setup();
  expect(model.setMode(Mode.pinOnly)).to.equal('ok');
  await act(() => model.placeCard('normal'));
  expect(model.state).to.equal('pinEntry');
  expect(model.screen).to.equal('enterPin');
  expect(of('methodChosen')).to.deep.equal([{ txId: model.txId, method: Method.pin }]);
  const err = (() => {
    try {
      model.chooseMethod('face');
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  expect(err).to.be.instanceOf(EmulatorError);
  expect(err).to.have.property('code', 'EMU_ERR_NOT_OFFERED');
  expect(model.state).to.equal('pinEntry');
  expect(of('faceResult')).to.have.length(0);
});

test('目視確認 without a staff check: nobody is confirmed, identityFailed staffRequired', async () => {
  const { model, of, act } = setup();
  expect(model.setMode(Mode.visual)).to.equal('ok');
  await act(() => model.placeCard('normal'));
  expect(of('identityFailed')).to.deep.equal([{ txId: model.txId, reason: FailReason.staffRequired }]);
  expect(of('identityConfirmed')).to.have.length(0);
  expect(model.state).to.equal('halted');
  expect(model.screen).to.equal('callStaff');
});

test('PR-3.3-4 PR-3.3-5 目視確認 with startVisualCheck + executeVisualCheck: confirmed by visual, PIN counter untouched', async () => {
  const { clock, model, of, act } = setup();
  expect(model.setMode(Mode.visual)).to.equal('ok');
  expect(model.startVisualCheck(7, '20261124')).to.equal('ok');
  await act(() => model.placeCard('pinTwoFailures'));
  expect(model.state).to.equal('awaitingStaff');
  expect(model.screen).to.equal('staffChecking');
  expect(model.executeVisualCheck(8)).to.equal('badState'); // not the armed check
  const before = clock.now();
  expect(model.executeVisualCheck(7)).to.equal('ok');
  await clock.runUntilIdle();
  expect(clock.now() - before).to.equal(model.timing.certReadMs);
  expect(of('identityConfirmed')).to.deep.equal([{ txId: model.txId, method: Method.visual, cardId: model.card!.cardId, checkId: 7 }]);
  expect(of('pinResult')).to.have.length(0);
  expect(model.card!.pinFailures).to.equal(2);
  expect(model.state).to.equal('consent');
});

test('PR-3.3-4 目視確認: a check armed after the card was refused restarts the transaction for that card', async () => {
  const { model, of, act } = setup();
  model.setMode(Mode.visual);
  await act(() => model.placeCard('normal'));
  const firstTx = model.txId;
  expect(of('identityFailed')[0]).to.include({ reason: FailReason.staffRequired });
  await act(() => {
    expect(model.startVisualCheck(3, '20261124')).to.equal('ok');
  });
  expect(model.txId).to.equal(firstTx + 1);
  expect(model.state).to.equal('awaitingStaff');
});

test('PR-3.3-3 setMode during a patient flow answers busy and keeps the mode', async () => {
  const { model, act } = setup();
  await act(() => model.placeCard('normal'));
  expect(model.state).to.equal('methodSelect');
  await act(() => model.chooseMethod('pin'));
  expect(model.setMode(Mode.visual)).to.equal('busy');
  expect(model.mode).to.equal('unattended');
  expect(model.status().mode).to.equal(Mode.unattended);
  expect(model.status().state).to.equal(ReaderState.pinEntry);
  expect(model.setMode(99)).to.equal('badArgument');
});

test('PR-3.4-1 txIds continue from the clock by default, so a restarted reader never reuses one', async () => {
  const { model, act, of } = setup();
  await act(() => model.placeCard('normal'));
  const first = Number(of('cardPlaced')[0]!.txId);
  expect(first).to.equal(Math.floor(Date.UTC(2026, 10, 24, 0, 30) / 1000) + 1);
  const seeded = setup({ txIdSeed: 41 });
  await seeded.act(() => seeded.model.placeCard('normal'));
  expect(seeded.of('cardPlaced')[0]!.txId).to.equal(42);
});

test('PR-3.3-3 setMode naming the mode already in force is ok in every state and changes nothing', async () => {
  const { model, sent, visit } = setup();
  await visit('normal', 'pin');
  const before = sent.length;
  expect(model.setMode(Mode.unattended)).to.equal('ok');
  expect(model.state).to.equal('pinEntry');
  expect(sent).to.have.length(before);
  expect(model.setMode(Mode.visual)).to.equal('busy');
});

test('PR-3.3-3 setMode to another mode while the patient chooses a method is busy: same mode, same txId', async () => {
  const { model, act, of, sent } = setup();
  await act(() => model.placeCard('normal'));
  const first = of('cardPlaced')[0]!.txId;
  const before = sent.length;
  let status: string | undefined;
  await act(() => void (status = model.setMode(Mode.pinOnly)));
  expect(status).to.equal('busy');
  expect(model.mode).to.equal('unattended');
  expect(model.state).to.equal('methodSelect');
  expect(model.txId).to.equal(first);
  expect(sent).to.have.length(before);
});

test('PR-3.4-3 after a power cycle a card still on the reader is read once the host has set the mode', async () => {
  const { model, act, of, names, clear } = setup();
  await act(() => void model.setMode(Mode.pinOnly));
  await act(() => model.placeCard('normal'));
  const first = Number(of('cardPlaced')[0]!.txId);
  clear();
  await act(() => model.powerOn(7));
  expect(names()).to.deep.equal(['readerReset', 'screenShown']);
  expect(model.mode).to.equal('unattended');
  expect(model.status()).to.include({ state: ReaderState.idle, cardPresent: 1 });
  let status: string | undefined;
  await act(() => void (status = model.setMode(Mode.pinOnly)));
  expect(status).to.equal('ok');
  expect(of('cardPlaced').map((f) => f.txId)).to.deep.equal([first + 1]);
  expect(model.state).to.equal('pinEntry');
  expect(of('methodChosen')[0]).to.include({ method: Method.pin });
});

test('PR-3.4-3 after a power cycle a setMode to the factory mode also reads the card', async () => {
  const { model, act, of, clear } = setup();
  await act(() => model.placeCard('normal'));
  clear();
  await act(() => model.powerOn(1));
  await act(() => void expect(model.setMode(Mode.unattended)).to.equal('ok'));
  expect(of('cardPlaced')).to.have.length(1);
  expect(model.state).to.equal('methodSelect');
});

test('PR-3.3-7 reset mid-flow ends that transaction with identityFailed cancelled, after the response', async () => {
  const { model, act, of, names, clear, visit } = setup();
  await visit('normal', 'pin');
  const tx = model.txId;
  clear();
  let sentBeforeReturn = -1;
  await act(() => {
    expect(model.reset()).to.equal('ok');
    sentBeforeReturn = names().length;
  });
  expect(sentBeforeReturn).to.equal(0);
  expect(of('identityFailed')).to.deep.equal([{ txId: tx, reason: FailReason.cancelled }]);
  expect(model.state).to.equal('halted');
  expect(model.screen).to.equal('callStaff');
});

test('PR-3.3-7 reset after the outcome (consent, complete, halted) sends no second outcome', async () => {
  for (const to of ['consent', 'complete', 'halted'] as const) {
    const { model, act, of, clear } = setup();
    await act(() => model.placeCard(to === 'halted' ? 'certExpired' : 'normal'));
    if (to !== 'halted') {
      await act(() => model.chooseMethod('face'));
      await act(() => model.presentFace());
      if (to === 'complete') await act(() => model.answerConsent('all'));
    }
    expect(model.state).to.equal(to);
    clear();
    await act(() => void model.reset());
    expect(of('identityFailed'), to).to.have.length(0);
    expect(of('identityConfirmed'), to).to.have.length(0);
  }
});

test('PR-3.4-2 a 顔認証マイナンバーカード in 暗証番号認証固定 fails with its own reason noPin, not pinLocked', async () => {
  const { model, act, of, screens } = setup();
  model.setMode(Mode.pinOnly);
  await act(() => model.placeCard('faceAuthCard'));
  expect(of('identityFailed')).to.deep.equal([{ txId: model.txId, reason: FailReason.noPin }]);
  expect(screens()).to.not.include(screenId('pinLocked'));
  expect(model.screen).to.equal('callStaff');
});
