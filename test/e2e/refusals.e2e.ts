/**
 * The refusals a staff member can meet on 《顔認証付きカードリーダー操作》, in a real browser: each
 * is shown in Japanese next to what caused it (the code small beside it) and changes nothing.
 */
import { test } from 'node:test';
import { expect } from 'chai';
import { expectJapanese, flows } from './flows';
import { eventually, login, patient, screen, shot, startE2e, stepper, textOf } from './harness';

const ADMIN_PASSWORD = 'kanri-e2e-pass';
const STAFF_PASSWORD = 'uketsuke-e2e-pass';

test('refusals on one reader: 一般, dates, no card yet, unticked box, same mode, armed check, 照合エラー, login', async (t) => {
  const { product, url, page } = await startE2e(t, { adminPassword: ADMIN_PASSWORD, staffPassword: STAFF_PASSWORD });
  const s = screen(page);
  const f = flows(page);
  const step = stepper(t, page);
  const terminal = product.terminal;
  await page.goto(url);

  await step('login: a wrong password and then the wait are said in Japanese', async () => {
    const form = page.getByRole('region', { name: 'ログイン' });
    const error = page.locator('#login-error');
    for (let i = 0; i < 8; i++) {
      await form.getByLabel('アカウント', { exact: true }).fill('staff');
      await form.getByLabel('パスワード', { exact: true }).fill('not-the-password');
      await form.getByRole('button', { name: 'ログイン', exact: true }).click();
      await error.waitFor();
      if ((await textOf(error)).includes('OQS_ERR_TOO_MANY_ATTEMPTS')) break;
      expect(await textOf(error)).to.contain('アカウントまたはパスワードが違います。');
    }
    expect(await textOf(error)).to.match(/ログインの失敗が続いたため、あと \d+ 秒はログインできません。/);
    await expectJapanese(page.locator('#view-login'));
    await shot(page, 'refusal-login-wait');
  });

  await step('一般: the mode buttons are disabled, with the reason; nothing opens and the mode stays', async () => {
    await eventually(async () => {
      await page.getByRole('region', { name: 'ログイン' }).getByLabel('パスワード', { exact: true }).fill(STAFF_PASSWORD);
      await page.getByRole('region', { name: 'ログイン' }).getByRole('button', { name: 'ログイン', exact: true }).click();
      await s.heading('メニュー').waitFor({ timeout: 1500 });
    }, 70_000);
    expect(await textOf(page.locator('#who'))).to.equal('staff（一般）');
    await page.getByRole('button', { name: '顔認証付きカードリーダー操作' }).click();
    await f.expectMode('無人運転');
    for (const label of ['無人運転', '目視確認', '暗証番号認証固定']) expect(await s.modeButton(label).isDisabled(), label).to.equal(true);
    expect(await textOf(page.locator('#mode-role-note'))).to.equal('モードの切替えは管理者アカウントでのみ行えます。');
    await s.modeButton('目視確認').click({ force: true });
    expect(await page.locator('dialog[open]').count()).to.equal(0);
    expect(terminal.mode).to.equal('unattended');
    await shot(page, 'refusal-general');
    await page.getByRole('button', { name: 'ログアウト' }).click();
    await login(page, 'admin', ADMIN_PASSWORD);
    await page.getByRole('button', { name: '顔認証付きカードリーダー操作' }).click();
  });

  await step('the mode in force: clicking the green button opens nothing, records nothing, and says so', async () => {
    await s.modeButton('無人運転').click();
    // The notice comes with the screen model the click's POST answers: wait for it, then read it.
    await page.locator('#mode-notice:not(:empty)').waitFor();
    expect(await textOf(page.locator('#mode-notice'))).to.equal('既に無人運転モードです。');
    expect(await page.locator('dialog[open]').count()).to.equal(0);
    expect(terminal.modeChanges()).to.deep.equal([]);
  });

  await step('照合エラー: the banner shows, and goes once staff have switched to 目視確認', async () => {
    await f.reader.placeCard('顔の手術後');
    await f.reader.chooseFace();
    await f.reader.presentFace('そのまま');
    const banner = s.alerts().locator('[data-code="matchError"]');
    await banner.waitFor();
    expect(await textOf(banner)).to.contain('照合エラー');
    await f.reader.removeCard();
    await f.switchMode('目視確認');
    await banner.waitFor({ state: 'detached' });
    expect(await s.alerts().getByRole('alert').count()).to.equal(0);
  });

  await step('資格確認日: a month in one digit is refused with the exact text to type; the box cannot be ticked with it', async () => {
    await s.dateField().fill('2026/11/1');
    await s.dateField().press('Tab');
    const error = page.locator('#date-error');
    await error.waitFor();
    expect(await textOf(error))
      .to.contain('「2026/11/01」')
      .and.contain('OQS_ERR_DATE_FORMAT');
    expect(await s.dateField().getAttribute('aria-invalid')).to.equal('true');
    await expectJapanese(error);
    await shot(page, 'refusal-date-format');
    // A click (the box unticks itself again when the model refuses).
    await s.visualBox().click();
    await eventually(async () => expect(await textOf(page.locator('#date-error'))).to.contain('OQS_ERR_DATE_FORMAT'));
    await eventually(async () => expect(await s.visualBox().isChecked()).to.equal(false));
    expect(terminal.visual.view().state).to.equal('idle');
  });

  await step('資格確認日: full-width digits from an IME are taken and shown half-width', async () => {
    await s.dateField().fill('２０２６／１１／０１');
    await s.dateField().press('Tab');
    await eventually(async () => expect(await s.dateField().inputValue()).to.equal('2026/11/01'));
    expect(await page.locator('#date-error').isHidden()).to.equal(true);
  });

  await step('資格確認日: before 1900/01/01 is out of range (its own code); a future date is refused', async () => {
    const refused = async (date: string, code: string, words: string) => {
      await s.dateField().fill(date);
      await s.dateField().press('Tab');
      await eventually(async () =>
        expect(await textOf(page.locator('#date-error')))
          .to.contain(code)
          .and.contain(words),
      );
    };
    await refused('1899/12/31', 'OQS_ERR_DATE_RANGE', '1900/01/01');
    await refused('2999/01/01', 'OQS_ERR_DATE_FUTURE', '未来の日付');
    await expectJapanese(page.locator('#date-error'));
  });

  await step('no card yet: ticked, the screen says to place the card and no dialog opens', async () => {
    await s.calendar().fill('2026-11-01');
    await eventually(async () => expect(await page.locator('#date-error').isHidden()).to.equal(true));
    await s.visualBox().check();
    await f.waitArmed();
    expect(await page.locator('dialog[open]').count()).to.equal(0);
    expect(terminal.visual.view()).to.include({ state: 'awaitingCard', confirmationDate: '2026/11/01' });
  });

  await step('switching to 無人運転 with a check armed: the confirmation says it will be cancelled', async () => {
    await s.modeButton('無人運転').click();
    const confirm = s.dialog('確認');
    await confirm.waitFor();
    expect(await textOf(confirm.locator('#dialog-warning')))
      .to.contain('目視確認の途中です')
      .and.contain('取り消されます');
    await shot(page, 'refusal-armed-switch-warning');
    await confirm.getByRole('button', { name: 'キャンセル', exact: true }).click();
    await confirm.waitFor({ state: 'hidden' });
    expect(terminal.visual.view().state).to.equal('awaitingCard');
    await s.visualBox().uncheck();
    await eventually(async () => expect(terminal.visual.view().state).to.equal('idle'));
  });

  await step('unticked box: a card placed without the tick is not read; the reader calls staff and the screen says what to do', async () => {
    await f.reader.placeCard('通常');
    await eventually(async () => expect(await textOf(s.emulator().locator('output'))).to.equal('職員をお呼びください'));
    await s.alerts().locator('[data-code="staffCheckRequired"]').waitFor();
    expect(terminal.records().filter((r) => r.outcome === 'confirmed')).to.deep.equal([]);
    await s.visualBox().check();
    const run = s.dialog('本人確認を実行する');
    await run.waitFor();
    // Escape on a confirmation is キャンセル: the check is cancelled and the box unticked.
    await page.keyboard.press('Escape');
    await run.waitFor({ state: 'hidden' });
    await eventually(async () => expect(await s.visualBox().isChecked()).to.equal(false));
    expect(terminal.records().filter((r) => r.outcome === 'confirmed')).to.deep.equal([]);
    await f.reader.removeCard();
  });
});

