import { test } from 'node:test';
import { expect } from 'chai';
import { FailReason, Method, Mode, ReaderState, SCREENS, type EventName, type ScreenName } from '../src/protocol';
import { VirtualClock } from '../src/time/virtual-clock';
import { PIN_MAX_TRIES } from './cards';
import { EmulatorError } from './errors';
import { ReaderModel, type ModelOptions } from './reader-model';

interface Sent {
  name: EventName;
  fields: Record<string, number | string>;
}

function setup(opts: Partial<ModelOptions> = {}) {
  const clock = new VirtualClock(Date.UTC(2026, 10, 24, 0, 30));
  const model = new ReaderModel({ clock, ...opts });
  const sent: Sent[] = [];
  model.attach((name, fields) => sent.push({ name, fields: fields as Record<string, number | string> }));
  const names = () => sent.map((e) => e.name);
  const of = (name: EventName) => sent.filter((e) => e.name === name).map((e) => e.fields);
  const screens = () => of('screenShown').map((f) => f.screen);
  const clear = () => sent.splice(0);
  /** Runs a stimulus and lets every device delay it starts play out on virtual time. */
  const act = async (fn: () => void | Promise<void>) => {
    await clock.resolve(Promise.resolve().then(fn));
    await clock.runUntilIdle();
  };
  return { clock, model, sent, names, of, screens, clear, act };
}

const screenId = (name: ScreenName) => SCREENS[name].id;

function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(EmulatorError);
    return (e as EmulatorError).code;
  }
  return undefined;
}

async function rejectedCode(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(EmulatorError);
    return (e as EmulatorError).code;
  }
  return undefined;
}

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
    const { model, of, screens, act, clear } = setup();
    await act(() => model.placeCard(profile));
    await act(() => model.chooseMethod('face'));
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
  const { model, of, screens, act, clear } = setup();
  await act(() => model.placeCard('pinLocked'));
  await act(() => model.chooseMethod('face'));
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
  const { model, of, act } = setup();
  await act(() => model.placeCard('normal'));
  await act(() => model.chooseMethod('pin'));
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
  const { model, of, act } = setup();
  await act(() => model.placeCard('normal'));
  await act(() => model.chooseMethod('pin'));
  await act(() => model.enterPin('0000'));
  await act(() => model.removeCard());
  await act(() => model.placeCard('normal'));
  await act(() => model.chooseMethod('pin'));
  await act(() => model.enterPin('1111'));
  await act(() => model.enterPin('2222'));
  expect(of('pinResult').map((f) => f.triesLeft)).to.deep.equal([2, 1, 0]);
  expect(of('identityFailed').at(-1)).to.include({ reason: FailReason.pinLocked });
  // A different card is not affected.
  expect(model.wallet.get('faceChangedSurgery').pinFailures).to.equal(0);
  // Still locked on the next visit: choosing the PIN ends at once, without a PIN pad.
  await act(() => model.removeCard());
  await act(() => model.placeCard('normal'));
  await act(() => model.chooseMethod('pin'));
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
  const { clock, model, sent, act } = setup();
  await act(() => model.placeCard('normal'));
  await act(() => model.chooseMethod('face'));
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
    const { model, of, act } = setup(faceThreshold === undefined ? {} : { faceThreshold });
    await act(() => model.placeCard('faceChangedSurgery'));
    await act(() => model.chooseMethod('face'));
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
  const { clock, model, act } = setup();
  await act(() => model.placeCard('normal'));
  await act(() => model.chooseMethod('face'));
  const t0 = clock.now();
  const face = model.presentFace();
  expect(clock.pending()).to.deep.equal(['face capture']);
  await clock.resolve(face);
  expect(clock.now() - t0).to.equal(model.timing.faceCaptureMs);
  expect(model.timing.faceCaptureMs).to.equal(1500);
});

test('a mismatch costs capture plus the 照合エラー screen time, all virtual', async () => {
  const { clock, model, act } = setup();
  await act(() => model.placeCard('infant'));
  await act(() => model.chooseMethod('face'));
  const t0 = clock.now();
  await clock.resolve(model.presentFace());
  expect(clock.now() - t0).to.equal(model.timing.faceCaptureMs + model.timing.transientScreenMs);
});

test('device delays cost no real time, however long they are', async () => {
  const hour = 3_600_000;
  const { clock, model, act } = setup({ timing: { faceCaptureMs: hour, pinVerifyMs: hour, transientScreenMs: hour } });
  const realStart = performance.now();
  const t0 = clock.now();
  await act(() => model.placeCard('bandaged'));
  await act(() => model.chooseMethod('face'));
  await clock.resolve(model.presentFace(), 3 * hour);
  await clock.resolve(model.enterPin('4729'), 3 * hour);
  expect(clock.now() - t0).to.equal(3 * hour);
  expect(model.state).to.equal('consent');
  expect(performance.now() - realStart).to.be.below(10_000);
});

test('timing options override the defaults one by one', () => {
  const { model } = setup({ timing: { pinVerifyMs: 5 } });
  expect(model.timing).to.deep.equal({ faceCaptureMs: 1500, pinVerifyMs: 5, certReadMs: 400, transientScreenMs: 2000 });
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
  const { model, act, sent } = setup();
  await act(() => model.placeCard('normal'));
  await act(() => model.chooseMethod('pin'));
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
  const { model, act, of, names, clear } = setup();
  await act(() => model.placeCard('normal'));
  await act(() => model.chooseMethod('pin'));
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
