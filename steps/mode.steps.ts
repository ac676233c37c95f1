import { Then, When } from '@cucumber/cucumber';
import assert from 'node:assert/strict';
import type { ReaderWorld } from './support/world';
import { modeOf } from './support/vocabulary';
import { MODE_LABELS } from '../src/reader/labels';
import type { ModeName } from '../src/protocol';

When('【メニュー】の《顔認証付きカードリーダー管理》から《顔認証付きカードリーダー操作》をクリックする', async function (this: ReaderWorld) {
  await this.attempt(() => this.screen());
});

Then('【メニュー】に《顔認証付きカードリーダー操作》が表示される', async function (this: ReaderWorld) {
  assert.equal((await this.terminal()).status().menu.readerOperation, true);
});

Then('【メニュー】に《顔認証付きカードリーダー操作》が表示されない', async function (this: ReaderWorld) {
  assert.equal((await this.terminal()).status().menu.readerOperation, false);
});

Then('【メニュー】に《資格情報照会（マイナンバーカード）》が表示される', async function (this: ReaderWorld) {
  const t = await this.terminal();
  assert.equal(t.status().menu.qualificationInquiry, true);
  assert.doesNotThrow(() => t.requireQualificationInquiry());
});

Then('【メニュー】に《資格情報照会（マイナンバーカード）》が表示されない', async function (this: ReaderWorld) {
  const t = await this.terminal();
  assert.equal(t.status().menu.qualificationInquiry, false);
  assert.throws(() => t.requireQualificationInquiry(), { code: 'OQS_ERR_MENU_PATTERN' });
});

Then('《顔認証付きカードリーダー操作》が表示される', async function (this: ReaderWorld) {
  assert.equal(this.error, null, 'no refusal');
  const s = await this.screen();
  assert.deepEqual(
    s.buttons().map((b) => b.label),
    ['無人運転', '目視確認', '暗証番号認証固定'],
  );
  assert.equal(s.dialog, null);
});

Then('《現在のモード》は{string}である', async function (this: ReaderWorld, word: string) {
  assert.equal((await this.terminal()).mode, modeOf(word));
});

Then('《{mode}》のボタンだけが緑色である', async function (this: ReaderWorld, mode: ModeName) {
  const green = (await this.screen())
    .buttons()
    .filter((b) => b.green)
    .map((b) => b.label);
  assert.deepEqual(green, [MODE_LABELS[mode]]);
});

When('《{mode}》をクリックする', async function (this: ReaderWorld, mode: ModeName) {
  await this.click((s) => s.clickMode(mode));
});

When('《OK》をクリックする', async function (this: ReaderWorld) {
  const d = (await this.screen()).dialog;
  if (!d) {
    throw new Error(
      '《OK》をクリックできません：画面にメッセージ（確認・完了）が表示されていません。\nThere is no 《OK》 to click: no confirmation or completion message is open on the screen.',
    );
  }
  await this.click((s) => s.clickOk());
});

When('《キャンセル》をクリックする', async function (this: ReaderWorld) {
  // Only a confirmation can be cancelled (P113-3); a completion message has 《OK》 alone.
  const d = (await this.screen()).dialog;
  if (d?.kind !== 'confirmSwitch' && d?.kind !== 'confirmVisual') {
    throw new Error(
      `《キャンセル》をクリックできません：${d ? `表示中の「${d.message}」には《OK》しかありません` : '画面にメッセージが表示されていません'}。\n` +
        `There is no 《キャンセル》 to click: ${d ? `the open message (${d.kind}) has only 《OK》` : 'no message is open on the screen'}; only a confirmation can be cancelled.`,
    );
  }
  await this.click((s) => s.clickCancel());
});

Then('確認メッセージが表示される', async function (this: ReaderWorld) {
  const d = (await this.screen()).dialog;
  assert.equal(d?.kind, 'confirmSwitch', `dialog shown: ${JSON.stringify(d)}`);
});

Then('切替完了メッセージが表示される', async function (this: ReaderWorld) {
  const d = (await this.screen()).dialog;
  assert.equal(d?.kind, 'switchDone', `dialog shown: ${JSON.stringify(d)}, error: ${JSON.stringify(this.error)}`);
});

Then('メッセージは表示されていない', async function (this: ReaderWorld) {
  assert.equal((await this.screen()).dialog, null);
});

When('管理者が運転モードを{string}に切り替える', async function (this: ReaderWorld, word: string) {
  await this.click((s) => s.clickMode(modeOf(word)));
  await this.click((s) => s.clickOk());
  if (this.error) return;
  await this.click((s) => s.clickOk());
});

// The rule itself, not the screen's disabled button: a script or another client asking the
// terminal directly (the API's PUT /api/mode on the product) as the logged-in account.
When('ログイン中のアカウントが画面を通さずに運転モードを{string}に切り替えようとする', async function (this: ReaderWorld, word: string) {
  const t = await this.terminal();
  if (!this.actor) throw new Error('no account is logged in');
  const actor = this.actor;
  await this.attempt(() => t.switchMode(actor, modeOf(word)));
});

Then('リーダーの運転モードも{string}である', async function (this: ReaderWorld, word: string) {
  const t = await this.terminal();
  // The reader's own state, asked over the link, not the terminal's memory of it.
  const status = await this.target.settle(firstClient(t).getStatus());
  assert.equal(status.mode, { unattended: 1, visual: 2, pinOnly: 3 }[modeOf(word)]);
});

Then('切替えの記録に{string}から{string}への切替えと操作したアカウントが残る', async function (this: ReaderWorld, from: string, to: string) {
  const last = (await this.terminal()).modeChanges().at(-1);
  assert.ok(last != null, 'a mode change was recorded');
  assert.deepEqual({ from: last!.from, to: last!.to, by: last!.by }, { from: modeOf(from), to: modeOf(to), by: this.actor?.account });
  assert.match(last!.at, /^\d{4}-\d{2}-\d{2}T/);
});

Then('目視確認モードの警告が表示されている', async function (this: ReaderWorld) {
  const codes = (await this.terminal()).alerts().map((a) => a.code);
  assert.ok(codes.includes('visualModeOn'), JSON.stringify(codes));
});

Then('目視確認モードの警告は表示されていない', async function (this: ReaderWorld) {
  const codes = (await this.terminal()).alerts().map((a) => a.code);
  assert.ok(!codes.includes('visualModeOn'), JSON.stringify(codes));
});

function firstClient(t: import('../src/reader/terminal').Terminal) {
  const c = t.client(0);
  if (!c) throw new Error('no reader is connected');
  return c;
}
