/**
 * Proves the conformance suite bites: each mutant breaks one rule of the product, and the emulator
 * profile must then fail. It runs on the shipped build (dist/, built first if stale), and the
 * mutation happens in memory: each mutant's cucumber run is a child process whose require hook
 * (scripts/lib/mutant-hook.cjs) compiles the mutated text of one source file in place of its
 * dist/ module; nothing is copied and nothing on disk changes. A surviving mutant (the suite still green)
 * fails its test case, and so does a mutant whose code is gone from its file (so the list can't
 * silently rot) or whose run never loaded the mutation.
 *
 *   node -r ts-node/register scripts/mutants.ts [--jobs N] [--only TEXT] [--add 'NAME|FILE|FROM|TO']
 *
 * --jobs runs N mutants at a time (default 1; each run is one busy core); --only keeps the mutants
 * whose name contains TEXT; --add tries one more mutant (e.g. one expected to survive). A
 * node:test file: one test case per mutant (scripts/test-all.sh: reports/mutants.xml).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseArgs } from 'node:util';
import { REPO, shippedBuild } from './lib/shipped';

export interface Mutant {
  name: string;
  /** Relative to the repository. */
  file: string;
  from: string;
  to: string;
}

const mutant = (name: string, file: string, from: string, to: string): Mutant => ({ name, file, from, to });

export const MUTANTS: Mutant[] = [
  mutant('face matcher accepts every face', 'simulator/face-matcher.ts', 'return score >= this.threshold;', 'return true;'),
  mutant('PIN never locks', 'simulator/cards.ts', 'return this.profile.pin !== null && this.pinFailures < PIN_MAX_TRIES;', 'return this.profile.pin !== null;'),
  mutant(
    'PIN counter forgotten between visits',
    'simulator/cards.ts',
    'if (!card) this.cards.set(key, (card = new Card(key, CARD_PROFILES[key])));',
    'card = new Card(key, CARD_PROFILES[key]);',
  ),
  mutant('a general account may switch modes', 'src/reader/terminal.ts', "if (actor.role !== 'admin')", "if (actor.role === ('nobody' as string))"),
  mutant(
    '目視確認 allowed with two readers',
    'src/reader/terminal.ts',
    "if (this.readers.size !== 1) throw new OqsError('OQS_ERR_VISUAL_SINGLE_READER'",
    "if (this.readers.size > 9) throw new OqsError('OQS_ERR_VISUAL_SINGLE_READER'",
  ),
  mutant(
    '目視確認 left on lets patients through unattended',
    'simulator/reader-model.ts',
    "return this.fail('staffRequired', 'callStaff');",
    "return this.go('methodSelect', 'chooseMethod');",
  ),
  mutant(
    '資格確認日 accepts hyphens',
    'src/reader/dates.ts',
    'const m = /^(\\d{4})\\/(\\d{2})\\/(\\d{2})$/.exec(text);',
    'const m = /^(\\d{4})[/-](\\d{2})[/-](\\d{2})$/.exec(text);',
  ),
  mutant('no PIN fallback after 照合エラー', 'simulator/reader-model.ts', "if (this.mode === 'unattended' && card.pinUsable) {", 'if (false) {'),
  // The reader-side 目視確認 (the 2025 flow, features/reader-side-visual-check.feature).
  mutant('目視モード用パスワード never locks', 'simulator/reader-visual.ts', 'if (this.wrong < s.maxWrong) return', 'if (true) return'),
  mutant(
    'reader-side 目視確認 recorded as the terminal check',
    'src/reader/terminal-readers.ts',
    'const readerSide = f.method === Method.visualOnReader;',
    'const readerSide = false;',
  ),
];

export interface MutantRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Whether a run killed its mutant: the mutation was loaded and the suite failed on a scenario (a
 * suite that did not run at all kills nothing).
 */
export function judge(m: Mutant, run: MutantRun): { killed: boolean; why: string } {
  if (!run.stderr.includes(`mutant-hook: mutated ${m.file}`))
    return { killed: false, why: `the run never loaded the mutated ${m.file}: ${run.stderr.slice(-300)}` };
  const summary = /(\d+) scenarios? \(([^)]*)\)/.exec(run.stdout);
  const failed = summary && /(\d+) failed/.exec(summary[2]!);
  if (run.status !== 0 && failed) return { killed: true, why: `${failed[1]} of ${summary[1]} scenarios failed (the run stops at the first)` };
  if (run.status === 0) return { killed: false, why: 'the suite still passes' };
  return { killed: false, why: `the suite did not run (exit ${run.status}): ${run.stderr.slice(-300)}` };
}

/** The emulator profile (scripts/mutants.cucumber.cjs) with `m` applied in memory. */
function runMutant(m: Mutant): Promise<MutantRun> {
  const cucumber = join(REPO, 'node_modules', '@cucumber', 'cucumber', 'bin', 'cucumber.js');
  const args = ['--require', join(__dirname, 'lib', 'mutant-hook.cjs'), cucumber, '--config', join('scripts', 'mutants.cucumber.cjs')];
  // A run of its own, not a subtest of this one (node:test tells its children so through the environment).
  const env = { ...process.env, OQS_MUTANT: JSON.stringify(m), NODE_TEST_CONTEXT: undefined };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function parseMutant(text: string): Mutant {
  const [name, file, from, to] = text.split('|');
  if (!name || !file || !from || to === undefined) throw new Error(`--add wants 'NAME|FILE|FROM|TO', got ${text}`);
  return mutant(name, file, from, to);
}

if (require.main === module) {
  const { values } = parseArgs({
    options: { jobs: { type: 'string', default: '1' }, only: { type: 'string' }, add: { type: 'string', multiple: true } },
  });
  const jobs = Number(values.jobs);
  const chosen = [...MUTANTS, ...(values.add ?? []).map(parseMutant)].filter((m) => !values.only || m.name.includes(values.only));
  shippedBuild();
  describe('mutants: each breaks one rule, and the emulator profile must then fail', { concurrency: jobs }, () => {
    for (const m of chosen) {
      it(`${m.name} (${m.file})`, async () => {
        if (!readFileSync(join(REPO, m.file), 'utf8').includes(m.from)) throw new Error(`the code to mutate is gone from ${m.file}; update scripts/mutants.ts`);
        const verdict = judge(m, await runMutant(m));
        console.log(`mutant ${verdict.killed ? 'killed' : 'SURVIVED'}: ${m.name} — ${verdict.why}`);
        if (!verdict.killed) throw new Error(verdict.why);
      });
    }
  });
}
