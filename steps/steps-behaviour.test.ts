/**
 * Steps must fail when what they describe did not happen, with a message a QA engineer can act on.
 * A scenario cannot assert that one of its own steps fails, so these run small features through
 * cucumber (the emulator profile's steps, in this process) and look at each step's result.
 */
import { test } from 'node:test';
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Envelope } from '@cucumber/messages';

const ROOT = resolve(__dirname, '..');

const FEATURE = `# language: ja
機能: 振る舞いの検査

  背景:
    前提 顔認証付きカードリーダーが1台接続されている
    かつ 管理者アカウントでログインしている

  シナリオ: メッセージがないときの《OK》
    もし 《OK》をクリックする

  シナリオ: メッセージがないときの《キャンセル》
    もし 《キャンセル》をクリックする

  シナリオ: 切替完了メッセージに《キャンセル》はない
    もし 《目視確認》をクリックする
    かつ 《OK》をクリックする
    かつ 《キャンセル》をクリックする

  シナリオ: 端末が起動した後のリーダー台数
    前提 今日は"2026/11/24"である
    かつ 顔認証付きカードリーダーが2台接続されている

  シナリオ: 表にないエラーコード
    もし 《目視確認》をクリックする
    ならば エラー"OQS_ERR_NO_SUCH_CODE"となる

  シナリオ: 表にない理由
    ならば 本人確認できなかった記録の理由は"noSuchReason"である

  シナリオ: 入力できるのに入力できないと書いた
    前提 運転モードを"暗証番号認証固定"に切り替えてある
    もし 患者が"通常"のマイナンバーカードを置く
    かつ 患者が正しい暗証番号を入力しようとするが、入力できない

  シナリオ: 暗証番号のないカードでは入力できない
    前提 運転モードを"暗証番号認証固定"に切り替えてある
    もし 患者が"顔認証マイナンバーカード"のマイナンバーカードを置く
    かつ 患者が正しい暗証番号を入力しようとするが、入力できない
    ならば 本人確認できた記録はない

  シナリオ: 受け付けられない行為を普通のステップで書いた
    前提 運転モードを"暗証番号認証固定"に切り替えてある
    もし 患者が"顔認証マイナンバーカード"のマイナンバーカードを置く
    かつ 患者が正しい暗証番号を入力する

  シナリオ: 出ていないお知らせ
    ならば 端末に職員へのお知らせ"顔認証付きカードリーダーが再起動しました"が表示されている

  シナリオ: 前の患者の画面は今の患者の確認に数えない
    もし 患者が"通常"のマイナンバーカードを置く
    かつ 患者が顔認証で本人確認を済ませる
    かつ 患者がカードを取る
    かつ 管理者が運転モードを"暗証番号認証固定"に切り替える
    かつ 患者が"通常"のマイナンバーカードを置く
    ならば リーダーは本人確認の方法を尋ねなかった
    かつ リーダーに"カメラに顔を向けてください"と表示されていない
`;

type StepResult = { text: string; status: string; message: string };

