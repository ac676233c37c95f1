import { test } from 'node:test';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runCaptured } from './test-cli';
import { parseTrace, serializeTrace, type Trace, type TraceFrame } from './format';
import { traceToScenario } from './to-scenario';
import { runToScenario } from './to-scenario-main';

const ROOT = join(__dirname, '..', '..');
const GOLDEN = join(ROOT, 'features', 'golden');
const golden = (name: string): Trace => parseTrace(readFileSync(join(GOLDEN, `${name}.ndjson`), 'utf8'));
const named = (t: Trace, name: string, n = 0) => t.frames.filter((f) => f.msg && 'name' in f.msg && f.msg.name === name)[n]!;
const fieldsOf = (f: TraceFrame) => (f.msg as { fields: Record<string, number | string> }).fields;
/** The step lines of a generated scenario, without keyword or indentation. */
const steps = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^(前提|もし|ならば|かつ|しかし) /.test(l))
    .map((l) => l.replace(/^\S+ /, ''));

/** The step texts of docs/steps.md as patterns ({string}, {int}, {word}, {mode}). */
function documentedSteps(): RegExp[] {
  const doc = readFileSync(join(ROOT, 'docs', 'steps.md'), 'utf8').split('## Words the steps understand')[0]!;
  const rows = [...doc.matchAll(/^\| (.+?) \| (前提|もし|ならば) \|$/gm)].map((m) => m[1]!);
  const params: Record<string, string> = { '{string}': '"[^"]*"', '{int}': '-?\\d+', '{word}': '\\S+', '{mode}': '(?:無人運転|目視確認|暗証番号認証固定)' };
  return rows.map(
    (r) =>
      new RegExp(
        `^${r
          .split(/(\{\w+\})/)
          .map((part) => params[part] ?? part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('')}$`,
      ),
  );
}

