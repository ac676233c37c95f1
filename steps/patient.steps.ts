import { When } from '@cucumber/cucumber';
import type { ReaderWorld } from './support/world';
import { conditionOf, consentOf, methodOf, profileOf } from './support/vocabulary';
import { expectAccepted, expectRefused } from './support/visit';

const FACE = { act: 'カメラに顔を向けて撮影される', refusalStep: '患者がカメラに顔を向けようとするが、撮影されない' };
const WRONG_PIN = { act: '誤った暗証番号を入力する', refusalStep: '患者が誤った暗証番号を入力しようとするが、入力できない' };

/** Patient acts at reader #1, or at the reader named by 「{int}台目の」. */
async function patient(world: ReaderWorld, reader = 1) {
  await world.terminal();
  return world.target.patient(reader - 1);
}

When('患者が{string}のマイナンバーカードを置く', async function (this: ReaderWorld, word: string) {
  const profile = profileOf(word);
  return this.physical(async () => expectAccepted({ act: 'カードを置く' }, async () => (await patient(this)).placeCard(profile)));
});

When('患者が{int}台目のリーダーに{string}のマイナンバーカードを置く', async function (this: ReaderWorld, n: number, word: string) {
  const profile = profileOf(word);
  return this.physical(async () => expectAccepted({ act: 'カードを置く' }, async () => (await patient(this, n)).placeCard(profile)));
});

When('患者が{string}を選ぶ', async function (this: ReaderWorld, word: string) {
  const method = methodOf(word);
  if (method === 'visual') throw new Error('患者が選ぶのは顔認証か暗証番号です / patients choose 顔認証 or 暗証番号');
  return this.physical(async () =>
    expectAccepted({ act: `${word}を選ぶ`, refusalStep: `患者が"${word}"を選ぼうとするが、選べない` }, async () => (await patient(this)).chooseMethod(method)),
  );
});

When('患者がカメラに顔を向ける', async function (this: ReaderWorld) {
  return this.physical(async () => expectAccepted(FACE, async () => (await patient(this)).presentFace()));
});

When('患者が{string}の状態でカメラに顔を向ける', async function (this: ReaderWorld, word: string) {
  const condition = conditionOf(word);
  return this.physical(async () => expectAccepted(FACE, async () => (await patient(this)).presentFace(condition)));
});

When('患者が正しい暗証番号を入力する', async function (this: ReaderWorld) {
  return this.physical(async () =>
    expectAccepted({ act: '正しい暗証番号を入力する', refusalStep: '患者が正しい暗証番号を入力しようとするが、入力できない' }, async () =>
      (await patient(this)).enterCorrectPin(),
    ),
  );
});

When('患者が誤った暗証番号を入力する', async function (this: ReaderWorld) {
  return this.physical(async () => expectAccepted(WRONG_PIN, async () => (await patient(this)).enterWrongPin()));
});

When('患者が誤った暗証番号を{int}回入力する', async function (this: ReaderWorld, times: number) {
  const p = await patient(this);
  return this.physical(async () => {
    for (let i = 0; i < times; i++) await expectAccepted(WRONG_PIN, () => p.enterWrongPin());
  });
});

When('患者が同意画面で{string}を選ぶ', async function (this: ReaderWorld, word: string) {
  const choice = consentOf(word);
  return this.physical(async () =>
    expectAccepted({ act: `同意画面で${word}を選ぶ`, refusalStep: `患者が同意画面で"${word}"を選ぼうとするが、選べない` }, async () =>
      (await patient(this)).answerConsent(choice),
    ),
  );
});

When('患者がカードを取る', async function (this: ReaderWorld) {
  return this.physical(async () => expectAccepted({ act: 'カードを取る' }, async () => (await patient(this)).removeCard()));
});

When('患者が顔認証で本人確認を済ませる', async function (this: ReaderWorld) {
  const p = await patient(this);
  return this.physical(async () => {
    await p.chooseMethod('face');
    await p.presentFace();
    await p.answerConsent('all');
  });
});

// Acts the reader must refuse (a PIN on a card that has none, 顔認証 in 暗証番号認証固定, …): the
// step passes when the reader does not let the patient do it, and fails when it does.

When('患者が正しい暗証番号を入力しようとするが、入力できない', async function (this: ReaderWorld) {
  const p = await patient(this);
  await expectRefused(this, '正しい暗証番号を入力する', () => p.enterCorrectPin());
});

When('患者が誤った暗証番号を入力しようとするが、入力できない', async function (this: ReaderWorld) {
  const p = await patient(this);
  await expectRefused(this, '誤った暗証番号を入力する', () => p.enterWrongPin());
});

When('患者が{string}を選ぼうとするが、選べない', async function (this: ReaderWorld, word: string) {
  const method = methodOf(word);
  if (method === 'visual') throw new Error('患者が選ぶのは顔認証か暗証番号です / patients choose 顔認証 or 暗証番号');
  const p = await patient(this);
  await expectRefused(this, `${word}を選ぶ`, () => p.chooseMethod(method));
});

When('患者がカメラに顔を向けようとするが、撮影されない', async function (this: ReaderWorld) {
  const p = await patient(this);
  await expectRefused(this, 'カメラに顔を向ける', () => p.presentFace());
});

When('患者が同意画面で{string}を選ぼうとするが、選べない', async function (this: ReaderWorld, word: string) {
  const choice = consentOf(word);
  const p = await patient(this);
  await expectRefused(this, '同意する', () => p.answerConsent(choice));
});
