import { Then } from '@cucumber/cucumber';
import { expect } from 'chai';
import type { ConfirmationRecord } from '../src/reader/records';
import type { ReaderWorld } from './support/world';
import { consentOf, failReasonOf, methodOf } from './support/vocabulary';
import { ERRORS } from '../src/reader/errors';

async function records(world: ReaderWorld, outcome?: ConfirmationRecord['outcome']) {
  const all = (await world.terminal()).records();
  return outcome ? all.filter((r) => r.outcome === outcome) : all;
}

Then('エラー{string}となる', async function (this: ReaderWorld, code: string) {
  if (!(code in ERRORS)) throw new Error(`「${code}」はエラーコードの表（docs/steps.md）にありません / not an error code; expected one of: ${Object.keys(ERRORS).join(', ')}`);
  expect(this.error?.code, `refusal: ${JSON.stringify(this.error)}`).to.equal(code);
  expect(this.error!.message).to.be.a('string').with.length.greaterThan(10);
});

Then('エラーにならない', async function (this: ReaderWorld) {
  expect(this.error).to.equal(null);
});

Then('本人確認が{string}で完了した記録がある', async function (this: ReaderWorld, word: string) {
  const method = methodOf(word);
  const hits = (await records(this, 'confirmed')).filter((r) => r.method === method);
  expect(hits, JSON.stringify(await records(this))).to.have.length.greaterThan(0);
});

Then('本人確認できた記録は{int}件である', async function (this: ReaderWorld, n: number) {
  expect(await records(this, 'confirmed')).to.have.length(n);
});

Then('本人確認できた記録はない', async function (this: ReaderWorld) {
  expect(await records(this, 'confirmed'), JSON.stringify(await records(this))).to.have.length(0);
});

Then('本人確認できなかった記録の理由は{string}である', async function (this: ReaderWorld, word: string) {
  const failed = await records(this, 'failed');
  expect(failed.at(-1)?.failReason, JSON.stringify(failed)).to.equal(failReasonOf(word));
});

Then('最新の記録の資格確認日は{string}である', async function (this: ReaderWorld, date: string) {
  expect((await records(this)).at(-1)?.confirmationDate).to.equal(date);
});

Then('最新の記録の確認者はログイン中のアカウントである', async function (this: ReaderWorld) {
  const last = (await records(this)).at(-1);
  expect(last?.operator).to.equal(this.actor?.account);
});

Then('最新の記録の同意は{string}である', async function (this: ReaderWorld, word: string) {
  const want = consentOf(word);
  expect((await records(this)).at(-1)?.consent).to.equal(want);
});

Then('最新の記録にリーダーの製造番号がある', async function (this: ReaderWorld) {
  const last = (await records(this)).at(-1);
  const serial = (await this.terminal()).status().readers[0]?.serial;
  expect(last?.reader.serial).to.equal(serial).and.to.be.a('string');
});

Then('記録には暗証番号・顔画像・個人番号が含まれない', async function (this: ReaderWorld) {
  const all = await records(this);
  expect(all).to.have.length.greaterThan(0);
  for (const r of all) {
    expect(Object.keys(r).sort()).to.deep.equal(
      ['cardId', 'confirmationDate', 'consent', 'failReason', 'finishedAt', 'id', 'method', 'operator', 'outcome', 'reader', 'startedAt'].sort(),
    );
    const text = JSON.stringify(r);
    expect(text, 'no 12-digit number').not.to.match(/(?<!\d)\d{12}(?!\d)/);
    if (r.cardId) expect(r.cardId).to.match(/^[0-9a-f]{32}$/);
  }
});

Then('リンクを流れたデータに暗証番号の数字が含まれない', async function (this: ReaderWorld) {
  // Every frame the terminal sent or received, as ASCII: the typed PIN must never be on the wire.
  const t = await this.terminal();
  expect(t.records().length).to.be.greaterThan(0);
  const seen = this.wire.join('');
  expect(seen.length, 'frames were captured').to.be.greaterThan(0);
  for (const pin of ['4729', '0000']) expect(Buffer.from(seen, 'hex').toString('latin1')).not.to.include(pin);
});
