import { test } from 'node:test';
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { AnswersFileAnswerer, loadAnswersFile, makePrompt, OperatorAnswerer, type Prompt } from './prompts';

const place = makePrompt('PROMPT-CARD-PLACE', { reader: 0, profile: 'infant' });

function operator(timeoutS = 5) {
  const input = new PassThrough();
  const output = new PassThrough();
  let shown = '';
  output.on('data', (d: Buffer) => (shown += d.toString()));
  return { answerer: new OperatorAnswerer(timeoutS, input, output), input, shown: () => shown };
}

test('a prompt names its ID and the act in Japanese', () => {
  expect(place.text).to.equal('リーダー1台目に「乳幼児」のカードを置いてください');
});

test('the operator answers p, f or s; anything else asks again', async () => {
  for (const [typed, verdict] of [
    ['p', 'PASS'],
    ['fail', 'FAIL'],
    ['s', 'SKIP'],
  ] as const) {
    const o = operator();
    const answer = o.answerer.answer(place);
    o.input.write('maybe\n');
    o.input.write(`${typed}\n`);
    const a = await answer;
    expect(a.verdict).to.equal(verdict);
    expect(a.by).to.equal('operator');
    expect(o.shown()).to.include('[PROMPT-CARD-PLACE]').and.include('p, f or s');
  }
});

test('no answer within the timeout fails the prompt instead of waiting for ever', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const o = operator(120);
  const answer = o.answerer.answer(place);
  t.mock.timers.tick(120_000);
  const a = await answer;
  expect(a).to.include({ verdict: 'FAIL', by: 'operator' });
  expect(a.note).to.match(/120 s/);
});

test('an answers file gives per-prompt verdicts, "*" for the rest, and uses its robot only on PASS', async () => {
  const done: Prompt[] = [];
  const robot = { perform: async (p: Prompt) => (done.push(p), { framesOut: 7 }), close: async () => undefined };
  const a = new AnswersFileAnswerer({ answers: { 'PROMPT-FACE-PRESENT': { verdict: 'SKIP', note: 'no bandage here' }, '*': 'PASS' } }, robot);
  expect(await a.answer(place)).to.deep.equal({ verdict: 'PASS', by: 'answers-file+robot', note: undefined, framesOut: 7 });
  expect(await a.answer(makePrompt('PROMPT-FACE-PRESENT', { reader: 0, condition: 'bandage' }))).to.include({ verdict: 'SKIP', note: 'no bandage here' });
  expect(done.map((p) => p.id)).to.deep.equal(['PROMPT-CARD-PLACE']);
  const none = new AnswersFileAnswerer({ answers: {} });
  expect(await none.answer(place)).to.include({ verdict: 'FAIL' });
});

test('loadAnswersFile refuses unknown prompt IDs and verdicts, naming what is allowed', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oqs-answers-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (v: unknown) => (writeFileSync(join(dir, 'a.json'), JSON.stringify(v)), join(dir, 'a.json'));
  expect(() => loadAnswersFile(write({ answers: { 'PROMPT-NOPE': 'PASS' } }))).to.throw(/unknown prompt PROMPT-NOPE/);
  expect(() => loadAnswersFile(write({ answers: { '*': 'YES' } }))).to.throw(/PASS, FAIL or SKIP/);
  expect(() => loadAnswersFile(write([]))).to.throw(/expected/);
  expect(loadAnswersFile(write({ answers: { '*': 'PASS' } })).answers['*']).to.equal('PASS');
});
