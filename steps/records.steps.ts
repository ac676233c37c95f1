import { Then } from '@cucumber/cucumber';
import assert from 'node:assert/strict';
import type { ConfirmationRecord } from '../src/reader/records';
import type { ReaderWorld } from './support/world';
import { consentOf, failReasonOf, methodOf, SCENARIO_PINS } from './support/vocabulary';
import { ERRORS } from '../src/reader/errors';

async function records(world: ReaderWorld, outcome?: ConfirmationRecord['outcome']) {
  const all = (await world.terminal()).records();
  return outcome ? all.filter((r) => r.outcome === outcome) : all;
}

Then('エラー{string}となる', async function (this: ReaderWorld, code: string) {
  if (!Object.hasOwn(ERRORS, code))
    throw new Error(`「${code}」はエラーコードの表（docs/steps.md）にありません / not an error code; expected one of: ${Object.keys(ERRORS).join(', ')}`);
  assert.equal(this.error?.code, code, `refusal: ${JSON.stringify(this.error)}`);
  assert.ok(typeof this.error!.message === 'string' && this.error!.message.length > 10, `message: ${JSON.stringify(this.error!.message)}`);
});

Then('エラーにならない', async function (this: ReaderWorld) {
  assert.equal(this.error, null);
});

Then('本人確認が{string}で完了した記録がある', async function (this: ReaderWorld, word: string) {
  const method = methodOf(word);
  const hits = (await records(this, 'confirmed')).filter((r) => r.method === method);
  assert.ok(hits.length > 0, JSON.stringify(await records(this)));
});

Then('本人確認できた記録は{int}件である', async function (this: ReaderWorld, n: number) {
  assert.equal((await records(this, 'confirmed')).length, n);
});

Then('本人確認できた記録はない', async function (this: ReaderWorld) {
  assert.equal((await records(this, 'confirmed')).length, 0, JSON.stringify(await records(this)));
});

Then('本人確認できなかった記録の理由は{string}である', async function (this: ReaderWorld, word: string) {
  const failed = await records(this, 'failed');
  assert.equal(failed.at(-1)?.failReason, failReasonOf(word), JSON.stringify(failed));
});

Then('最新の記録の資格確認日は{string}である', async function (this: ReaderWorld, date: string) {
  assert.equal((await records(this)).at(-1)?.confirmationDate, date);
});

Then('最新の記録の確認者はログイン中のアカウントである', async function (this: ReaderWorld) {
  const last = (await records(this)).at(-1);
  assert.equal(last?.operator, this.actor?.account);
});

Then('最新の記録の同意は{string}である', async function (this: ReaderWorld, word: string) {
  const want = consentOf(word);
  assert.equal((await records(this)).at(-1)?.consent, want);
});

Then('最新の記録にリーダーの製造番号がある', async function (this: ReaderWorld) {
  const last = (await records(this)).at(-1);
  const serial = (await this.terminal()).status().readers[0]?.serial;
  assert.equal(typeof last?.reader.serial, 'string');
  assert.equal(last?.reader.serial, serial);
});

Then('記録には暗証番号・顔画像・個人番号が含まれない', async function (this: ReaderWorld) {
  const all = await records(this);
  assert.ok(all.length > 0, `${JSON.stringify(all)} is not longer than 0`);
  for (const r of all) {
    assert.deepEqual(
      Object.keys(r).sort(),
      ['cardId', 'confirmationDate', 'consent', 'failReason', 'finishedAt', 'id', 'method', 'operator', 'outcome', 'reader', 'startedAt'].sort(),
    );
    const text = JSON.stringify(r);
    assert.doesNotMatch(text, /(?<!\d)\d{12}(?!\d)/, 'no 12-digit number');
    if (r.cardId) assert.match(r.cardId, /^[0-9a-f]{32}$/);
  }
});

Then('リンクを流れたデータに暗証番号の数字が含まれない', async function (this: ReaderWorld) {
  // Every frame the terminal sent or received, as ASCII: the typed PIN must never be on the wire.
  const t = await this.terminal();
  assert.ok(t.records().length > 0, `${t.records().length} is not above 0`);
  const seen = this.wire.join('');
  assert.ok(seen.length > 0, 'frames were captured');
  for (const pin of SCENARIO_PINS) assert.ok(!Buffer.from(seen, 'hex').toString('latin1').includes(pin), 'a PIN appears in the frames on the link'); // the frames themselves stay out of the report
});
