import { test } from 'node:test';
import { expect } from 'chai';
import { join } from 'node:path';
import { renderReport } from './report';
import { REQUIREMENTS_JA } from './requirements-ja';
import { readRequirements, traceability, type ScenarioResult } from './results';

const REQS = readRequirements(join(__dirname, '..', '..', 'docs', 'requirements.md'));

function html(): string {
  const results: ScenarioResult[] = [
    {
      feature: 'f',
      file: 'p106.feature',
      line: 3,
      name: '通る',
      tags: ['@P106-1', '@DOM-REC-1'],
      verdict: 'PASS',
      prompts: [{ id: 'PROMPT-CARD-PLACE', verdict: 'PASS', by: 'operator' }],
    },
    {
      feature: 'f',
      file: 'p102.feature',
      line: 5,
      name: '2台',
      tags: ['@P102-1'],
      verdict: 'N/A',
      reason: '顔認証付きカードリーダーが2台必要だが、申告では1台 / needs 2 face-auth readers; the declaration says the lab connects 1',
      prompts: [],
    },
  ];
  return renderReport({
    identity: { vendor: 'V', model: 'M', firmware: '1', serial: 'S', protocolVersion: 1, capabilities: ['face'] },
    declaration: { readers: 1 },
    versions: { 'link protocol': '1' },
    startedAt: '2026-11-24T00:30:00.000Z',
    finishedAt: '2026-11-24T15:10:05.000Z',
    results,
    rows: traceability(REQS, results).rows,
    traces: [],
  });
}

test('every requirement of the catalogue has its Japanese text for the report', () => {
  expect(REQS.map((r) => r.id).filter((id) => !REQUIREMENTS_JA[id])).to.deep.equal([]);
});

test('the report gives times in JST (the UTC instant only beside it, in English)', () => {
  const h = html();
  expect(h).to.include('2026/11/24 09:30:00 JST').and.include('2026/11/25 00:10:05 JST');
  expect(h).to.match(/実施日時 2026\/11\/24 09:30:00 JST <span class="en" lang="en">\(2026-11-24T00:30:00Z\)<\/span>/);
});

test('the report is Japanese first, with English side by side: requirements, N/A reasons, sections', () => {
  const h = html();
  expect(h).to.include('<b>P106-1</b> 職員が患者を目視で確認する<br><span class="en" lang="en">Staff look at the patient');
  expect(h).to.include('顔認証付きカードリーダーが2台必要だが、申告では1台<br><span class="en" lang="en">needs 2 face-auth readers');
  expect(h).to.include('業務上の規則（Domain rules）').and.include('<td>P.102–103 目視確認モードを利用する場合</td>');
  expect(h).to.include('操作者 (operator) → PASS (1)');
});

test('the report names no file outside the bundle or the repository', () => {
  const h = html();
  expect(h).not.to.include('../docs/');
  expect(h).not.to.match(/chapter7|domain\.md/);
});
