import { test } from 'node:test';
import { expect } from 'chai';
import { AccountDirectory } from '../reader/accounts';
import { basic, testServer } from './test-server';

const ADMIN = basic('admin', 'admin-secret-1');
const STAFF = basic('staff', 'staff-secret-1');

// Accounts are hashed with scrypt once for the whole file.
const accounts = new AccountDirectory();
accounts.add('admin', 'admin-secret-1', 'admin');
accounts.add('staff', 'staff-secret-1', 'general');

type Call = (
  method: 'GET' | 'PUT' | 'POST' | 'DELETE',
  url: string,
  opts?: { auth?: string; body?: unknown; raw?: string },
) => Promise<{ status: number; body: Record<string, unknown> }>;

async function setup(t: { after: (fn: () => Promise<void>) => void }) {
  const s = await testServer(t, accounts, { emulated: true });
  return { ...s, call: s.call as Call };
}

test('status shows 無人運転 and the reader identity', async (t) => {
  const { call } = await setup(t);
  const r = await call('GET', '/api/status');
  expect(r.status).to.equal(200);
  expect(r.body).to.include({ mode: 'unattended', modeLabel: '無人運転' });
  expect((r.body.readers as Array<Record<string, unknown>>)[0]).to.include({ vendor: 'OQS Emulated', serial: 'EMU-0001' });
});

test('negative battery: each refusal is coded and changes nothing', async (t) => {
  const { call, terminal } = await setup(t);
  const cases: Array<[string, Parameters<typeof call>, number, string]> = [
    ['no credential', ['PUT', '/api/mode', { body: { mode: 'visual' } }], 401, 'OQS_ERR_UNAUTHENTICATED'],
    ['wrong password', ['PUT', '/api/mode', { auth: basic('admin', 'nope-nope'), body: { mode: 'visual' } }], 401, 'OQS_ERR_BAD_CREDENTIALS'],
    ['unknown account', ['PUT', '/api/mode', { auth: basic('ghost', 'whatever1'), body: { mode: 'visual' } }], 401, 'OQS_ERR_BAD_CREDENTIALS'],
    ['general account', ['PUT', '/api/mode', { auth: STAFF, body: { mode: 'visual' } }], 403, 'OQS_ERR_ADMIN_REQUIRED'],
    ['unknown mode', ['PUT', '/api/mode', { auth: ADMIN, body: { mode: 'turbo' } }], 400, 'OQS_ERR_UNKNOWN_MODE'],
    ['missing mode', ['PUT', '/api/mode', { auth: ADMIN, body: {} }], 400, 'OQS_ERR_BAD_REQUEST'],
    ['extra field', ['PUT', '/api/mode', { auth: ADMIN, body: { mode: 'visual', force: true } }], 400, 'OQS_ERR_BAD_REQUEST'],
    ['malformed JSON', ['PUT', '/api/mode', { auth: ADMIN, raw: '{"mode":' }], 400, 'OQS_ERR_BAD_REQUEST'],
    ['oversized body', ['PUT', '/api/mode', { auth: ADMIN, raw: JSON.stringify({ mode: 'x'.repeat(20_000) }) }], 413, 'OQS_ERR_BODY_TOO_LARGE'],
    ['visual check outside 目視確認', ['POST', '/api/visual-check', { auth: ADMIN, body: { visuallyConfirmed: true } }], 409, 'OQS_ERR_NOT_VISUAL_MODE'],
    ['unknown route', ['GET', '/api/nothing'], 404, 'OQS_ERR_NOT_FOUND'],
  ];
  for (const [name, args, status, code] of cases) {
    const r = await call(...args);
    expect(r.status, name).to.equal(status);
    expect(r.body.code, name).to.equal(code);
    expect(r.body.message, name).to.be.a('string').and.not.be.empty;
  }
  expect(terminal.mode).to.equal('unattended');
  expect(terminal.modeChanges()).to.have.length(0);
});

