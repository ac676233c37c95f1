import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { CARD_PROFILES, FACE_CONDITIONS, type ProfileName } from '../../simulator/cards';

/**
 * Physical acts the suite cannot do itself on real hardware. Each has a stable ID (like a
 * Bluetooth PTS WID): a person, an answers file, a robot or the emulator answers it, and the
 * scenario text never changes. docs/prompts.md lists them.
 */
export const PROMPTS = {
  'PROMPT-SCENARIO-START': () =>
    '次のシナリオの準備：リーダーからカードを取り除き、申告どおりのテスト用カード（暗証番号の誤り回数も申告どおり）を用意してください',
  'PROMPT-CARD-PLACE': (a: PromptArgs) => `リーダー${a.reader + 1}台目に「${label(a.profile)}」のカードを置いてください`,
  'PROMPT-METHOD-FACE': (a: PromptArgs) => `リーダー${a.reader + 1}台目の画面で「顔認証」を選んでください`,
  'PROMPT-METHOD-PIN': (a: PromptArgs) => `リーダー${a.reader + 1}台目の画面で「暗証番号」を選んでください`,
  'PROMPT-FACE-PRESENT': (a: PromptArgs) => `カードの持ち主として、${conditionLabel(a.condition)}でカメラに顔を向けてください`,
  'PROMPT-PIN-CORRECT': (a: PromptArgs) => `リーダー${a.reader + 1}台目でカードの正しい暗証番号を入力してください`,
  'PROMPT-PIN-WRONG': (a: PromptArgs) => `リーダー${a.reader + 1}台目で誤った暗証番号（例 0000）を入力してください`,
  'PROMPT-CONSENT-ALL': (a: PromptArgs) => `リーダー${a.reader + 1}台目の同意画面で「全て同意する」を選んでください`,
  'PROMPT-CONSENT-INDIVIDUAL': (a: PromptArgs) => `リーダー${a.reader + 1}台目の同意画面で「個別に同意する」を選んでください`,
  'PROMPT-CARD-REMOVE': (a: PromptArgs) => `リーダー${a.reader + 1}台目からカードを取ってください`,
  'PROMPT-VISUAL-CHOOSE': (a: PromptArgs) => `職員として、リーダー${a.reader + 1}台目の本人確認の画面で「目視確認」を選んでください`,
  'PROMPT-VISUAL-PASSWORD-RIGHT': (a: PromptArgs) =>
    `職員として、リーダー${a.reader + 1}台目で試験用の目視モード用パスワード（docs/prompts.md 参照。ここには書きません）を入力してください`,
  'PROMPT-VISUAL-PASSWORD-WRONG': (a: PromptArgs) => `職員として、リーダー${a.reader + 1}台目で誤った目視モード用パスワードを入力してください`,
  'PROMPT-VISUAL-CONFIRM': (a: PromptArgs) => `職員として、患者を目視で確認し、リーダー${a.reader + 1}台目で確認ボタンを押してください`,
  'PROMPT-CABLE-UNPLUG': (a: PromptArgs) => `リーダー${a.reader + 1}台目のUSBケーブルを抜いてください（電源はそのまま）`,
  'PROMPT-CABLE-REPLUG': (a: PromptArgs) => `リーダー${a.reader + 1}台目のUSBケーブルを差し直してください`,
  'PROMPT-POWER-OFF': (a: PromptArgs) => `リーダー${a.reader + 1}台目の電源を切ってください`,
  'PROMPT-POWER-ON': (a: PromptArgs) => `リーダー${a.reader + 1}台目の電源を入れてください`,
} as const;

export type PromptId = keyof typeof PROMPTS;

export interface PromptArgs {
  reader: number;
  profile?: ProfileName;
  condition?: string;
}

export interface Prompt {
  id: PromptId;
  args: PromptArgs;
  text: string;
}

export type Verdict = 'PASS' | 'FAIL' | 'SKIP';

export interface Answer {
  verdict: Verdict;
  /** Who answered: emulator, operator, answers-file, robot. */
  by: string;
  note?: string;
  /** Frames the reader reports having sent after the act (robots that can tell), for syncing. */
  framesOut?: number;
}

export interface Answerer {
  answer(prompt: Prompt): Promise<Answer>;
  close?(): Promise<void>;
}

export function makePrompt(id: PromptId, args: PromptArgs): Prompt {
  return { id, args, text: PROMPTS[id](args) };
}

