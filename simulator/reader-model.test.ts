import { test } from 'node:test';
import { expect } from 'chai';
import { FailReason, Method } from '../src/protocol';
import { PIN_MAX_TRIES } from './cards';
import { EmulatorError } from './errors';
import { rejectedCode, screenId, setup, thrownCode } from './test-model';
import { realTimerDelays } from '../src/time/test-timers';

// ---- face path by card profile ----------------------------------------------------------------

test('normal card: face matches, identity confirmed by face, consent screen', async () => {
  const { model, of, act } = setup();
  await act(() => model.placeCard('normal'));
  expect(model.state).to.equal('methodSelect');
  await act(() => model.chooseMethod('face'));
  expect(model.screen).to.equal('lookAtCamera');
  await act(() => model.presentFace());
  const face = of('faceResult');
  expect(face).to.have.length(1);
  expect(face[0]).to.include({ matched: 1, attempt: 1 });
  const confirmed = of('identityConfirmed');
  expect(confirmed).to.have.length(1);
  expect(confirmed[0]).to.include({ method: Method.face, txId: model.txId, cardId: model.card!.cardId, checkId: 0 });
  expect(of('identityFailed')).to.have.length(0);
  expect(model.state).to.equal('consent');
});

for (const profile of ['faceChangedSurgery', 'infant', 'bandaged'] as const) {
  test(`${profile}: face mismatch shows 照合エラー, then falls back to PIN entry in 無人運転`, async () => {
    const { model, of, screens, act, clear, visit } = setup();
    await visit(profile, 'face');
    clear();
    await act(() => model.presentFace());
    expect(of('faceResult')[0]).to.include({ matched: 0 });
    expect(screens()).to.deep.equal([screenId('matchError'), screenId('enterPin')]);
    expect(of('methodChosen')).to.deep.equal([{ txId: model.txId, method: Method.pin }]);
    expect(of('identityConfirmed')).to.have.length(0);
    expect(of('identityFailed')).to.have.length(0);
    expect(model.state).to.equal('pinEntry');
    // and the fallback really works
    await act(() => model.enterPin('4729'));
    expect(of('identityConfirmed')[0]).to.include({ method: Method.pin });
  });
}

test('pinLocked card: face mismatch has no PIN fallback; identityFailed faceMismatch, 暗証番号ロック screen', async () => {
  const { model, of, screens, act, clear, visit } = setup();
  await visit('pinLocked', 'face');
  clear();
  await act(() => model.presentFace('bandage'));
  expect(of('faceResult')[0]).to.include({ matched: 0 });
  expect(of('methodChosen')).to.have.length(0);
  expect(of('identityFailed')).to.deep.equal([{ txId: model.txId, reason: FailReason.faceMismatch }]);
  expect(screens()).to.deep.equal([screenId('matchError'), screenId('pinLocked'), screenId('callStaff')]);
  expect(model.state).to.equal('halted');
});

test('PR-3.4-2 faceAuthCard: face mismatch has no PIN fallback (the card has no PIN); identityFailed', async () => {
  const { model, of, act, clear } = setup();
  await act(() => model.placeCard('faceAuthCard'));
  expect(thrownCode(() => model.chooseMethod('pin'))).to.equal('EMU_ERR_NOT_OFFERED');
  await act(() => model.chooseMethod('face'));
  clear();
  await act(() => model.presentFace('otherPerson'));
  expect(of('methodChosen')).to.have.length(0);
  expect(of('identityFailed')).to.deep.equal([{ txId: model.txId, reason: FailReason.faceMismatch }]);
  expect(model.state).to.equal('halted');
  expect(model.screen).to.equal('callStaff');
});

// ---- PIN counter ------------------------------------------------------------------------------

test('three consecutive wrong PINs lock the card', async () => {
  const { model, of, act, visit } = setup();
  await visit('normal', 'pin');
  await act(() => model.enterPin('0000'));
  await act(() => model.enterPin('0000'));
  expect(model.state).to.equal('pinEntry');
  expect(of('identityFailed')).to.have.length(0);
  await act(() => model.enterPin('0000'));
  expect(of('pinResult').map((f) => f.triesLeft)).to.deep.equal([2, 1, 0]);
  expect(of('identityFailed')).to.deep.equal([{ txId: model.txId, reason: FailReason.pinLocked }]);
  expect(model.card!.pinFailures).to.equal(PIN_MAX_TRIES);
  expect(model.card!.pinLocked).to.equal(true);
  expect(model.state).to.equal('halted');
});

test('the PIN counter carries over between placements of the same card', async () => {
  const { model, of, act, visit } = setup();
  await visit('normal', 'pin');
  await act(() => model.enterPin('0000'));
  await act(() => model.removeCard());
  await visit('normal', 'pin');
  await act(() => model.enterPin('1111'));
  await act(() => model.enterPin('2222'));
  expect(of('pinResult').map((f) => f.triesLeft)).to.deep.equal([2, 1, 0]);
  expect(of('identityFailed').at(-1)).to.include({ reason: FailReason.pinLocked });
  // A different card is not affected.
  expect(model.wallet.get('faceChangedSurgery').pinFailures).to.equal(0);
  // Still locked on the next visit: choosing the PIN ends at once, without a PIN pad.
  await act(() => model.removeCard());
  await visit('normal', 'pin');
  expect(model.state).to.equal('halted');
  expect(of('identityFailed').at(-1)).to.include({ reason: FailReason.pinLocked });
});

