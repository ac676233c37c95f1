/**
 * The 目視モード用パスワード of the reader-side 目視確認 (the 2025 flow) on the real page: 管理者
 * sets it in 《リーダーでの目視確認》, a refusal shows beside the form, and the page does not keep the
 * password (the state directory keeps only a verifier: src/reader/terminal-visual-password.test.ts). Run with: sh scripts/test-e2e.sh
 */
import { test } from 'node:test';
import { expect } from 'chai';
import { eventually, login, patient, screen, shot, startE2e, textOf } from './harness';

const ADMIN_PASSWORD = 'kanri-e2e-pass';
const FACILITY_PASSWORD = 'E2e-Synthetic-Mokushi-7';

test('管理者 sets the 目視モード用パスワード on the page; a short one is refused in Japanese; only a verifier is kept', async (t) => {
  const { product, url, page } = await startE2e(t, { adminPassword: ADMIN_PASSWORD });
  await page.goto(url);
  await login(page, 'admin', ADMIN_PASSWORD);
  await page.getByRole('button', { name: '顔認証付きカードリーダー操作' }).click();
  await screen(page).heading('顔認証付きカードリーダー操作').waitFor();
  const panel = page.getByRole('region', { name: 'リーダーでの目視確認（目視モード用パスワード）' });
  expect(await textOf(panel.locator('#vpw-status'))).to.equal('目視モード用パスワード：未設定（リーダーでの目視確認は使えません）');
  const field = panel.getByLabel('新しい目視モード用パスワード（6〜64文字）');

  await field.fill('abc');
  await panel.getByRole('button', { name: '設定する' }).click();
  await panel.getByRole('alert').waitFor();
  expect(await textOf(panel.getByRole('alert'))).to.contain('OQS_ERR_BAD_REQUEST');
  expect(product.terminal.visualPassword().set).to.equal(false);

  await field.fill(FACILITY_PASSWORD);
  await panel.getByRole('button', { name: '設定する' }).click();
  await eventually(async () =>
    expect(await textOf(panel.locator('#vpw-status'))).to.equal('目視モード用パスワード：設定済み（5回続けて誤るとリーダーでの目視確認を10分間ロック）'),
  );
  expect(await field.inputValue()).to.equal('');
  expect(await panel.getByRole('alert').isHidden()).to.equal(true);
  expect(product.terminal.visualPassword()).to.include({ set: true, setBy: 'admin' });
  expect(await page.content()).not.to.contain(FACILITY_PASSWORD);
  await shot(page, 'visual-password-set');

  // At the reader, through the emulator panel: a wrong password is refused, the right one lets the
  // staff confirm by sight; the record is a 目視確認 and the terminal's mode stays 無人運転.
  const p = patient(page);
  await p.placeCard('通常');
  await p.chooseVisualCheck();
  await p.enterFacilityPassword('not-the-password');
  await p.enterFacilityPassword(FACILITY_PASSWORD);
  expect(await screen(page).emulator().getByLabel('目視モード用パスワード', { exact: true }).inputValue()).to.equal('');
  await p.confirmVisually();
  await p.consentAll();
  await p.removeCard();
  const s = screen(page);
  await eventually(async () => expect(await s.records().getByRole('row').filter({ hasText: '目視確認' }).count()).to.equal(1));
  expect(await textOf(s.modeGroup().getByRole('button', { pressed: true }))).to.contain('無人運転');
  expect(await page.content()).not.to.contain(FACILITY_PASSWORD);
  await shot(page, 'visual-check-on-reader-done');
});
