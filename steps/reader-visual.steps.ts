import { Given, Then, When } from '@cucumber/cucumber';
import assert from 'node:assert/strict';
import { SYNTHETIC_FACILITY_PASSWORDS } from '../simulator/reader-visual';
import type { ReaderWorld } from './support/world';

// Reader-side 目視確認 (the 2025 flow, issue 13 part 1): staff on the reader itself, with the
// facility's 目視モード用パスワード; the terminal's mode never changes.

async function setPassword(world: ReaderWorld, rule: { maxWrong?: number; lockMinutes?: number }): Promise<void> {
  const actor = world.actor;
  assert.ok(actor?.role === 'admin', 'an administrator is logged in (「管理者アカウントでログインしている」)');
  const t = await world.terminal();
  await world.target.settle(t.setVisualPassword(actor, { password: SYNTHETIC_FACILITY_PASSWORDS.right, ...rule }));
}

Given('管理者が目視モード用パスワードを設定してある', async function (this: ReaderWorld) {
  await setPassword(this, {});
});

Given(
  '管理者が目視モード用パスワードを、{int}回誤ると{int}分ロックする設定で設定してある',
  async function (this: ReaderWorld, maxWrong: number, lockMinutes: number) {
    await setPassword(this, { maxWrong, lockMinutes });
  },
);

When('職員がリーダーで目視確認を選ぶ', async function (this: ReaderWorld) {
  await this.target.patient().chooseVisualCheck();
});

When('職員がリーダーに目視モード用パスワードを入力する', async function (this: ReaderWorld) {
  await this.target.patient().enterFacilityPassword(true);
});

When('職員がリーダーに誤った目視モード用パスワードを入力する', async function (this: ReaderWorld) {
  await this.target.patient().enterFacilityPassword(false);
});

When('職員がリーダーに誤った目視モード用パスワードを{int}回入力する', async function (this: ReaderWorld, n: number) {
  for (let i = 0; i < n; i++) await this.target.patient().enterFacilityPassword(false);
});

When('職員が患者を目視で確認し、リーダーで確認を押す', async function (this: ReaderWorld) {
  await this.target.patient().confirmVisually();
});

Then('最新の記録はリーダーでの目視確認である', async function (this: ReaderWorld) {
  const last = (await this.terminal()).records().at(-1);
  assert.deepEqual({ method: last?.method, readerSide: last?.readerSide }, { method: 'visual', readerSide: true }, JSON.stringify(last));
});

Then('端末にリーダーでの目視確認がロックされたと表示される', async function (this: ReaderWorld) {
  const alerts = (await this.terminal()).alerts();
  const lock = alerts.find((a) => a.code === 'visualPasswordLocked');
  assert.ok(lock, JSON.stringify(alerts.map((a) => a.code)));
  assert.match(lock.message, /目視確認が\d+分間ロックされました/);
});

Then('端末にリーダーでの目視確認のロックは表示されていない', async function (this: ReaderWorld) {
  const codes = (await this.terminal()).alerts().map((a) => a.code);
  assert.ok(!codes.includes('visualPasswordLocked'), JSON.stringify(codes));
});

Then('リンクを流れたデータに目視モード用パスワードが含まれない', async function (this: ReaderWorld) {
  const seen = Buffer.from(this.wire.join(''), 'hex').toString('utf8');
  assert.ok(seen.length > 0, 'frames were captured');
  // Checked, never printed: the message must not become the leak.
  for (const pw of Object.values(SYNTHETIC_FACILITY_PASSWORDS)) assert.ok(!seen.includes(pw), 'a 目視モード用パスワード appears in the frames on the link');
});
