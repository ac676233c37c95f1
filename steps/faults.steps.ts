import { Then, When } from '@cucumber/cucumber';
import assert from 'node:assert/strict';
import type { FaultRule } from '../simulator/faults';
import { currentRun } from './support/run';
import type { ReaderWorld } from './support/world';

// Link faults (simulator/faults.ts), armed on reader #1 before the act that should meet them.
// Scenarios using these are tagged @emulator-only: a real reader has no fault switch.
async function arm(world: ReaderWorld, rule: FaultRule): Promise<void> {
  await world.terminal();
  await world.target.fault(0, rule);
}

const KIND: Record<string, FaultRule['only']> = { イベント: 'event', 応答: 'response' };

When('リーダーからの{int}番目の{word}が失われる', async function (this: ReaderWorld, nth: number, kind: string) {
  await arm(this, { fault: 'drop', only: KIND[kind], nth });
});

When('リーダーからの{int}番目の{word}が重複して届く', async function (this: ReaderWorld, nth: number, kind: string) {
  await arm(this, { fault: 'duplicate', only: KIND[kind], nth });
});

When('リーダーからの{int}番目の{word}のCRCが壊れる', async function (this: ReaderWorld, nth: number, kind: string) {
  await arm(this, { fault: 'corrupt', only: KIND[kind], nth });
});

When('リーダーからの次の{int}個の応答がタイムアウトを過ぎてから届く', async function (this: ReaderWorld, n: number) {
  const delayMs = 2 * currentRun().declaration.timing.commandTimeoutMs;
  await arm(this, { fault: 'delay', only: 'response', every: 1, times: n, delayMs });
});

When('リーダーが次の応答をステータス{string}で返す', async function (this: ReaderWorld, status: string) {
  await arm(this, { fault: 'wrongStatus', nth: 1, status: status as FaultRule['status'] });
});

When('端末からの次のコマンドが失われる', async function (this: ReaderWorld) {
  await arm(this, { fault: 'drop', direction: 'toReader', only: 'command', nth: 1 });
});

When('リーダーからの全てのフレームの前にノイズが入る', async function (this: ReaderWorld) {
  await arm(this, { fault: 'garbage', every: 1, bytes: 24 });
});

When('リーダーからのフレームが1バイトずつ届く', async function (this: ReaderWorld) {
  await arm(this, { fault: 'fragment', every: 1 });
});

When('リーダーからのイベントの{int}%が失われる', async function (this: ReaderWorld, percent: number) {
  await arm(this, { fault: 'drop', only: 'event', fraction: percent / 100, seed: 20261124 });
});

When('{int}人の患者が続けて顔認証で本人確認する', async function (this: ReaderWorld, n: number) {
  const p = (await this.terminal(), this.target.patient(0));
  return this.physical(async () => {
    for (let i = 0; i < n; i++) {
      await p.placeCard('normal');
      await p.chooseMethod('face');
      await p.presentFace();
      await p.answerConsent('all');
      await p.removeCard();
    }
  });
});

Then('端末は重複したイベントを1回だけ処理した', async function (this: ReaderWorld) {
  const link = (await this.terminal()).client(0)!.link;
  assert.ok(link.stats.duplicateEvents > 0, 'duplicates the terminal recognised');
});

Then('端末はコマンドを再送した', async function (this: ReaderWorld) {
  assert.ok((await this.terminal()).client(0)!.link.stats.commandRetries > 0);
});

Then('本人確認できた記録は全部で{int}件で、どの記録も重複していない', async function (this: ReaderWorld, n: number) {
  const records = (await this.terminal()).records();
  assert.equal(records.filter((r) => r.outcome === 'confirmed').length, n, `length of ${JSON.stringify(records.filter((r) => r.outcome === 'confirmed'))}`);
  assert.equal(new Set(records.map((r) => r.id)).size, records.length);
  // Every transaction the reader started shows up once: ids are the reader's txIds.
  assert.deepEqual(
    records.filter((r) => r.id.includes('~')),
    [],
  );
});

Then('モードの切替えの記録は{int}件である', async function (this: ReaderWorld, n: number) {
  assert.equal((await this.terminal()).modeChanges().length, n);
});

When('端末からのACKが全て失われる', async function (this: ReaderWorld) {
  await arm(this, { fault: 'drop', direction: 'toReader', only: 'ack', every: 1 });
});

When('リンクの障害が直る', async function (this: ReaderWorld) {
  await this.terminal();
  await this.target.fault(0, 'clear');
});

When('{int}台目のリーダーのケーブルが抜ける', async function (this: ReaderWorld, n: number) {
  await this.terminal();
  await this.target.unplug(n - 1);
});

When('{int}台目のリーダーのケーブルを差し直す', async function (this: ReaderWorld, n: number) {
  await this.target.replug(n - 1);
});

When('リーダーが再起動する', async function (this: ReaderWorld) {
  await this.terminal();
  await this.target.reboot(0);
});

Then('端末にリーダーとの接続が切れたと表示される', async function (this: ReaderWorld) {
  const t = await this.terminal();
  assert.ok(
    t
      .alerts()
      .map((a) => a.code)
      .includes('readerDisconnected'),
    `${JSON.stringify(t.alerts().map((a) => a.code))} does not include ${JSON.stringify('readerDisconnected')}`,
  );
  assert.equal(t.status().readers.length, 0, `length of ${JSON.stringify(t.status().readers)}`);
});

Then('端末にリーダーが再起動したと表示される', async function (this: ReaderWorld) {
  const codes = (await this.terminal()).alerts().map((a) => a.code);
  assert.ok(codes.includes('readerRestarted'), JSON.stringify(codes));
});

Then('リーダーは再接続されている', async function (this: ReaderWorld) {
  const t = await this.terminal();
  assert.equal(t.status().readers.length, 1, `length of ${JSON.stringify(t.status().readers)}`);
  assert.ok(
    !t
      .alerts()
      .map((a) => a.code)
      .includes('readerDisconnected'),
    `${JSON.stringify(t.alerts().map((a) => a.code))} includes ${JSON.stringify('readerDisconnected')}`,
  );
});
