import { test } from 'node:test';
import { expect } from 'chai';
import { GOLDEN_FLOWS, checkGolden, goldenNames } from './golden';

// One test per golden file on disk (a file without a flow fails), and every flow must have a file.
for (const name of goldenNames()) {
  test(`golden trace features/golden/${name}.ndjson matches a fresh recording`, async () => {
    const diff = await checkGolden(name);
    expect(diff, `${diff.join('\n')}\nif the change is intended: npx ts-node scripts/golden.ts record, and review the diff`).to.deep.equal([]);
  });
}

test('every golden flow has its file in features/golden/', () => {
  expect(goldenNames()).to.include.members(GOLDEN_FLOWS.map((f) => f.name));
  expect(GOLDEN_FLOWS.length).to.be.at.least(3);
});
