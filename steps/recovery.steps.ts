import { Given, Then, When } from '@cucumber/cucumber';
import assert from 'node:assert/strict';
import { modeOf } from './support/vocabulary';
import type { ReaderWorld } from './support/world';

// A reader that comes and goes (src/reader/supervisor.ts): switched off before the terminal starts,
// switched off and on again, or a second reader plugged in. Needs an emulator behind the port
// (in-process, or the pty emulator's control channel) or, on hardware, a person or robot answering
// the cable and power prompts.

Given('{int}台目のリーダーの電源が切れている', function (this: ReaderWorld, n: number) {
  if (this.started) throw new Error('「…の電源が切れている」は端末が起動する前の前提です / a reader off at start must be given before the terminal starts');
  this.install = { ...this.install, offAtStart: [...(this.install.offAtStart ?? []), n - 1] };
});

When('{int}台目のリーダーの電源が切れる', async function (this: ReaderWorld, n: number) {
  await this.terminal();
  await this.target.unplug(n - 1, true);
});

When('{int}台目のリーダーの電源を入れる', async function (this: ReaderWorld, n: number) {
  await this.terminal();
  await this.target.replug(n - 1, true);
});

When('{int}分が経つ', async function (this: ReaderWorld, minutes: number) {
  await this.terminal();
  await this.target.pass(minutes * 60_000);
});

Then('端末に《カードリーダー未接続》と表示される', async function (this: ReaderWorld) {
  const t = await this.terminal();
  const alert = t.alerts().find((a) => a.code === 'readerNotConnected');
  assert.match(alert?.message ?? '', /^カードリーダー未接続/, `alerts: ${JSON.stringify(t.alerts())}`);
});

Then('端末に《カードリーダー未接続》と表示されていない', async function (this: ReaderWorld) {
  const codes = (await this.terminal()).alerts().map((a) => a.code);
  assert.ok(!codes.includes('readerNotConnected'), `${JSON.stringify(codes)} includes ${JSON.stringify('readerNotConnected')}`);
  assert.ok(!codes.includes('readerDisconnected'), `${JSON.stringify(codes)} includes ${JSON.stringify('readerDisconnected')}`);
});

Then('端末につながっている顔認証付きカードリーダーは{int}台である', async function (this: ReaderWorld, n: number) {
  assert.equal((await this.terminal()).status().readers.length, n);
});

Then('端末に目視確認モードを終了したと表示される', async function (this: ReaderWorld) {
  const alert = (await this.terminal()).alerts().find((a) => a.code === 'visualModeReverted');
  assert.match(alert?.message ?? '', /無人運転モードに戻しました/);
});

When('患者が{int}台目のリーダーで顔認証で本人確認を済ませる', async function (this: ReaderWorld, n: number) {
  await this.terminal();
  const p = this.target.patient(n - 1);
  return this.physical(async () => {
    await p.chooseMethod('face');
    await p.presentFace();
    await p.answerConsent('all');
  });
});

Then('切替えの記録に{string}から{string}への端末による切替えが残る', async function (this: ReaderWorld, from: string, to: string) {
  const last = (await this.terminal()).modeChanges().at(-1);
  assert.deepEqual({ from: last!.from, to: last!.to, by: last!.by }, { from: modeOf(from), to: modeOf(to), by: 'system' });
});

Then('端末に目視確認が取り消されたと表示される', async function (this: ReaderWorld) {
  const alerts = (await this.terminal()).alerts();
  assert.match(alerts.map((a) => a.message).join('\n'), /進行中の目視確認は取り消されました/, JSON.stringify(alerts));
});