test('every golden trace becomes a scenario of documented steps only', () => {
  const documented = documentedSteps();
  expect(documented.length).to.be.greaterThan(100);
  const names = readdirSync(GOLDEN).filter((f) => f.endsWith('.ndjson'));
  expect(names.length).to.be.greaterThanOrEqual(3);
  for (const file of names) {
    const { text, skipped } = traceToScenario(golden(file.replace(/\.ndjson$/, '')));
    expect(skipped, file).to.deep.equal([]);
    expect(text).to.match(/^# language: ja\n/);
    for (const s of steps(text))
      expect(
        documented.some((d) => d.test(s)),
        `${file}: 「${s}」 is not in docs/steps.md`,
      ).to.equal(true);
  }
});

test('the match-error golden: the card, the PIN fall-back and the outcomes read back from the messages', () => {
  const s = steps(traceToScenario(golden('match-error-pin-fallback')).text);
  expect(s).to.deep.equal([
    '顔認証付きカードリーダーが1台接続されている',
    '今日は"2026/11/24"である',
    '患者が"顔の手術後"のマイナンバーカードを置く',
    '患者が"顔認証"を選ぶ',
    '患者がカメラに顔を向ける',
    '顔認証の照合結果は不一致である',
    'リーダーに"照合エラー"と表示された',
    // The reader's own methodChosen pin after 照合エラー is no act of the patient's.
    '患者が誤った暗証番号を入力する',
    '暗証番号の残り回数は2回と通知された',
    '患者が正しい暗証番号を入力する',
    '暗証番号の残り回数は3回と通知された',
    '本人確認が"暗証番号"で完了した記録がある',
    '患者が同意画面で"全て同意する"を選ぶ',
    '最新の記録の同意は"全て同意する"である',
    '患者がカードを取る',
    'リーダーの画面は"マイナンバーカードを置いてください"である',
  ]);
});

test('the visual-check golden: the staff acts (mode switches, the check, both OKs) come from the host commands', () => {
  const s = steps(traceToScenario(golden('visual-check')).text);
  expect(s).to.include.members([
    '管理者アカウントでログインしている',
    '管理者が運転モードを"目視確認"に切り替える',
    '職員が《目視で本人確認完了》をチェックする',
  ]);
  expect(s.filter((l) => l === '《OK》をクリックする')).to.have.length(2);
  expect(s.indexOf('管理者が運転モードを"無人運転"に切り替える')).to.be.greaterThan(s.indexOf('患者がカードを取る'));
  // A date other than the day of the recording is typed in.
  const other = golden('visual-check');
  fieldsOf(named(other, 'startVisualCheck')).confirmationDate = '20261120';
  expect(steps(traceToScenario(other).text)).to.include('職員が《資格確認日》に"2026/11/20"と入力する');
});

test('ambiguous or approximate evidence: the profile and condition chosen, and a # comment that says so', () => {
  // A real card (unknown cardId) scoring 37 and falling back to the PIN: 通常 with 包帯, or 包帯・眼帯 as it is.
  const bandaged = golden('match-error-pin-fallback');
  fieldsOf(named(bandaged, 'faceResult')).score = 37;
  fieldsOf(named(bandaged, 'identityConfirmed')).cardId = 'ab'.repeat(16);
  const a = traceToScenario(bandaged);
  expect(steps(a.text)).to.include.members(['患者が"包帯・眼帯"のマイナンバーカードを置く', '患者がカメラに顔を向ける']);
  expect(a.notes).to.deep.equal(['カードの種類は "通常"、"包帯・眼帯" のどれでも記録どおりになる。"包帯・眼帯" を選んだ']);
  expect(a.text).to.include('# カードの種類は "通常"、"包帯・眼帯" のどれでも記録どおりになる。');
  // A score no emulated card gives (a real face engine): the same outcome, said in a comment.
  const real = golden('face-auth-unattended');
  fieldsOf(named(real, 'faceResult')).score = 80;
  fieldsOf(named(real, 'identityConfirmed')).cardId = 'cd'.repeat(16);
  const b = traceToScenario(real);
  expect(steps(b.text)).to.include.members(['患者が"通常"のマイナンバーカードを置く', '患者がカメラに顔を向ける', '本人確認が"顔認証"で完了した記録がある']);
  expect(b.notes[0]).to.match(/^顔認証のスコアはどのカードの種類・顔の状態とも一致しない/);
  // The emulator's own card, by its cardId, when several profiles would do.
  expect(traceToScenario(golden('face-auth-unattended')).notes).to.deep.equal(['カードIDがエミュレータのカード"通常"のものなので、それを選んだ']);
  // 通常 with 眼帯 (92 − 50 = 42): the condition goes into the step.
  const patched = golden('match-error-pin-fallback');
  fieldsOf(named(patched, 'faceResult')).score = 42;
  fieldsOf(named(patched, 'identityConfirmed')).cardId = new Array(17).join('00');
  expect(steps(traceToScenario(patched).text)).to.include.members(['患者が"通常"のマイナンバーカードを置く', '患者が"眼帯"の状態でカメラに顔を向ける']);
});

test('what the steps cannot reproduce is a # comment where it happened and is listed', () => {
  const t = golden('face-auth-unattended');
  const at = t.frames.indexOf(named(t, 'cardRemoved'));
  t.frames.splice(at, 0, { t: 1500, path: '/dev/ttyEMU0', dir: 'h2r', hex: '', msg: { kind: 'command', seq: 30, name: 'reset', fields: {} } });
  t.frames.push({ t: 1600, path: '/dev/ttyEMU0', dir: 'r2h', hex: 'a5ff', msg: null, error: 'CRC mismatch' });
  const { text, skipped } = traceToScenario(t);
  expect(skipped).to.deep.equal(['端末からの reset', 'リンクの乱れ（繰り返されたフレーム 0、解読できないフレーム 1）']);
  expect(text).to.match(/# 再現していない: 端末からの reset\n\s+もし 患者がカードを取る/);
});

test('a recording that starts with the card already on the reader: the acts before the next card are listed as not reproduced, not written as steps that cannot pass', () => {
  const t = golden('face-auth-unattended');
  // The tap was started while the patient was at the consent screen: everything before consentGiven is not in it.
  const from = t.frames.indexOf(named(t, 'consentGiven'));
  const helloEnd = t.frames.findIndex((f) => f.msg?.kind === 'command' && f.msg.name === 'setMode') + 2;
  t.frames.splice(helloEnd, from - helloEnd);
  const { text, skipped } = traceToScenario(t);
  expect(skipped).to.include.members([
    '記録の開始時にカードが置かれていた（consentGiven）：カードを置くところから記録し直すか、手で補う',
    '記録の開始時にカードが置かれていた（cardRemoved）：カードを置くところから記録し直すか、手で補う',
  ]);
  expect(steps(text).filter((s) => /同意画面|カードを取る/.test(s))).to.deep.equal([]);
  // Begun later still, at the outcome: no assertion of an outcome no step caused.
  const late = golden('face-auth-unattended');
  const at = late.frames.indexOf(named(late, 'identityConfirmed'));
  late.frames.splice(helloEnd, at - helloEnd);
  expect(steps(traceToScenario(late).text).filter((s) => /記録がある|記録の同意/.test(s))).to.deep.equal([]);
});

test('oqs-reader trace to-scenario: stdout or -o FILE, exit codes and usage errors', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oqs-to-scenario-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const src = join(dir, 'session.ndjson');
  writeFileSync(src, serializeTrace(golden('face-auth-unattended')));
  const run = (...argv: string[]) => runCaptured(runToScenario, argv);
  const printed = await run(src);
  expect(printed.code).to.equal(0);
  expect(printed.out).to.include('# oqs-reader trace to-scenario session.ndjson が生成した');
  const file = join(dir, 'session.feature');
  expect((await run(src, '-o', file)).out).to.equal('');
  expect(readFileSync(file, 'utf8')).to.equal(printed.out);
  expect((await run()).code).to.equal(2);
  expect((await run(src, src)).err).to.include('give exactly one trace FILE');
  const missing = await run(join(dir, 'nope.ndjson'));
  expect(missing.code).to.equal(1);
  expect(missing.err).to.match(/nope\.ndjson: ENOENT/);
  expect((await run('--help')).out).to.match(/^usage: oqs-reader trace to-scenario FILE/);
});