test('two readers on one terminal: 目視確認 is refused in Japanese and the mode stays', async (t) => {
  const { product, url, page } = await startE2e(t, { adminPassword: ADMIN_PASSWORD }, { readers: 2 });
  const s = screen(page);
  const f = flows(page);
  await page.goto(url);
  await login(page, 'admin', ADMIN_PASSWORD);
  await page.getByRole('button', { name: '顔認証付きカードリーダー操作' }).click();
  await s.modeButton('目視確認').click();
  await s.dialog('確認').getByRole('button', { name: 'OK', exact: true }).click();
  const error = page.locator('#mode-error');
  await error.waitFor();
  expect(await textOf(error))
    .to.contain('顔認証付きカードリーダー1台のときだけ')
    .and.contain('OQS_ERR_VISUAL_SINGLE_READER');
  await expectJapanese(error);
  expect(await page.locator('dialog[open]').count()).to.equal(0);
  await f.expectMode('無人運転');
  expect(product.terminal.mode).to.equal('unattended');
  await shot(page, 'refusal-two-readers');
});

// 200 % zoom of a 1280×800 window is a 640×400 CSS-pixel viewport.
for (const [name, viewport] of [
  ['1024x768', { width: 1024, height: 768 }],
  ['zoom-200', { width: 640, height: 400 }],
] as const) {
  test(`the screen at ${name}: nothing scrolls sideways, the dialog fits`, async (t) => {
    const { url, page } = await startE2e(t, { adminPassword: ADMIN_PASSWORD }, { viewport });
    const s = screen(page);
    await page.goto(url);
    await login(page, 'admin', ADMIN_PASSWORD);
    await page.getByRole('button', { name: '顔認証付きカードリーダー操作' }).click();
    await s.heading('顔認証付きカードリーダー操作').waitFor();
    const sideways = () => page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(await sideways()).to.be.at.most(0);
    // At 1024 px 《本日の本人確認》 has the page's width: its longest result reads on one line (beside
    // the reader's panel it took two, and four once other columns were filled).
    const p = patient(page);
    await p.placeCard('通常');
    await p.removeCard();
    const result = s.records().getByRole('cell', { name: 'できませんでした（カードが取り外された）' });
    await result.waitFor();
    const lines = await result.evaluate((el: any) => {
      const range = el.ownerDocument.createRange();
      range.selectNodeContents(el);
      return new Set([...range.getClientRects()].map((r: { top: number }) => Math.round(r.top))).size;
    });
    if (viewport.width >= 1024) expect(lines, 'lines of the result').to.equal(1);
    expect(await sideways()).to.be.at.most(0);
    await shot(page, `layout-${name}`);
    await s.modeButton('目視確認').click();
    const confirm = s.dialog('確認');
    await confirm.waitFor();
    const box = await confirm.boundingBox();
    expect(box && box.x >= 0 && box.x + box.width <= viewport.width, JSON.stringify(box)).to.equal(true);
    await shot(page, `layout-${name}-dialog`);
  });
}
