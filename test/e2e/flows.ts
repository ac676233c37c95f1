import { expect } from 'chai';
import type { Locator, Page } from 'playwright-core';
import { eventually, patient, screen, shot, textOf } from './harness';

const GREEN = 'rgb(30, 125, 50)';
/** What staff read is Japanese: no English word outside the small code beside an error (account names aside). */
export async function expectJapanese(l: Locator, accounts: string[] = ['admin', 'staff']): Promise<void> {
  // Codes are shown small beside the Japanese; the reader's maker and model are names.
  const text = await l.evaluate((el) => {
    const copy = el.cloneNode(true) as any;
    for (const c of copy.querySelectorAll('.code, [lang="en"], #reader-identity, [hidden], option')) c.remove();
    return String(copy.textContent ?? '');
  });
  // A reader's address (tcp://…, rfc2217://…, COM3, /dev/ttyUSB0) is a name too.
  const named = text.replace(/\b[a-z0-9]+:\/\/[^\s）)]+|\bCOM\d+|\/dev\/[^\s）)]+/g, '');
  const words = (named.match(/[A-Za-z]{3,}/g) ?? []).filter((w) => !accounts.includes(w));
  expect(words, 'English words shown to staff').to.deep.equal([]);
}

/** The manual's flows on the screen, as a person does them. */
export function flows(page: Page) {
  const s = screen(page);
  const reader = patient(page);

  const expectMode = async (label: string) => {
    await s.modeButton(label).and(page.locator('[aria-pressed="true"]')).waitFor();
    await eventually(async () => {
      expect(await s.modeButton(label).evaluate((b) => (globalThis as any).getComputedStyle(b).backgroundColor)).to.equal(GREEN);
      expect(await s.modeGroup().getByRole('button', { pressed: true }).count()).to.equal(1);
    });
  };

  /** P104-3..6 / P108-2..5 / P110-1: click a mode, OK on the confirmation, OK on the completion. */
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

  const waitArmed = async () => {
    await eventually(async () =>
      expect(await textOf(page.locator('#check-status'))).to.contain('マイナンバーカードを顔認証付きカードリーダーに置いてもらってください'),
    );
    expect(await s.visualBox().isChecked()).to.equal(true);
  };

  /** P106-3..7 for one patient whose card is `profile`; the date field already holds `date`. */
  const visualCheck = async (
    profile: string,
    date: string,
    consent: 'all' | 'individual',
    shots: { checked?: string; confirm?: string; complete?: string } = {},
  ) => {
    await s.visualBox().check();
    await waitArmed();
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
      expect(await s.dateField().inputValue()).to.equal(
        (await page.evaluate('new Date(Date.now() + 9 * 3600e3).toISOString().slice(0, 10).replace(/-/g, "/")')) as string,
      );
    });
    // The patient answers consent and takes the card; the reader is free for the next one.
    await (consent === 'all' ? reader.consentAll() : reader.consentIndividual());
    await s
      .records()
      .getByRole('row')
      .filter({ hasText: '目視確認' })
      .filter({ hasText: date })
      .filter({ hasText: 'admin' })
      .filter({ hasText: consent === 'all' ? '全て同意する' : '個別に同意する' })
      .first()
      .waitFor();
    await reader.removeCard();
  };

  return { s, reader, expectMode, switchMode, waitArmed, visualCheck };
}