async function run(feature: string): Promise<Map<string, StepResult[]>> {
  const dir = mkdtempSync(join(tmpdir(), 'oqs-steps-'));
  try {
    const file = join(dir, 'behaviour.feature');
    writeFileSync(file, feature);
    const { loadConfiguration, runCucumber } = await import('@cucumber/cucumber/api');
    const { runConfiguration } = await loadConfiguration(
      {
        file: false,
        provided: {
          requireModule: [],
          require: ['steps/**/!(*.test).ts'],
          paths: [file],
          format: [],
          worldParameters: { target: 'emulator' },
        },
      },
      { cwd: ROOT },
    );
    const envelopes: Envelope[] = [];
    await runCucumber(runConfiguration, { cwd: ROOT, stdout: process.stdout, stderr: process.stderr }, (e) => envelopes.push(e));
    const pickles = new Map<string, { name: string; steps: Map<string, string> }>();
    const testCases = new Map<string, { pickle: string; steps: Map<string, string> }>();
    const attempts = new Map<string, string>();
    const out = new Map<string, StepResult[]>();
    for (const e of envelopes) {
      if (e.pickle) pickles.set(e.pickle.id, { name: e.pickle.name, steps: new Map(e.pickle.steps.map((s) => [s.id, s.text])) });
      if (e.testCase) {
        const p = pickles.get(e.testCase.pickleId)!;
        const steps = new Map(e.testCase.testSteps.filter((s) => s.pickleStepId).map((s) => [s.id, p.steps.get(s.pickleStepId!)!]));
        testCases.set(e.testCase.id, { pickle: p.name, steps });
      }
      if (e.testCaseStarted) attempts.set(e.testCaseStarted.id, e.testCaseStarted.testCaseId);
      if (e.testStepFinished) {
        const tc = testCases.get(attempts.get(e.testStepFinished.testCaseStartedId)!)!;
        const text = tc.steps.get(e.testStepFinished.testStepId);
        if (text === undefined) continue;
        const r = e.testStepFinished.testStepResult;
        out.set(tc.pickle, [...(out.get(tc.pickle) ?? []), { text, status: r.status, message: r.message ?? '' }]);
      }
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let results: Promise<Map<string, StepResult[]>> | null = null;
const scenario = async (name: string) => {
  results ??= run(FEATURE);
  const steps = (await results).get(name);
  if (!steps) throw new Error(`scenario 「${name}」 did not run`);
  return steps;
};
const failed = (steps: StepResult[]) => steps.find((s) => s.status === 'FAILED');
/** Staff-facing refusals in the suite speak Japanese and English (a vendor abroad runs it too). */
const bilingual = /[\u3040-\u30ff\u4e00-\u9fff].*\n?.*[A-Za-z]{4,}/s;

test('《OK》 with no message on the screen fails the step, in Japanese and English', async () => {
  const f = failed(await scenario('メッセージがないときの《OK》'));
  expect(f?.text).to.equal('《OK》をクリックする');
  expect(f!.message)
    .to.match(bilingual)
    .and.match(/《OK》/);
});

test('《キャンセル》 with no message, or on a message that has no cancel, fails the step', async () => {
  expect(failed(await scenario('メッセージがないときの《キャンセル》'))?.text).to.equal('《キャンセル》をクリックする');
  const f = failed(await scenario('切替完了メッセージに《キャンセル》はない'));
  expect(f?.text).to.equal('《キャンセル》をクリックする');
  expect(f!.message).to.match(bilingual);
});

test('a reader count given after the terminal is up fails instead of being ignored', async () => {
  const f = failed(await scenario('端末が起動した後のリーダー台数'));
  expect(f?.text).to.equal('顔認証付きカードリーダーが2台接続されている');
  expect(f!.message).to.match(bilingual);
});

test('an error code or a failure reason that is in no table is refused by the step', async () => {
  expect(failed(await scenario('表にないエラーコード'))?.message)
    .to.match(/OQS_ERR_NO_SUCH_CODE/)
    .and.match(/OQS_ERR_DATE_FORMAT/);
  expect(failed(await scenario('表にない理由'))?.message)
    .to.match(/noSuchReason/)
    .and.match(/faceMismatch/);
});

test('a refused act is a step: it passes when the reader refuses, and fails when the reader accepts', async () => {
  const accepted = failed(await scenario('入力できるのに入力できないと書いた'));
  expect(accepted?.text).to.equal('患者が正しい暗証番号を入力しようとするが、入力できない');
  const refused = await scenario('暗証番号のないカードでは入力できない');
  expect(refused.map((s) => s.status)).to.deep.equal(Array(refused.length).fill('PASSED'));
});

test('an information message to staff can be asserted, and the step fails when it is not shown', async () => {
  const f = failed(await scenario('出ていないお知らせ'));
  expect(f?.text).to.match(/^端末に職員へのお知らせ/);
});

test('negative reader-screen checks look at the current patient only (since the last card placed)', async () => {
  const steps = await scenario('前の患者の画面は今の患者の確認に数えない');
  expect(steps.map((s) => `${s.status} ${s.text}`)).to.deep.equal(steps.map((s) => `PASSED ${s.text}`));
});

test('a plain act the reader refuses fails in Japanese and English, pointing to the refusal step', async () => {
  const f = failed(await scenario('受け付けられない行為を普通のステップで書いた'));
  expect(f?.text).to.equal('患者が正しい暗証番号を入力する');
  expect(f!.message)
    .to.include('正しい暗証番号を入力しようとするが、入力できない')
    .and.match(/refused/);
});
