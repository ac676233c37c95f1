import { test } from 'node:test';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { OperationScreen } from './operation-screen';
import { FileStore } from './store';
import { ADMIN, STAFF, codeOf, setup } from './test-terminal';

// Reader-side 目視確認 (issue 13 part 1): the terminal keeps and sends only a verifier.

const PASSWORD = 'synthetic-facility-pw';

test('an administrator sets the 目視モード用パスワード: the store and the reader get a verifier only', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oqs-visual-pw-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { terminal, reader, settle } = await setup(t, { store: new FileStore(dir) });
  expect(terminal.visualPassword()).to.include({ set: false, maxWrong: 5, lockMinutes: 10 });
  const view = await settle(terminal.setVisualPassword(ADMIN, { password: PASSWORD, maxWrong: 3, lockMinutes: 15 }));
  expect(view).to.include({ set: true, maxWrong: 3, lockMinutes: 15, setBy: 'admin' });
  expect(JSON.stringify(view)).not.to.include('verifier');
  expect(reader.model.visualPassword.configured).to.equal(true);
  for (const f of readdirSync(dir)) expect(readFileSync(join(dir, f), 'utf8'), f).not.to.include(PASSWORD);
  const stored = JSON.parse(readFileSync(join(dir, 'visual-password.json'), 'utf8')) as Record<string, unknown>;
  expect(Object.keys(stored).sort()).to.deep.equal(['lockMinutes', 'maxWrong', 'salt', 'setAt', 'setBy', 'verifier']);
});

test('a general account may not set it, nor a too short password or a rule out of range; nothing changes', async (t) => {
  const { terminal, reader, settle } = await setup(t);
  expect(await codeOf(settle(terminal.setVisualPassword(STAFF, { password: PASSWORD })))).to.equal('OQS_ERR_ADMIN_REQUIRED');
  expect(await codeOf(settle(terminal.setVisualPassword(ADMIN, { password: '12345' })))).to.equal('OQS_ERR_BAD_REQUEST');
  expect(await codeOf(settle(terminal.setVisualPassword(ADMIN, { password: PASSWORD, maxWrong: 0 })))).to.equal('OQS_ERR_BAD_REQUEST');
  expect(await codeOf(settle(terminal.setVisualPassword(ADMIN, { password: PASSWORD, lockMinutes: 241 })))).to.equal('OQS_ERR_BAD_REQUEST');
  expect(terminal.visualPassword().set).to.equal(false);
  expect(reader.model.visualPassword.configured).to.equal(false);
});

test('a reader attached later gets the verifier; a confirmation on the reader is recorded visual, reader-side, the mode unchanged', async (t) => {
  const { terminal, reader, settle, act, restart } = await setup(t);
  await settle(terminal.setVisualPassword(ADMIN, { password: PASSWORD }));
  reader.model.visualPassword.set({ salt: '00'.repeat(16), verifier: '00'.repeat(16), maxWrong: 5, lockMinutes: 10 });
  const { terminal: after } = await restart();
  await act(() => reader.stimulate({ action: 'placeCard' }));
  await act(() => reader.stimulate({ action: 'chooseVisualCheck' }));
  await act(() => reader.stimulate({ action: 'enterFacilityPassword', password: PASSWORD }));
  await act(() => reader.stimulate({ action: 'confirmVisually' }));
  const record = after.records().at(-1)!;
  expect(record).to.include({ outcome: 'confirmed', method: 'visual', readerSide: true, operator: null });
  expect(after.mode).to.equal('unattended');
  expect(after.modeChanges()).to.deep.equal([]);
});

test('wrong passwords up to the rule lock the reader-side check: an alert in Japanese until the lock ends', async (t) => {
  const { terminal, reader, settle, act, clock } = await setup(t);
  await settle(terminal.setVisualPassword(ADMIN, { password: PASSWORD, maxWrong: 2, lockMinutes: 10 }));
  await act(() => reader.stimulate({ action: 'placeCard' }));
  await act(() => reader.stimulate({ action: 'chooseVisualCheck' }));
  await act(() => reader.stimulate({ action: 'enterFacilityPassword', password: 'wrong-one' }));
  expect(terminal.alerts().map((a) => a.code)).not.to.include('visualPasswordLocked');
  await act(() => reader.stimulate({ action: 'enterFacilityPassword', password: 'wrong-two' }));
  const alert = terminal.alerts().find((a) => a.code === 'visualPasswordLocked')!;
  expect(alert.message).to.include('10分間ロック');
  expect(alert.path).to.equal('/dev/ttyEMU0');
  // The operation screen shows it as a banner (its Japanese text, the code beside it).
  expect(new OperationScreen(terminal, ADMIN).view().alerts).to.deep.include({ code: 'visualPasswordLocked', message: alert.message, level: 'alarm' });
  await clock.advance(10 * 60_000);
  expect(terminal.alerts().map((a) => a.code)).not.to.include('visualPasswordLocked');
});