function label(profile?: ProfileName): string {
  return profile ? CARD_PROFILES[profile].label : '?';
}

function conditionLabel(condition?: string): string {
  if (!condition || condition === 'none') return 'そのままの顔';
  const c = FACE_CONDITIONS[condition as keyof typeof FACE_CONDITIONS];
  return c ? `「${c.label}」の状態` : condition;
}

/**
 * A person at the terminal: prints the prompt and waits for p(ass) / f(ail) / s(kip), with a
 * timeout that fails the step (Robot Framework's Dialogs cannot time out; ours must, for CI).
 */
export class OperatorAnswerer implements Answerer {
  constructor(
    private readonly timeoutS = 120,
    private readonly input: NodeJS.ReadableStream = process.stdin,
    private readonly output: NodeJS.WritableStream = process.stderr,
  ) {}

  answer(prompt: Prompt): Promise<Answer> {
    return new Promise((resolve) => {
      const rl = createInterface({ input: this.input, output: this.output, terminal: false });
      const timer = setTimeout(() => finish({ verdict: 'FAIL', by: 'operator', note: `no answer within ${this.timeoutS} s` }), this.timeoutS * 1000);
      let settled = false;
      const finish = (a: Answer) => {
        if (settled) return; // closing the interface below fires 'close' again
        settled = true;
        clearTimeout(timer);
        resolve(a);
        rl.close();
      };
      this.output.write(`\n[${prompt.id}] ${prompt.text}\n  done → p (PASS), could not → f (FAIL), not applicable → s (skip): `);
      rl.on('line', (line) => {
        const v = line.trim().toLowerCase();
        if (v === 'p' || v === 'pass') finish({ verdict: 'PASS', by: 'operator' });
        else if (v === 'f' || v === 'fail') finish({ verdict: 'FAIL', by: 'operator', note: 'the operator answered FAIL' });
        else if (v === 's' || v === 'skip') finish({ verdict: 'SKIP', by: 'operator', note: 'the operator skipped it' });
        else this.output.write('  p, f or s: ');
      });
      rl.on('close', () => finish({ verdict: 'FAIL', by: 'operator', note: 'input closed before an answer' }));
    });
  }
}

/** What an answers file may say: a verdict per prompt ID ("*" for any), and a robot to do the act. */
export interface AnswersFile {
  answers: Record<string, Verdict | { verdict: Verdict; note?: string }>;
  /** A robot performs the physical act before the file's verdict is used. */
  robot?: { emulatorControl: string };
}

export interface Robot {
  perform(prompt: Prompt): Promise<{ framesOut?: number }>;
  close(): Promise<void>;
}

export function loadAnswersFile(path: string): AnswersFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`answers file ${path}: ${(e as Error).message}`, { cause: e });
  }
  const a = parsed as AnswersFile;
  if (!a || typeof a.answers !== 'object') throw new Error(`answers file ${path}: expected {"answers": {"PROMPT-…": "PASS", …}}`);
  for (const [id, v] of Object.entries(a.answers)) {
    const verdict = typeof v === 'string' ? v : v?.verdict;
    if (id !== '*' && !(id in PROMPTS)) throw new Error(`answers file ${path}: unknown prompt ${id}; known: ${Object.keys(PROMPTS).join(', ')}`);
    if (verdict !== 'PASS' && verdict !== 'FAIL' && verdict !== 'SKIP') throw new Error(`answers file ${path}: ${id} must be PASS, FAIL or SKIP`);
  }
  return a;
}

/** A robot's answers: the file's verdict, after the robot (if any) has done the act. */
export class AnswersFileAnswerer implements Answerer {
  constructor(
    private readonly file: AnswersFile,
    private readonly robot?: Robot,
  ) {}

  async answer(prompt: Prompt): Promise<Answer> {
    const entry = this.file.answers[prompt.id] ?? this.file.answers['*'];
    if (!entry) return { verdict: 'FAIL', by: 'answers-file', note: `the answers file has no answer for ${prompt.id}` };
    const { verdict, note } = typeof entry === 'string' ? { verdict: entry, note: undefined } : entry;
    if (verdict !== 'PASS' || !this.robot) return { verdict, by: 'answers-file', note };
    const done = await this.robot.perform(prompt);
    return { verdict, by: 'answers-file+robot', note, framesOut: done.framesOut };
  }

  close(): Promise<void> {
    return this.robot?.close() ?? Promise.resolve();
  }
}