test('a correct PIN resets the counter to 0, and that carries over too', async () => {
  const { model, of, act } = setup();
  await act(() => model.placeCard('pinTwoFailures'));
  expect(model.card!.pinFailures).to.equal(2);
  await act(() => model.chooseMethod('pin'));
  await act(() => model.enterPin('4729'));
  expect(of('pinResult')).to.deep.equal([{ txId: model.txId, ok: 1, triesLeft: PIN_MAX_TRIES }]);
  expect(model.card!.pinFailures).to.equal(0);
  await act(() => model.removeCard());
  await act(() => model.placeCard('pinTwoFailures'));
  expect(model.card!.pinFailures).to.equal(0);
  await act(() => model.chooseMethod('pin'));
  await act(() => model.enterPin('0000'));
  expect(of('pinResult').at(-1)).to.include({ ok: 0, triesLeft: 2 });
  expect(model.state).to.equal('pinEntry');
});

// ---- stimuli a patient cannot perform ---------------------------------------------------------

test('impossible stimuli are refused with coded EmulatorErrors and change nothing', async () => {
  const { clock, model, sent, act } = setup();
  expect(thrownCode(() => model.placeCard('passport'))).to.equal('EMU_ERR_UNKNOWN_PROFILE');
  expect(thrownCode(() => model.removeCard())).to.equal('EMU_ERR_NO_CARD');
  expect(thrownCode(() => model.chooseMethod('face'))).to.equal('EMU_ERR_NO_CARD');
  expect(await rejectedCode(clock.resolve(model.enterPin('4729')))).to.equal('EMU_ERR_NO_CARD');
  expect(sent).to.have.length(0);
  expect(model.state).to.equal('idle');
  expect(model.card).to.equal(null);

  await act(() => model.placeCard('normal'));
  const tx = model.txId;
  expect(thrownCode(() => model.placeCard('infant'))).to.equal('EMU_ERR_CARD_PRESENT');
  expect(model.card!.profileName).to.equal('normal');
  expect(model.txId).to.equal(tx);

  await act(() => model.chooseMethod('pin'));
  const count = sent.length;
  for (const bad of ['123', '12345', '12a4', '', '١٢٣٤']) {
    expect(await rejectedCode(clock.resolve(model.enterPin(bad))), bad).to.equal('EMU_ERR_BAD_PIN_FORMAT');
  }
  expect(sent).to.have.length(count);
  expect(model.card!.pinFailures).to.equal(0);
});

test('an unknown face condition is refused with EMU_ERR_UNKNOWN_CONDITION before any capture', async () => {
  const { clock, model, sent, visit } = setup();
  await visit('normal', 'face');
  const count = sent.length;
  const t0 = clock.now();
  const err = await clock.resolve(model.presentFace('sunglasses')).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).to.be.instanceOf(EmulatorError);
  expect(err).to.have.property('code', 'EMU_ERR_UNKNOWN_CONDITION');
  expect((err as Error).message).to.include('sunglasses');
  expect(clock.pending()).to.deep.equal([]);
  expect(clock.now()).to.equal(t0);
  expect(sent).to.have.length(count);
  expect(model.state).to.equal('faceCapture');
});

// ---- face threshold ---------------------------------------------------------------------------

test('the face threshold decides the outcome: threshold 0 turns a mismatch into a match', async () => {
  async function run(faceThreshold: number | undefined) {
    const { model, of, act, visit } = setup(faceThreshold === undefined ? {} : { faceThreshold });
    await visit('faceChangedSurgery', 'face');
    await act(() => model.presentFace());
    return { face: of('faceResult')[0], confirmed: of('identityConfirmed'), state: model.state };
  }
  const strict = await run(undefined);
  expect(strict.face).to.include({ matched: 0, score: 31 });
  expect(strict.confirmed).to.have.length(0);

  const lax = await run(0);
  expect(lax.face).to.include({ matched: 1, score: 31 });
  expect(lax.confirmed).to.have.length(1);
  expect(lax.confirmed[0]).to.include({ method: Method.face });
  expect(lax.state).to.equal('consent');

  const exact = await run(31);
  expect(exact.face).to.include({ matched: 1 });
  const above = await run(32);
  expect(above.face).to.include({ matched: 0 });
});

// ---- device time ------------------------------------------------------------------------------

test('presentFace takes exactly timing.faceCaptureMs of virtual time', async () => {
  const { clock, model, visit } = setup();
  await visit('normal', 'face');
  const t0 = clock.now();
  const face = model.presentFace();
  expect(clock.pending()).to.deep.equal(['face capture']);
  await clock.resolve(face);
  expect(clock.now() - t0).to.equal(model.timing.faceCaptureMs);
  expect(model.timing.faceCaptureMs).to.equal(1500);
});

test('a mismatch costs capture plus the 照合エラー screen time, all virtual', async () => {
  const { clock, model, visit } = setup();
  await visit('infant', 'face');
  const t0 = clock.now();
  await clock.resolve(model.presentFace());
  expect(clock.now() - t0).to.equal(model.timing.faceCaptureMs + model.timing.transientScreenMs);
});

test('device delays cost no real time, however long they are', async () => {
  const hour = 3_600_000;
  const { clock, model, visit } = setup({ timing: { faceCaptureMs: hour, pinVerifyMs: hour, transientScreenMs: hour } });
  const t0 = clock.now();
  const { delays } = await realTimerDelays(async () => {
    await visit('bandaged', 'face');
    await clock.resolve(model.presentFace(), 3 * hour);
    await clock.resolve(model.enterPin('4729'), 3 * hour);
  });
  expect(clock.now() - t0).to.equal(3 * hour);
  expect(model.state).to.equal('consent');
  expect(delays.filter((ms) => ms >= hour)).to.deep.equal([]); // no real timer waits for a device delay
});

test('timing options override the defaults one by one', () => {
  const { model } = setup({ timing: { pinVerifyMs: 5 } });
  expect(model.timing).to.deep.equal({ faceCaptureMs: 1500, pinVerifyMs: 5, certReadMs: 400, transientScreenMs: 2000 });
});
