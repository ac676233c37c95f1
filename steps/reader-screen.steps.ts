import { Then } from '@cucumber/cucumber';
import assert from 'node:assert/strict';
import { SCREENS, screenById } from '../src/protocol';
import type { ReaderWorld } from './support/world';
import { screenOf } from './support/vocabulary';
import { visitScreens } from './support/visit';

const texts = (names: string[]) => names.map((n) => SCREENS[n as keyof typeof SCREENS].text).join(' → ');

Then('リーダーに{string}と表示された', async function (this: ReaderWorld, text: string) {
  const shown = this.screensOf(0);
  assert.ok(shown.includes(screenOf(text)), `reader screens: ${texts(shown)}`);
});

Then('リーダーに{string}と表示されていない', async function (this: ReaderWorld, text: string) {
  const shown = await visitScreens(this, 0);
  assert.ok(!shown.includes(screenOf(text)), `reader screens since the last card was placed: ${texts(shown)}`);
});

/** The reader's current screen, asked over the link; it must agree with what its events said. */
async function currentScreen(world: ReaderWorld, index: number) {
  const t = await world.terminal();
  // 1台目, 2台目 are the installed readers, whichever is connected now.
  const path = world.target.readerPath(index);
  const screenFromEvents = () => t.status().readers.find((r) => r.path === path)?.screen;
  const client = path === undefined ? undefined : t.client(path);
  if (!client) return screenFromEvents();
  const status = await world.target.settle(client.getStatus());
  // Read after the answer: the line keeps order, so every screenShown the reader sent before it
  // answered has been handled by now (read before, one still on its way was seen under load).
  const fromEvents = screenFromEvents();
  assert.equal(screenById(status.screen), fromEvents, "the reader's getStatus screen and its screenShown events disagree");
  return fromEvents;
}

Then('リーダーの画面は{string}である', async function (this: ReaderWorld, text: string) {
  assert.equal(await currentScreen(this, 0), screenOf(text), `reader screens: ${texts(this.screensOf(0))}`);
});

Then('リーダーは本人確認の方法を尋ねなかった', async function (this: ReaderWorld) {
  const shown = await visitScreens(this, 0);
  assert.ok(!shown.includes('chooseMethod'), `reader screens since the last card was placed: ${texts(shown)}`);
  assert.ok(!shown.includes('lookAtCamera'), `reader screens since the last card was placed: ${texts(shown)}`);
});

Then('顔認証の照合結果は不一致である', async function (this: ReaderWorld) {
  const results = this.events.filter((e) => e.type === 'readerEvent' && e.name === 'faceResult');
  assert.ok(results.length > 0, 'a face match result');
  const last = results.at(-1) as unknown as { fields: { matched: number; score: number } };
  assert.equal(last.fields.matched, 0);
});

Then('暗証番号の残り回数は{int}回と通知された', async function (this: ReaderWorld, n: number) {
  const results = this.events.filter((e) => e.type === 'readerEvent' && e.name === 'pinResult');
  const last = results.at(-1) as unknown as { fields: { triesLeft: number } } | undefined;
  assert.ok(last != null, 'a PIN result');
  assert.equal(last!.fields.triesLeft, n);
});

Then('端末に目視確認が必要と表示される', async function (this: ReaderWorld) {
  const alerts = (await this.terminal()).alerts().map((a) => a.code);
  assert.ok(alerts.includes('visualCheckNeeded') || alerts.includes('staffCheckRequired'), `alerts: ${JSON.stringify(alerts)}`);
});

Then('端末に目視確認が必要との表示はない', async function (this: ReaderWorld) {
  const alerts = (await this.terminal()).alerts().map((a) => a.code);
  assert.ok(!alerts.includes('visualCheckNeeded'), `${JSON.stringify(alerts)} includes ${JSON.stringify('visualCheckNeeded')}`);
  assert.ok(!alerts.includes('staffCheckRequired'), `${JSON.stringify(alerts)} includes ${JSON.stringify('staffCheckRequired')}`);
});

Then('{int}台目のリーダーの画面は{string}である', async function (this: ReaderWorld, n: number, text: string) {
  assert.equal(await currentScreen(this, n - 1), screenOf(text), `reader #${n} screens: ${texts(this.screensOf(n - 1))}`);
});

/** An information message to staff on the terminal (its alerts), quoted in full or by its start. */
async function staffMessages(world: ReaderWorld): Promise<string[]> {
  return (await world.terminal()).alerts().map((a) => a.message);
}

Then('端末に職員へのお知らせ{string}が表示されている', async function (this: ReaderWorld, text: string) {
  const shown = await staffMessages(this);
  const found = shown.some((m) => m.startsWith(text));
  assert.equal(found, true, `お知らせ / messages to staff: ${JSON.stringify(shown)}`);
});

Then('端末に職員へのお知らせ{string}は表示されていない', async function (this: ReaderWorld, text: string) {
  const shown = await staffMessages(this);
  const found = shown.some((m) => m.startsWith(text));
  assert.equal(found, false, `お知らせ / messages to staff: ${JSON.stringify(shown)}`);
});
