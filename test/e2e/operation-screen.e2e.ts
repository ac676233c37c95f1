/**
 * The 顔認証付きカードリーダー操作 screen in a real browser, step by step as chapter 7 of the manual
 * says (P.104 目視確認モードを利用する, P.106 目視による本人確認, P.108 無人運転モードを利用する,
 * P.110 暗証番号認証固定モードを利用する), against the whole product with its embedded emulated
 * reader. The page renders the server's screen model (GET /api/screen), so this drives the same
 * OperationScreen the Gherkin steps drive. Each manual step leaves a screenshot in
 * reports/screenshots/. Run with: sh scripts/test-e2e.sh
 */
import { test } from 'node:test';
import { expect } from 'chai';
import { todayJst } from '../../src/reader/dates';
import { expectJapanese, flows } from './flows';
import { eventually, login, screen, shot, startE2e, stepper, textOf } from './harness';

const ADMIN_PASSWORD = 'kanri-e2e-pass';

test('P.104 → P.106 (two patients) → P.108 → P.110, by mouse and keyboard, as 管理者', async (t) => {
  const { product, url, page } = await startE2e(t, { adminPassword: ADMIN_PASSWORD });
  const s = screen(page);
  const f = flows(page);
  const step = stepper(t, page);
  const today = () => todayJst(Date.now());

  await page.goto(url);
  await login(page, 'admin', ADMIN_PASSWORD);
  expect(await textOf(page.locator('#who'))).to.equal('admin（管理者）');

  await step('P104-1: 【メニュー】《顔認証付きカードリーダー管理》→《顔認証付きカードリーダー操作》', async () => {
    await page.getByRole('heading', { name: '顔認証付きカードリーダー管理' }).waitFor();
    await shot(page, 'P104-1-menu');
    await page.getByRole('button', { name: '顔認証付きカードリーダー操作' }).click();
    await s.heading('顔認証付きカードリーダー操作').waitFor();
  });

  await step('P104-2: 《現在のモード》 shows 無人運転 as the green button; the empty lists say so', async () => {
    await f.expectMode('無人運転');
    expect(await s.modeButton('目視確認').getAttribute('aria-pressed')).to.equal('false');
    expect(await textOf(page.locator('#events-empty'))).to.equal('まだリーダーのできごとはありません。');
    expect(await textOf(page.locator('#records-empty'))).to.equal('本日の本人確認はまだありません。');
    await shot(page, 'P104-2-current-mode');
  });

  await step('P104-3..6: 《目視確認》 → confirm OK → completion OK → 目視確認 is green, with the reminder banner', async () => {
    await f.switchMode('目視確認', { confirm: 'P104-4-confirm', complete: 'P104-5-complete' });
    await f.expectMode('目視確認');
    expect(product.terminal.mode).to.equal('visual');
    const banner = s.alerts().locator('[data-code="visualModeOn"]');
    await banner.waitFor();
    expect(await textOf(banner)).to.contain('無人運転モードに戻してください');
    // Focus is back on the screen, on the mode just chosen.
    expect(await page.evaluate('document.activeElement.textContent')).to.equal('目視確認');
    await shot(page, 'P104-6-visual-green');
  });

  await step('reload: the page comes back to 《顔認証付きカードリーダー操作》, not the menu', async () => {
    await page.reload();
    await s.heading('顔認証付きカードリーダー操作').waitFor();
    await f.expectMode('目視確認');
  });

  await step('P106-1/2: 資格確認日 defaults to today; a date from the calendar is taken', async () => {
    expect(await s.dateField().inputValue()).to.equal(today());
    await shot(page, 'P106-2-date');
    await s.calendar().fill('2020-10-30');
    await eventually(async () => expect(await s.dateField().inputValue()).to.equal('2020/10/30'));
    expect(await page.locator('#date-error').isHidden()).to.equal(true);
  });

  await step('P106-3..7 first patient (顔の手術後, 2020/10/30): tick, card, 本人確認を実行する OK, 本人確認を完了する OK', async () => {
    await f.visualCheck('顔の手術後', '2020/10/30', 'all', { checked: 'P106-3-checked', confirm: 'P106-5-confirm', complete: 'P106-6-complete' });
    await shot(page, 'P106-7-back');
  });

  await step('P106-7 second patient, from step 1 again: the date is today again; keyboard only', async () => {
    expect(await s.dateField().inputValue()).to.equal(today());
    await s.visualBox().focus();
    await page.keyboard.press('Space');
    await f.waitArmed();
    await f.reader.placeCard('乳幼児');
    const run = s.dialog('本人確認を実行する');
    await run.waitFor();
    expect(await page.evaluate('document.activeElement.textContent')).to.equal('OK');
    await page.keyboard.press('Enter');
    const done = s.dialog('本人確認を完了する');
    await done.waitFor();
    // No キャンセル on a completion: Escape does nothing, however often, and the dialog stays.
    for (let i = 0; i < 4; i++) await page.keyboard.press('Escape');
    expect(await done.isVisible()).to.equal(true);
    expect(product.terminal.visual.view().state).to.equal('completed');
    await page.keyboard.press('Enter');
    await done.waitFor({ state: 'hidden' });
    await f.reader.consentIndividual();
    await eventually(async () => expect(await s.records().getByRole('row').filter({ hasText: '目視確認' }).count()).to.equal(2));
    await f.reader.removeCard();
    // A later server event does not bring a dialog back.
    expect(await page.locator('dialog[open]').count()).to.equal(0);
  });

  await step('P108-1..5: 《無人運転》 → confirm OK → completion OK → 無人運転 is green and the banner is gone', async () => {
    await f.expectMode('目視確認'); // P108-1
    await f.switchMode('無人運転', { confirm: 'P108-3-confirm', complete: 'P108-4-complete' });
    await f.expectMode('無人運転');
    expect(product.terminal.mode).to.equal('unattended');
    await s.alerts().locator('[data-code="visualModeOn"]').waitFor({ state: 'detached' });
    await shot(page, 'P108-5-unattended');
  });

  await step('keyboard: Escape on a confirmation is キャンセル: the mode is unchanged and focus returns to the button', async () => {
    await s.modeButton('暗証番号認証固定').focus();
    await page.keyboard.press('Enter');
    await s.dialog('確認').getByText('暗証番号認証固定モードに切り替えます。よろしいですか？').waitFor();
    await page.keyboard.press('Escape');
    await s.dialog('確認').waitFor({ state: 'hidden' });
    await f.expectMode('無人運転');
    expect(await page.evaluate('document.activeElement.textContent')).to.equal('暗証番号認証固定');
    expect(product.terminal.modeChanges().length).to.equal(2);
  });

  await step(
    'P110-1: 《暗証番号認証固定》 → confirm OK → completion (Escape does not close it) OK → it is green; P110-2: the reader asks only for the PIN',
    async () => {
      await s.modeButton('暗証番号認証固定').click();
      await s.dialog('確認').getByRole('button', { name: 'OK', exact: true }).click();
      const done = s.dialog('切替えを完了する');
      await done.getByText('暗証番号認証固定モードへの切替えが完了しました').waitFor();
      await shot(page, 'P110-1-complete');
      for (let i = 0; i < 4; i++) await page.keyboard.press('Escape');
      expect(await done.isVisible()).to.equal(true);
      await done.getByRole('button', { name: 'OK', exact: true }).click();
      await done.waitFor({ state: 'hidden' });
      await f.expectMode('暗証番号認証固定');
      expect(product.terminal.mode).to.equal('pinOnly');
      await shot(page, 'P110-1-pin-only');
      await f.reader.placeCard('通常');
      await eventually(async () => expect(await textOf(s.emulator().locator('output'))).to.equal('暗証番号を入力してください'));
      await f.reader.correctPin();
      await f.reader.consentAll();
      await s.records().getByRole('row').filter({ hasText: '暗証番号' }).filter({ hasText: '本人確認済み' }).waitFor();
      await f.reader.removeCard();
    },
  );

  await step('P110-3: back to 無人運転 as P.108 says', async () => {
    await f.switchMode('無人運転');
    await f.expectMode('無人運転');
    expect(product.terminal.modeChanges().map((c) => `${c.from}→${c.to}`)).to.deep.equal([
      'unattended→visual',
      'visual→unattended',
      'unattended→pinOnly',
      'pinOnly→unattended',
    ]);
  });

  await step("P101-7: a face-auth patient appears in today's list and in the live log", async () => {
    await f.reader.placeCard('通常');
    await eventually(async () => expect(await textOf(s.emulator().locator('output'))).to.contain('本人確認の方法を選んでください'));
    await f.reader.chooseFace();
    await f.reader.presentFace('そのまま');
    await f.reader.consentAll();
    const row = s.records().getByRole('row').filter({ hasText: '顔認証' });
    await row.filter({ hasText: '全て同意する' }).waitFor();
    await s.log().getByText('本人確認が完了しました（顔認証）').first().waitFor();
    expect(await page.locator('#events-empty').isHidden()).to.equal(true);
    await f.reader.removeCard();
    await shot(page, 'P101-face-confirmed');
    await expectJapanese(page.locator('#view-operation'));
    expect(await textOf(s.records())).to.not.match(/SYN-|[0-9a-f]{32}/);
  });
});
