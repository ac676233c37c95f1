import { test } from 'node:test';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const rules = require('./protocol-rules.cjs') as {
  matrix(root?: string): { rules: string[]; missing: string[]; unknown: string[]; duplicates: string[] };
};

test('every numbered rule of docs/protocol.md has a conformance test, and every rule ID a test names exists', () => {
  const m = rules.matrix();
  expect(m.rules.length).to.be.at.least(40);
  expect(m.missing, 'rules without a test').to.deep.equal([]);
  expect(m.unknown, 'IDs the document does not define').to.deep.equal([]);
  expect(m.duplicates, 'rules defined twice').to.deep.equal([]);
});

test('the rule matrix finds a rule without a test, an unknown ID and a rule defined twice', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'oqs-rules-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'docs'));
  mkdirSync(join(root, 'src'));
  writeFileSync(join(root, 'docs', 'protocol.md'), '**PR-1-1** one. **PR-2.4-1** two. **PR-2.4-1** again. `PR-9-9` is only mentioned.\n');
  writeFileSync(join(root, 'src', 'a.test.ts'), "test('PR-1-1 backs one', () => {});\ntest(`PR-7-7 names nothing`, () => {});\n");
  const m = rules.matrix(root);
  expect(m.rules).to.deep.equal(['PR-1-1', 'PR-2.4-1']);
  expect(m.missing).to.deep.equal(['PR-2.4-1']);
  expect(m.unknown).to.deep.equal(['PR-7-7 in src/a.test.ts:2']);
  expect(m.duplicates).to.deep.equal(['PR-2.4-1']);
});
