import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { render, renderPrompts } from './steps-doc';

test('docs/steps.md lists exactly the step definitions the suite runs', () => {
  const doc = readFileSync(join(__dirname, '..', 'docs', 'steps.md'), 'utf8');
  expect(doc, 'regenerate with: npx ts-node scripts/steps-doc.ts').to.equal(render());
});

test('docs/prompts.md lists exactly the prompt IDs the harness raises', () => {
  const doc = readFileSync(join(__dirname, '..', 'docs', 'prompts.md'), 'utf8');
  expect(doc, 'regenerate with: npx ts-node scripts/steps-doc.ts').to.equal(renderPrompts());
});
