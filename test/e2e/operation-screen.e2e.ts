/**
 * The 顔認証付きカードリーダー操作 screen in a real browser, step by step as chapter 7 of the manual
 * says (P.104 目視確認モードを利用する, P.106 目視による本人確認, P.108 無人運転モードを利用する),
 * against the whole product with its embedded emulated reader. Each manual step leaves a
 * screenshot in reports/screenshots/. Run with: sh scripts/test-e2e.sh
 */
import { test } from 'node:test';
import { expect } from 'chai';
import { todayJst } from '../../src/reader/dates';
import { eventually, login, patient, screen, shot, startE2e, stepper, textOf } from './harness';

const ADMIN_PASSWORD = 'kanri-e2e-pass';
const STAFF_PASSWORD = 'uketsuke-e2e-pass';
const GREEN = 'rgb(30, 125, 50)';

test('顔認証付きカードリーダー操作: 一般 refused, 目視確認 with two patients, back to 無人運転, face auth and 照合エラー', async (t) => {
  const { product, url, page } = await startE2e(t, { adminPassword: ADMIN_PASSWORD, staffPassword: STAFF_PASSWORD });
  const s = screen(page);
  const reader = patient(page);
  const step = stepper(t, page);
  const today = () => todayJst(Date.now());

  const expectMode = async (label: string) => {
    await s.modeButton(label).and(page.locator('[aria-pressed="true"]')).waitFor();
    await eventually(async () => {
      expect(await s.modeButton(label).evaluate((b) => (globalThis as any).getComputedStyle(b).backgroundColor)).to.equal(GREEN);
      expect(await s.modeGroup().getByRole('button', { pressed: true }).count()).to.equal(1);
    });
  };

  /** P104-3..6 / P108-2..5: click a mode, OK on the confirmation, OK on the completion. */
  const switchMode = async (label: string, shots: { confirm?: string; complete?: string } = {}) => {
    await s.modeButton(label).click();
    const confirm = s.dialog('確認');
    await confirm.getByText(`${label}モードに切り替えます。よろしいですか？`).waitFor();
    expect(await confirm.getAttribute('aria-modal')).to.equal('true');
    expect(await page.evaluate('document.activeElement.textContent')).to.equal('OK');
    if (shots.confirm) await shot(page, shots.confirm);
    await confirm.getByRole('button', { name: 'OK', exact: true }).click();
    const done = s.dialog('切替えを完了する');
    await done.getByText(`${label}モードへの切替えが完了しました`).waitFor();
    expect(await done.getByRole('button', { name: 'キャンセル' }).count()).to.equal(0);
    if (shots.complete) await shot(page, shots.complete);
    await done.getByRole('button', { name: 'OK', exact: true }).click();
    await done.waitFor({ state: 'hidden' });
  };

  /** P106-3..7 for one patient whose card is `profile`; the date field already holds `date`. */
  const visualCheck = async (profile: string, date: string, consent: 'all' | 'individual', shots: { checked?: string; confirm?: string; complete?: string } = {}) => {
    await s.visualBox().check();
    await eventually(async () => expect(await textOf(page.locator('#check-status'))).to.contain('マイナンバーカードを顔認証付きカードリーダーに置いてもらってください'));
    expect(await s.visualBox().isChecked()).to.equal(true);
    if (shots.checked) await shot(page, shots.checked);
    // P106-4: the patient places the card.
    await reader.placeCard(profile);
    // P106-5: 本人確認を実行する → OK
    const run = s.dialog('本人確認を実行する');
    await run.waitFor();
    await run.getByRole('button', { name: 'キャンセル', exact: true }).waitFor();
    if (shots.confirm) await shot(page, shots.confirm);
    await run.getByRole('button', { name: 'OK', exact: true }).click();
    // P106-6: 本人確認を完了する → OK
    const done = s.dialog('本人確認を完了する');
    await done.waitFor();
    if (shots.complete) await shot(page, shots.complete);
    await done.getByRole('button', { name: 'OK', exact: true }).click();
    await done.waitFor({ state: 'hidden' });
    // P106-7: back on the screen, ready for the next patient: box unticked, date back to today.
    await eventually(async () => {
      expect(await s.visualBox().isChecked()).to.equal(false);
      expect(await s.dateField().inputValue()).to.equal(today());
    });
    // The patient answers consent and takes the card; the reader is free for the next one.
    await (consent === 'all' ? reader.consentAll() : reader.consentIndividual());
    await s.records().getByRole('row').filter({ hasText: '目視確認' }).filter({ hasText: date }).filter({ hasText: 'admin' }).filter({ hasText: consent === 'all' ? '全て同意する' : '個別に同意する' }).first().waitFor();
    await reader.removeCard();
  };

  await page.goto(url);

  await step('一般アカウント: the mode buttons are refused, the error is shown and the mode stays 無人運転', async () => {
    await s.heading('ログイン').waitFor();
    await login(page, 'staff', STAFF_PASSWORD);
    expect(await textOf(page.locator('#who'))).to.equal('staff（一般）');
    await page.getByRole('button', { name: '顔認証付きカードリーダー操作' }).click();
    await s.heading('顔認証付きカードリーダー操作').waitFor();
    await expectMode('無人運転');
    await s.modeButton('目視確認').click();
    await s.dialog('確認').getByRole('button', { name: 'OK', exact: true }).click();
    const error = page.locator('#mode-error');
    await error.waitFor();
    expect(await error.getAttribute('role')).to.equal('alert');
    const text = await textOf(error);
    expect(text).to.contain('OQS_ERR_ADMIN_REQUIRED');
    expect(text).to.contain('管理者アカウントでのみ');
    await expectMode('無人運転');
    expect(product.terminal.mode).to.equal('unattended');
    await shot(page, 'login-general-refused');
  });

  await step('log out, log in as 管理者', async () => {
    await page.getByRole('button', { name: 'ログアウト' }).click();
    await s.heading('ログイン').waitFor();
    await login(page, 'admin', ADMIN_PASSWORD);
    expect(await textOf(page.locator('#who'))).to.equal('admin（管理者）');
  });

  await step('P104-1: 【メニュー】《顔認証付きカードリーダー管理》→《顔認証付きカードリーダー操作》', async () => {
    await page.getByRole('heading', { name: '顔認証付きカードリーダー管理' }).waitFor();
    await shot(page, 'P104-1-menu');
    await page.getByRole('button', { name: '顔認証付きカードリーダー操作' }).click();
    await s.heading('顔認証付きカードリーダー操作').waitFor();
  });

  await step('P104-2: 《現在のモード》 shows 無人運転 as the green button', async () => {
    await expectMode('無人運転');
    expect(await s.modeButton('目視確認').getAttribute('aria-pressed')).to.equal('false');
    await shot(page, 'P104-2-current-mode');
  });

  await step('P104-3..6: 《目視確認》 → confirm OK → completion OK → 目視確認 is green, with the reminder banner', async () => {
    await switchMode('目視確認', { confirm: 'P104-4-confirm', complete: 'P104-5-complete' });
    await expectMode('目視確認');
    expect(await s.modeButton('無人運転').getAttribute('aria-pressed')).to.equal('false');
    expect(product.terminal.mode).to.equal('visual');
    const banner = s.alerts().locator('[data-code="visualModeOn"]');
    await banner.waitFor();
    expect(await textOf(banner)).to.contain('無人運転モードに戻してください');
    // Focus is back on the screen, on the mode just chosen.
    expect(await page.evaluate('document.activeElement.textContent')).to.equal('目視確認');
    await shot(page, 'P104-6-visual-green');
  });

  await step('P106 first patient: 資格確認日 defaults to today; a bad date is refused next to the field, then corrected from the calendar', async () => {
    // P106-2: today's date initially.
    expect(await s.dateField().inputValue()).to.equal(today());
    await shot(page, 'P106-2-date');
    await s.dateField().fill('20201030');
    await s.visualBox().check();
    const error = page.locator('#date-error');
    await error.waitFor();
    const text = await textOf(error);
    expect(text).to.contain('OQS_ERR_DATE_FORMAT');
    expect(text).to.contain('YYYY/MM/DD');
    expect(text).to.contain('2020/10/30');
    await eventually(async () => expect(await s.visualBox().isChecked()).to.equal(false));
    expect(await page.evaluate('document.activeElement.id')).to.equal('date-text');
    expect(await s.dateField().getAttribute('aria-invalid')).to.equal('true');
    expect(product.terminal.visual.view().state).to.equal('idle');
    await shot(page, 'P106-2-bad-date');
    // Corrected from the calendar, which writes YYYY/MM/DD into the field.
    await s.calendar().fill('2020-10-30');
    await eventually(async () => expect(await s.dateField().inputValue()).to.equal('2020/10/30'));
    expect(await error.isHidden()).to.equal(true);
    await visualCheck('顔の手術後', '2020/10/30', 'all', { checked: 'P106-3-checked', confirm: 'P106-5-confirm', complete: 'P106-6-complete' });
  });

  await step('P106 second patient: today, from step 1 again', async () => {
    expect(await s.dateField().inputValue()).to.equal(today());
    await visualCheck('乳幼児', today(), 'individual');
    await eventually(async () => expect(await s.records().getByRole('row').filter({ hasText: '目視確認' }).count()).to.equal(2));
  });

  await step('P108: 《無人運転》 → confirm OK → completion OK → 無人運転 is green and the banner is gone', async () => {
    await expectMode('目視確認'); // P108-1
    await switchMode('無人運転', { confirm: 'P108-3-confirm', complete: 'P108-4-complete' });
    await expectMode('無人運転');
    expect(product.terminal.mode).to.equal('unattended');
    await s.alerts().locator('[data-code="visualModeOn"]').waitFor({ state: 'detached' });
    await shot(page, 'P108-5-unattended');
  });

  await step('keyboard: Escape cancels a confirmation, the mode is unchanged and focus returns to the button', async () => {
    await s.modeButton('暗証番号認証固定').focus();
    await page.keyboard.press('Enter');
    await s.dialog('確認').getByText('暗証番号認証固定モードに切り替えます。よろしいですか？').waitFor();
    await page.keyboard.press('Escape');
    await s.dialog('確認').waitFor({ state: 'hidden' });
    await expectMode('無人運転');
    expect(await page.evaluate('document.activeElement.textContent')).to.equal('暗証番号認証固定');
  });

  await step('P101-7: a face-auth patient (place card → 顔認証 → face → 全て同意する) appears in today\'s list', async () => {
    await reader.placeCard('通常');
    await eventually(async () => expect(await textOf(s.emulator().locator('output'))).to.contain('本人確認の方法を選んでください'));
    await reader.chooseFace();
    await reader.presentFace('そのまま');
    await reader.consentAll();
    const row = s.records().getByRole('row').filter({ hasText: '顔認証' });
    await row.filter({ hasText: '全て同意する' }).waitFor();
    expect(await textOf(row)).to.contain('本人確認済み');
    await s.log().getByText('本人確認が完了しました（顔認証）').first().waitFor();
    await reader.removeCard();
    await shot(page, 'P101-face-confirmed');
  });

  await step('P101-3/4: 照合エラー (顔の手術後 → face) is shown: reader screen, live log and the 目視確認が必要 alert', async () => {
    await reader.placeCard('顔の手術後');
    await reader.chooseFace();
    await reader.presentFace('そのまま');
    await s.log().getByText('リーダー画面：照合エラー').first().waitFor();
    await s.log().getByText('顔認証：一致しませんでした').first().waitFor();
    const alert = s.alerts().getByRole('alert').filter({ hasText: '照合エラー' });
    await alert.waitFor();
    expect(await textOf(alert)).to.contain('目視確認が必要');
    await shot(page, 'P101-match-error');
    // 無人運転 falls back to the PIN (P101-7); three wrong entries lock it and the terminal
    // itself raises the alert that a visual check is needed.
    await eventually(async () => expect(await textOf(s.emulator().locator('output'))).to.equal('暗証番号を入力してください'));
    for (let i = 0; i < 3; i++) await reader.wrongPin();
    const terminalAlert = s.alerts().locator('[data-code="visualCheckNeeded"]');
    await terminalAlert.waitFor();
    expect(await textOf(terminalAlert)).to.contain('目視確認が必要です');
    await s.records().getByRole('row').filter({ hasText: '暗証番号ロック' }).waitFor();
    await shot(page, 'P101-pin-locked-alert');
    await reader.removeCard();
  });

  await step('the control panel shows a refusal when the patient cannot do that now', async () => {
    await reader.consentAll();
    const refusal = reader.refusal();
    await refusal.waitFor();
    expect(await textOf(refusal)).to.contain('OQS_ERR_STIMULUS_REFUSED');
  });

  await step('records show nothing personal', async () => {
    const table = await textOf(s.records());
    expect(table).to.not.match(/SYN-|[0-9a-f]{32}/);
  });
});

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
