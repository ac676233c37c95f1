import { Then, When } from '@cucumber/cucumber';
import assert from 'node:assert/strict';
import type { ReaderWorld } from './support/world';
import { profileOf } from './support/vocabulary';

When('職員が患者を目視で確認する', async function (this: ReaderWorld) {
  // P106-1 happens in the room, not on the terminal; the screen must be open for what follows.
  await this.screen();
});

When('職員が《資格確認日》に{string}と入力する', async function (this: ReaderWorld, text: string) {
  await this.click((s) => s.setDate(text));
});

When('職員がカレンダーから{string}を選ぶ', async function (this: ReaderWorld, date: string) {
  // The calendar fills the same field with the same YYYY/MM/DD text.
  await this.click((s) => s.setDate(date));
});

When('職員が《目視で本人確認完了》をチェックする', async function (this: ReaderWorld) {
  await this.click((s) => s.setVisuallyConfirmed(true));
});

Then('《資格確認日》は{string}である', async function (this: ReaderWorld, text: string) {
  assert.equal((await this.screen()).dateText, text);
});

Then('《目視で本人確認完了》はチェックされていない', async function (this: ReaderWorld) {
  assert.equal((await this.screen()).visuallyConfirmed, false);
});

Then('《目視で本人確認完了》はチェックされている', async function (this: ReaderWorld) {
  assert.equal((await this.screen()).visuallyConfirmed, true);
});

Then('確認メッセージ{string}が表示される', async function (this: ReaderWorld, message: string) {
  const d = (await this.screen()).dialog;
  assert.equal(d?.message, message, `dialog: ${JSON.stringify(d)}; visual check: ${JSON.stringify((await this.terminal()).visual.view())}`);
  assert.equal(d?.kind, 'confirmVisual');
});

Then('処理完了メッセージ{string}が表示される', async function (this: ReaderWorld, message: string) {
  const d = (await this.screen()).dialog;
  assert.equal(d?.message, message, `dialog: ${JSON.stringify(d)}; error: ${JSON.stringify(this.error)}`);
  assert.equal(d?.kind, 'visualDone');
});

Then('目視確認はカードを待っている', async function (this: ReaderWorld) {
  assert.equal((await this.terminal()).visual.view().state, 'awaitingCard');
});

Then('目視確認は開始されていない', async function (this: ReaderWorld) {
  assert.equal((await this.terminal()).visual.view().state, 'idle');
});

When('職員が目視で本人確認を行う', async function (this: ReaderWorld) {
  await this.click((s) => s.setVisuallyConfirmed(true));
  assert.equal(this.error, null, 'checking the box was accepted');
});

When('職員が目視で{string}のマイナンバーカードの本人確認を完了する', async function (this: ReaderWorld, word: string) {
  await this.click((s) => s.setVisuallyConfirmed(true));
  assert.equal(this.error, null, 'checking the box was accepted');
  const patient = this.target.patient(0);
  return this.physical(async () => {
    await patient.placeCard(profileOf(word));
    await this.click((s) => s.clickOk());
    assert.equal((await this.screen()).dialog?.kind, 'visualDone', JSON.stringify(this.error));
    await this.click((s) => s.clickOk());
    await patient.answerConsent('all');
    await patient.removeCard();
  });
});
