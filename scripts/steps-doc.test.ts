import { test } from 'node:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { render, renderPrompts } from './steps-doc';

test('docs/steps.md lists exactly the step definitions the suite runs', () => {
  const doc = readFileSync(join(__dirname, '..', 'docs', 'steps.md'), 'utf8');
  expect(doc, 'regenerate with: npx ts-node scripts/steps-doc.ts').to.equal(render());
});

test('docs/steps.md has a row for every Given/When/Then in steps/, however prettier wrapped the call', () => {
  const dir = join(__dirname, '..', 'steps');
  const defined = readdirSync(dir)
    .filter((f) => f.endsWith('.steps.ts'))
    .flatMap((f) => [...readFileSync(join(dir, f), 'utf8').matchAll(/^(?:Given|When|Then)\(\s*'([^']+)'/gm)].map((m) => m[1]!));
  const rows = new Set([...render().matchAll(/^\| (.+?) \| (前提|もし|ならば) \|$/gm)].map((m) => m[1]!.replace(/\\\|/g, '|')));
  expect(defined.length).to.be.greaterThan(100);
  expect(defined.filter((d) => !rows.has(d))).to.deep.equal([]);
});

test('docs/prompts.md lists exactly the prompt IDs the harness raises', () => {
  const doc = readFileSync(join(__dirname, '..', 'docs', 'prompts.md'), 'utf8');
  expect(doc, 'regenerate with: npx ts-node scripts/steps-doc.ts').to.equal(renderPrompts());
});

test('docs/steps.md lists every error code of src/reader/errors.ts and every failure reason of the protocol', () => {
  const doc = readFileSync(join(__dirname, '..', 'docs', 'steps.md'), 'utf8');
  const { ERRORS } = require('../src/reader/errors') as typeof import('../src/reader/errors');
  const { FailReason } = require('../src/protocol') as typeof import('../src/protocol');
  for (const code of Object.keys(ERRORS)) expect(doc, code).to.match(new RegExp(`\\| \`${code}\` \\|`));
  for (const name of Object.keys(FailReason).filter((k) => k !== 'nameOf')) expect(doc, name).to.match(new RegExp(`\\| \`${name}\` \\|`));
});

test('docs/steps.md documents every tag the features use', () => {
  const doc = readFileSync(join(__dirname, '..', 'docs', 'steps.md'), 'utf8');
  const dir = join(__dirname, '..', 'features');
  const tags = new Set<string>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.feature'))) {
    for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/(?<=^|\s)@[A-Za-z0-9-]+/gm)) tags.add(m[0]);
  }
  const section = doc.split('## Tags')[1] ?? '';
  expect(section, 'a "## Tags" section').to.not.equal('');
  for (const tag of tags) {
    const id = tag.slice(1);
    // Requirement IDs are documented by their catalogue; the section names the pattern and the rest by name.
    const documented = section.includes(`\`${tag}\``) || (/^[A-Z]+(-[A-Z]+)?-\d+$|^P\d{3}-\d+$/.test(id) && section.includes('docs/requirements.md'));
    expect(documented, `${tag} is documented under ## Tags`).to.equal(true);
  }
});

test('steps that count records say which records they count, and cable steps name the reader', () => {
  const steps = [...render().matchAll(/^\| (.+?) \| (前提|もし|ならば) \|$/gm)].map((m) => m[1]!);
  const counting = steps.filter((s) => /件/.test(s));
  expect(counting).to.not.be.empty;
  for (const s of counting)
    expect(s, 'counts confirmed (できた), failed (できなかった) or mode-change records, or result files (結果ファイル)').to.match(
      /できた|できなかった|切替え|結果ファイル/,
    );
  const cable = steps.filter((s) => /ケーブル/.test(s));
  expect(cable).to.not.be.empty;
  for (const s of cable) expect(s, 'names the reader by its order of connection').to.match(/\{int\}台目|[12]台目/);
});
