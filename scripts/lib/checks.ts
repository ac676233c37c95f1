/**
 * Checks that a script judges after one long run (the kill test, the serial self-test) become
 * node:test cases, one per check, so node's reporters (spec on the console, junit for the totals
 * line) report them like every other test: no JUnit written by hand.
 */
import type { TestContext } from 'node:test';

export interface CheckResult {
  name: string;
  ok: boolean;
  /** One line: what was seen. */
  detail: string;
  /** Specifics when it failed. */
  problems?: string[];
}

/** One subtest of `t` per check, in order; a failed check fails with its detail and problems. */
export async function reportChecks(t: TestContext, checks: CheckResult[]): Promise<void> {
  for (const c of checks) {
    await t.test(c.name, () => {
      if (!c.ok) throw new Error([c.detail, ...(c.problems ?? [])].join('\n'));
    });
  }
}
