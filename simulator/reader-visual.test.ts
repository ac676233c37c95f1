import { test } from 'node:test';
import { expect } from 'chai';
import { Method, Mode, visualVerifier } from '../src/protocol';
import { setup, thrownCode } from './test-model';

// Reader-side 目視確認 (the 2025 flow): the facility's 目視モード用パスワード as a verifier only.

const SALT = '00112233445566778899aabbccddeeff';
const PASSWORD = 'synthetic-facility-pw';
const rule = { salt: SALT, verifier: visualVerifier(PASSWORD, SALT), maxWrong: 3, lockMinutes: 10 };

async function atMethodSelect() {
  const s = setup();
  expect(s.model.setVisualPassword(rule)).to.equal('ok');
  await s.act(() => s.model.placeCard('normal'));
  return s;
}

test('PR-3.3-8 the verifier is scrypt(password, salt, 16, N=2^14, r=8, p=1): the documented example', () => {
  expect(visualVerifier(PASSWORD, SALT)).to.equal('24b3f1f6cf76cb88de75b9ca27d77d9e');
});

test('PR-3.3-8 setVisualPassword refuses a rule of 0 wrong entries or 0 minutes', () => {
  const { model } = setup();
  expect(model.setVisualPassword({ ...rule, maxWrong: 0 })).to.equal('badArgument');
  expect(model.setVisualPassword({ ...rule, lockMinutes: 0 })).to.equal('badArgument');
  expect(model.visualPassword.configured).to.equal(false);
});

test('PR-3.4-4 right password, confirm: identityConfirmed method visualOnReader, mode unchanged', async () => {
  const { model, of, act } = await atMethodSelect();
  await act(() => model.chooseVisualCheck());
  expect(of('methodChosen').at(-1)).to.deep.equal({ txId: model.txId, method: Method.visualOnReader });
  expect(model.screen).to.equal('visualPassword');
  await act(() => model.enterFacilityPassword(PASSWORD));
  expect(of('visualPasswordResult')).to.deep.equal([{ txId: model.txId, ok: 1, triesLeft: 3, lockMinutes: 0 }]);
  expect(model.screen).to.equal('visualConfirm');
  await act(() => model.confirmVisually());
  expect(of('identityConfirmed')).to.have.length(1);
  expect(of('identityConfirmed')[0]).to.include({ method: Method.visualOnReader, checkId: 0 });
  expect(model.state).to.equal('consent');
  expect(model.mode).to.equal('unattended');
});

test('PR-3.4-4 the password is in no event', async () => {
  const { model, sent, act } = await atMethodSelect();
  await act(() => model.chooseVisualCheck());
  await act(() => model.enterFacilityPassword(PASSWORD));
  expect(JSON.stringify(sent)).not.to.include(PASSWORD);
});

test('PR-3.4-4 wrong entries count down; the last locks for lockMinutes on the clock, then 目視確認 is offered again', async () => {
  const { model, of, act, clock } = await atMethodSelect();
  await act(() => model.chooseVisualCheck());
  await act(() => model.enterFacilityPassword('wrong-1'));
  expect(model.screen).to.equal('visualPasswordWrong');
  await act(() => model.enterFacilityPassword('wrong-2'));
  await act(() => model.enterFacilityPassword('wrong-3'));
  expect(of('visualPasswordResult').map((f) => [f.ok, f.triesLeft, f.lockMinutes])).to.deep.equal([
    [0, 2, 0],
    [0, 1, 0],
    [0, 0, 10],
  ]);
  expect(model.state).to.equal('methodSelect');
  expect(model.screen).to.equal('visualPasswordLocked');
  expect(thrownCode(() => model.chooseVisualCheck())).to.equal('EMU_ERR_NOT_OFFERED');
  // Face still works for this patient.
  await act(() => model.chooseMethod('face'));
  expect(model.state).to.equal('faceCapture');
  await clock.advance(10 * 60_000);
  await act(() => model.removeCard());
  await act(() => model.placeCard('normal'));
  await act(() => model.chooseVisualCheck());
  expect(model.state).to.equal('visualPassword');
});

test('PR-3.4-4 not offered without a password set, nor outside the method choice', async () => {
  const { model, act } = setup();
  await act(() => model.placeCard('normal'));
  expect(thrownCode(() => model.chooseVisualCheck())).to.equal('EMU_ERR_NOT_OFFERED');
  model.setVisualPassword(rule);
  expect(model.setMode(Mode.visual)).to.equal('busy');
  expect(thrownCode(() => model.confirmVisually())).to.equal('EMU_ERR_NOT_OFFERED');
});
