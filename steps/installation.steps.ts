import { Given, Then, When } from '@cucumber/cucumber';
import assert from 'node:assert/strict';
import type { ReaderWorld } from './support/world';
import { jstMorning, modeOf } from './support/vocabulary';
import { requireNotStarted } from './support/visit';

Given('顔認証付きカードリーダーが{int}台接続されている', async function (this: ReaderWorld, n: number) {
  requireNotStarted(this, `顔認証付きカードリーダーが${n}台接続されている`);
  this.install.faceReaders = n;
});

Given('汎用カードリーダーが{int}台接続されている', async function (this: ReaderWorld, n: number) {
  requireNotStarted(this, `汎用カードリーダーが${n}台接続されている`);
  this.install.generalReaders = n;
});

Given('本人認証用カードリーダーソフトがインストールされていない', async function (this: ReaderWorld) {
  requireNotStarted(this, '本人認証用カードリーダーソフトがインストールされていない');
  this.install.readerSoftwareInstalled = false;
});

Given('今日は{string}である', async function (this: ReaderWorld, date: string) {
  // Before the terminal starts, so everything it records and traces is on that day.
  this.target.setNow(jstMorning(date));
  await this.terminal();
});

Given('管理者アカウントでログインしている', async function (this: ReaderWorld) {
  this.login({ account: 'kanri01', role: 'admin' });
});

Given('一般アカウントでログインしている', async function (this: ReaderWorld) {
  this.login({ account: 'uketsuke01', role: 'general' });
});

Given('運転モードを{string}に切り替えてある', async function (this: ReaderWorld, word: string) {
  const t = await this.terminal();
  await this.target.settle(t.switchMode({ account: 'kanri01', role: 'admin' }, modeOf(word)));
  assert.equal(t.mode, modeOf(word));
});

When('資格確認端末を再起動する', async function (this: ReaderWorld) {
  await this.restartTerminal();
});

Then('リーダーの識別情報として製造元・型番・ファームウェア・製造番号が表示される', async function (this: ReaderWorld) {
  const [reader] = (await this.terminal()).status().readers;
  assert.ok(reader != null, 'a connected reader');
  for (const field of ['vendor', 'model', 'firmware', 'serial'] as const) {
    assert.equal(typeof reader![field], 'string', field);
    assert.notEqual(reader![field], '', field);
  }
  assert.equal(reader!.protocolVersion, 1);
});

Then('リーダーの機能に{string}が含まれる', async function (this: ReaderWorld, capability: string) {
  const [reader] = (await this.terminal()).status().readers;
  assert.ok(reader!.capabilities.includes(capability), `${JSON.stringify(reader!.capabilities)} does not include ${JSON.stringify(capability)}`);
});

Then('接続パターンは{int}である', async function (this: ReaderWorld, id: number) {
  assert.equal((await this.terminal()).pattern.id, id);
});
