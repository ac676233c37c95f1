/**
 * The mutant check's judgement and its in-memory mutation, without running the suite (the
 * mutants themselves: `node -r ts-node/register scripts/mutants.ts`, a step of npm test).
 */
import { test } from 'node:test';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MUTANTS, judge, type Mutant } from './mutants';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { transpile } = require('./lib/mutant-hook.cjs') as { transpile: (source: string, fileName: string) => string };
const ROOT = join(__dirname, '..');
const m: Mutant = { name: 'PIN never locks', file: 'simulator/cards.ts', from: 'a', to: 'b' };
const loaded = 'mutant-hook: mutated simulator/cards.ts\n';

test('judge: killed only when the mutation was loaded and a scenario failed', () => {
  const summary = '132 scenarios (1 failed, 131 skipped)\n';
  expect(judge(m, { status: 1, stdout: summary, stderr: loaded })).to.deep.equal({
    killed: true,
    why: '1 of 132 scenarios failed (the run stops at the first)',
  });
  expect(judge(m, { status: 0, stdout: '132 scenarios (132 passed)\n', stderr: loaded })).to.deep.equal({ killed: false, why: 'the suite still passes' });
  expect(judge(m, { status: 1, stdout: summary, stderr: '' }).why).to.match(/^the run never loaded the mutated simulator\/cards\.ts/);
  expect(judge(m, { status: 1, stdout: '', stderr: `${loaded}SyntaxError: Unexpected token` }).why).to.match(
    /^the suite did not run \(exit 1\): .*SyntaxError/s,
  );
});

test("every mutant's code is still in its file, once", () => {
  for (const mutant of MUTANTS) expect(readFileSync(join(ROOT, mutant.file), 'utf8').split(mutant.from), `${mutant.name}: ${mutant.file}`).to.have.length(2);
});

test("the hook compiles a mutant's file as the build does (the rest of the run is the build's)", () => {
  // test-unit.sh builds dist/ before the unit tests.
  for (const file of new Set(MUTANTS.map((mutant) => mutant.file))) {
    const built = readFileSync(join(ROOT, 'dist', file.replace(/\.ts$/, '.js')), 'utf8').replace(/\n\/\/# sourceMappingURL=.*\n?$/, '');
    expect(transpile(readFileSync(join(ROOT, file), 'utf8'), join(ROOT, file)).trim(), file).to.equal(built.trim());
  }
});
