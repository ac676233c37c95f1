import { test } from 'node:test';
import { expect } from 'chai';
import { AccountDirectory } from '../reader/accounts';
import { createLogger, logTerminalEvents } from '../log';
import { basic, testServer } from './test-server';

// PUT/GET /api/visual-password: the reader-side 目視確認's facility password (issue 13 part 1).

const ADMIN = basic('admin', 'admin-secret-1');
const STAFF = basic('staff', 'staff-secret-1');
const PASSWORD = 'Api-Synthetic-Facility-1';
const accounts = new AccountDirectory();
accounts.add('admin', 'admin-secret-1', 'admin');
accounts.add('staff', 'staff-secret-1', 'general');

test('an administrator sets the 目視モード用パスワード; others are refused with a code and nothing changes', async (t) => {
  const lines: string[] = [];
  const logger = createLogger({ level: 'trace', destination: { write: (l: string) => void lines.push(l) } });
  const { call, terminal, reader } = await testServer(t, accounts, { emulated: true, loggerInstance: logger });
  const stop = logTerminalEvents(terminal, logger);
  t.after(stop);
  expect((await call('GET', '/api/visual-password', { auth: STAFF })).body).to.include({ set: false, maxWrong: 5, lockMinutes: 10 });
  const refused = [
    await call('PUT', '/api/visual-password', { auth: STAFF, body: { password: PASSWORD } }),
    await call('PUT', '/api/visual-password', { auth: ADMIN, body: { password: 'short' } }),
    await call('PUT', '/api/visual-password', { auth: ADMIN, body: { password: PASSWORD, maxWrong: 11 } }),
    await call('PUT', '/api/visual-password', { auth: ADMIN, body: { password: PASSWORD, extra: 1 } }),
  ];
  expect(refused.map((r) => [r.status, r.body.code])).to.deep.equal([
    [403, 'OQS_ERR_ADMIN_REQUIRED'],
    [400, 'OQS_ERR_BAD_REQUEST'],
    [400, 'OQS_ERR_BAD_REQUEST'],
    [400, 'OQS_ERR_BAD_REQUEST'],
  ]);
  expect(terminal.visualPassword().set).to.equal(false);
  const ok = await call('PUT', '/api/visual-password', { auth: ADMIN, body: { password: PASSWORD, maxWrong: 3, lockMinutes: 20 } });
  expect(ok.status).to.equal(200);
  expect(ok.body).to.include({ set: true, maxWrong: 3, lockMinutes: 20, setBy: 'admin' });
  expect(Object.keys(ok.body)).not.to.include.members(['salt', 'verifier', 'password']);
  expect(reader.model.visualPassword.configured).to.equal(true);
  const status = await call('GET', '/api/status');
  expect(status.body.visualPassword).to.include({ set: true });
  // Typed on the reader through the emulator's API, too: in no log line.
  await call('POST', '/api/emulator/stimulus', { auth: ADMIN, body: { action: 'placeCard' } });
  await call('POST', '/api/emulator/stimulus', { auth: ADMIN, body: { action: 'chooseVisualCheck' } });
  const typed = await call('POST', '/api/emulator/stimulus', { auth: ADMIN, body: { action: 'enterFacilityPassword', password: PASSWORD } });
  expect(typed.status).to.be.below(300);
  expect(reader.model.state).to.equal('visualConfirm');
  expect(lines.length).to.be.above(0);
  for (const l of lines) expect(l).not.to.include(PASSWORD);
});

test('the operation screen sets it too (POST /api/screen/actions setVisualPassword): notice or coded error, the view never holds it', async (t) => {
  const { call, terminal } = await testServer(t, accounts, { emulated: true });
  const before = await call('GET', '/api/screen', { auth: ADMIN });
  expect(before.body.visualPassword).to.deep.equal({ set: false, text: '目視モード用パスワード：未設定（リーダーでの目視確認は使えません）', canSet: true });
  const staff = await call('POST', '/api/screen/actions', { auth: STAFF, body: { action: 'setVisualPassword', password: PASSWORD } });
  expect(staff.status).to.equal(200);
  expect(staff.body.error).to.include({ code: 'OQS_ERR_ADMIN_REQUIRED', field: 'visualPassword' });
  expect((staff.body.visualPassword as Record<string, unknown>).canSet).to.equal(false);
  const short = await call('POST', '/api/screen/actions', { auth: ADMIN, body: { action: 'setVisualPassword', password: 'abc' } });
  expect(short.body.error).to.include({ code: 'OQS_ERR_BAD_REQUEST', field: 'visualPassword' });
  expect(terminal.visualPassword().set).to.equal(false);
  const ok = await call('POST', '/api/screen/actions', {
    auth: ADMIN,
    body: { action: 'setVisualPassword', password: PASSWORD, maxWrong: 4, lockMinutes: 30 },
  });
  expect(ok.body.error).to.equal(null);
  expect(ok.body.notice).to.match(/目視モード用パスワードを設定しました/);
  expect(ok.body.visualPassword).to.include({ set: true, text: '目視モード用パスワード：設定済み（4回続けて誤るとリーダーでの目視確認を30分間ロック）' });
  expect(ok.text).not.to.include(PASSWORD);
});
