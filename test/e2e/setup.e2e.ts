/** First start in the browser: the one-time setup token creates the administrator. */
import { test } from 'node:test';
import { expect } from 'chai';
import { login, screen, shot, startE2e, textOf } from './harness';

test('初回セットアップ: a fresh product without accounts shows the setup view; the setup token creates the administrator', async (t) => {
  const { product, url, page } = await startE2e(t);
  const s = screen(page);
  expect(product.setupToken, 'startProduct returns the one-time setup token').to.be.a('string').and.not.equal('');
  await page.goto(url);
  await s.heading('初回セットアップ').waitFor();
  await shot(page, 'setup');

  const form = page.getByRole('region', { name: '初回セットアップ' });
  await form.getByLabel('セットアップトークン').fill('not-the-token');
  await form.getByLabel('管理者アカウント').fill('kanri');
  await form.getByLabel('パスワード', { exact: true }).fill('kanri-pass-1');
  await form.getByRole('button', { name: '管理者アカウントを作成する' }).click();
  await page.locator('#setup-error').waitFor();
  expect(await textOf(page.locator('#setup-error')))
    .to.contain('セットアップトークンが違います')
    .and.contain('OQS_ERR_SETUP_TOKEN');
  expect(await s.heading('初回セットアップ').isVisible()).to.equal(true);

  await form.getByLabel('セットアップトークン').fill(product.setupToken ?? '');
  await form.getByLabel('パスワード', { exact: true }).fill('kanri-pass-1');
  await form.getByRole('button', { name: '管理者アカウントを作成する' }).click();
  await s.heading('メニュー').waitFor();
  expect(await textOf(page.locator('#who'))).to.equal('kanri（管理者）');

  // The account is real: log out and back in; the setup view is not offered again.
  await page.getByRole('button', { name: 'ログアウト' }).click();
  await s.heading('ログイン').waitFor();
  await page.reload();
  await s.heading('ログイン').waitFor();
  await login(page, 'kanri', 'kanri-pass-1');
  await page.getByRole('button', { name: '顔認証付きカードリーダー操作' }).click();
  await s.modeButton('無人運転').and(page.locator('[aria-pressed="true"]')).waitFor();
});