test('administrator switches to 目視確認 and does a visual check through the API', async (t) => {
  const { call, terminal } = await setup(t);
  expect((await call('PUT', '/api/mode', { auth: ADMIN, body: { mode: 'visual' } })).status).to.equal(200);
  for (const bad of ['2020-10-30', '2020/1/3', '2020/02/30', '']) {
    const r = await call('POST', '/api/visual-check', { auth: STAFF, body: { confirmationDate: bad, visuallyConfirmed: true } });
    expect(r.status, bad).to.equal(400);
    expect(r.body.code, bad).to.equal('OQS_ERR_DATE_FORMAT');
    expect(terminal.visual.view().state).to.equal('idle');
  }
  const unchecked = await call('POST', '/api/visual-check', { auth: STAFF, body: { confirmationDate: '2026/11/20', visuallyConfirmed: false } });
  expect(unchecked.body.code).to.equal('OQS_ERR_NOT_VISUALLY_CONFIRMED');
  const early = await call('POST', '/api/visual-check/confirm', { auth: STAFF });
  expect(early.body.code).to.equal('OQS_ERR_VISUAL_CHECK_STATE');

  expect((await call('POST', '/api/visual-check', { auth: STAFF, body: { confirmationDate: '2026/11/20', visuallyConfirmed: true } })).status).to.equal(200);
  await call('POST', '/api/emulator/stimulus', { auth: STAFF, body: { action: 'placeCard', profile: 'infant' } });
  expect(terminal.visual.view().state).to.equal('awaitingConfirmation');
  const confirmed = await call('POST', '/api/visual-check/confirm', { auth: STAFF });
  expect(confirmed.status).to.equal(200);
  expect(confirmed.body.record).to.include({ method: 'visual', confirmationDate: '2026/11/20', operator: 'staff', outcome: 'confirmed' });
  expect((await call('POST', '/api/visual-check/complete', { auth: STAFF })).body.visualCheck).to.include({ state: 'idle' });
  expect((await call('GET', '/api/records', { auth: STAFF })).body.records).to.have.length(1);
  expect((await call('GET', '/api/records?day=today', { auth: STAFF })).body.records).to.have.length(1);
  expect((await call('GET', '/api/records')).status).to.equal(401);
});

test('emulator stimulus refusals are coded', async (t) => {
  const { call } = await setup(t);
  const r = await call('POST', '/api/emulator/stimulus', { body: { action: 'teleport' } });
  expect(r.status).to.equal(400);
  expect(r.body.code).to.equal('OQS_ERR_BAD_REQUEST');
});

test("a patient's act the reader refuses is the table's OQS_ERR_STIMULUS_REFUSED, the emulator's reason in both languages, the caller's fault", async (t) => {
  const { call } = await setup(t);
  expect((await call('POST', '/api/emulator/stimulus', { auth: STAFF, body: { action: 'placeCard', profile: 'normal' } })).status).to.equal(200);
  const r = await call('POST', '/api/emulator/stimulus', { auth: STAFF, body: { action: 'placeCard', profile: 'normal' } });
  expect([r.status, r.body.code, r.body.fault]).to.deep.equal([409, 'OQS_ERR_STIMULUS_REFUSED', 'caller']);
  expect(r.body.message).to.equal('the emulated reader refused the stimulus (EMU_ERR_CARD_PRESENT): a card is already on the reader; remove it first');
  expect(r.body.messageJa).to.equal('リーダーは今その操作を受け付けません：カードが既に置かれています。先にカードを取ってください');
});

test("the stimulus body is the emulator's one schema (simulator/stimulus.ts, handed over by the assembly)", async (t) => {
  const { call } = await setup(t);
  const missingPin = await call('POST', '/api/emulator/stimulus', { auth: STAFF, body: { action: 'enterPin' } });
  expect([missingPin.status, missingPin.body.code]).to.deep.equal([400, 'OQS_ERR_BAD_REQUEST']);
  // The emulator's words for the one act named, not ajv's reasons why each of eight variants failed.
  expect(missingPin.body.message)
    .to.match(/pin/)
    .and.not.match(/must be equal to constant|anyOf/);
  const stray = await call('POST', '/api/emulator/stimulus', { auth: STAFF, body: { action: 'presentFace', profile: 'normal' } });
  expect([stray.status, stray.body.code]).to.deep.equal([400, 'OQS_ERR_BAD_REQUEST']);
  expect(stray.body.message)
    .to.match(/profile/)
    .and.not.match(/must be equal to constant|anyOf/);
  // items belong to answerConsent: past the schema, the reader itself refuses (no card on it).
  const items = await call('POST', '/api/emulator/stimulus', { auth: STAFF, body: { action: 'answerConsent', choice: 'individual', items: 5 } });
  expect([items.status, items.body.code]).to.deep.equal([409, 'OQS_ERR_STIMULUS_REFUSED']);
});
