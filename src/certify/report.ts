import type { ReaderIdentity } from '../protocol';
import { REQUIREMENTS_JA, sectionTitle } from './requirements-ja';
import type { Requirement, ScenarioResult, TraceRow } from './results';
import { escapeMarkup } from '../util/markup';

export interface ReportInput {
  identity: ReaderIdentity;
  declaration: Record<string, unknown>;
  versions: Record<string, string>;
  startedAt: string;
  finishedAt: string;
  results: ScenarioResult[];
  rows: TraceRow[];
  traces: string[];
}

const esc = escapeMarkup;

const CLASS: Record<string, string> = { PASS: 'pass', FAIL: 'fail', 'N/A': 'na', 'NOT RUN': 'na', 'NOT COVERED': 'na' };
/** Japanese first; the English verdict stays beside it (labs abroad read the same report). */
const JA: Record<string, string> = { PASS: '合格', FAIL: '不合格', 'N/A': '対象外', 'NOT RUN': '未実施', 'NOT COVERED': '未対応' };
const badge = (v: string) => `<span class="v ${CLASS[v] ?? ''}">${esc(JA[v] ?? '')} ${esc(v)}</span>`;
const en = (s: string) => `<span class="en" lang="en">${esc(s)}</span>`;

/** "2026/11/24 09:30:00 JST", with the UTC instant beside it for readers abroad. */
export function jst(iso: string): string {
  const d = new Date(Date.parse(iso) + 9 * 3600_000);
  const p = (n: number) => String(n).padStart(2, '0');
  const local = `${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} JST`;
  return `${local} ${en(`(${new Date(iso).toISOString().replace(/\.\d+Z$/, 'Z')})`)}`;
}

/** The counts line a report carries in machine-readable form, recomputed by --verify. */
export function countVerdicts(results: ScenarioResult[]): string {
  const n = (v: string) => results.filter((r) => r.verdict === v).length;
  return `PASS=${n('PASS')} FAIL=${n('FAIL')} N/A=${n('N/A')} NOT RUN=${n('NOT RUN')}`;
}

/** Every verdict a report states (its meta tag and its headline) and its counts. */
export function reportedVerdict(html: string): { verdicts: string[]; counts: string | null } {
  const meta = /<meta name="oqs-verdict" content="([^"]*)">/.exec(html)?.[1];
  const headline = /<span id="verdict" class="v [a-z]*">[^<]*?(PASS|FAIL)<\/span>/.exec(html)?.[1];
  const shown = /<p class="big">総合判定 <span class="v [a-z]*">[^<]*?([A-Z/ ]+)<\/span>/.exec(html)?.[1];
  return {
    verdicts: [meta, headline, shown].filter((v): v is string => v !== undefined),
    counts: /<meta name="oqs-counts" content="([^"]*)">/.exec(html)?.[1] ?? null,
  };
}

/** The overall verdict: any failure fails; not-applicable items do not. */
export function overall(results: ScenarioResult[]): 'PASS' | 'FAIL' {
  return results.some((r) => r.verdict === 'FAIL' || r.verdict === 'NOT RUN') ? 'FAIL' : 'PASS';
}

function sections(rows: TraceRow[]): Array<{ page: string; rows: TraceRow[]; verdict: string }> {
  const pages = new Map<string, TraceRow[]>();
  for (const r of rows) pages.set(r.requirement.page, [...(pages.get(r.requirement.page) ?? []), r]);
  return [...pages].map(([page, rs]) => {
    const ran = rs.filter((r) => r.verdict === 'PASS' || r.verdict === 'FAIL');
    const verdict = rs.some((r) => r.verdict === 'FAIL') ? 'FAIL' : ran.length ? 'PASS' : 'N/A';
    return { page: sectionTitle(page), rows: rs, verdict };
  });
}

/** A self-contained HTML certification report (no scripts, no external assets). */
export function renderReport(input: ReportInput): string {
  const { identity: id, results } = input;
  const counts = { PASS: 0, FAIL: 0, 'N/A': 0, 'NOT RUN': 0 } as Record<string, number>;
  for (const r of results) counts[r.verdict] = (counts[r.verdict] ?? 0) + 1;
  const verdict = overall(results);
  const na = results.filter((r) => r.verdict === 'N/A');
  const prompts = new Map<string, Map<string, number>>();
  for (const r of results) {
    for (const p of r.prompts) {
      const by = prompts.get(p.id) ?? new Map<string, number>();
      by.set(`${p.by} → ${p.verdict}`, (by.get(`${p.by} → ${p.verdict}`) ?? 0) + 1);
      prompts.set(p.id, by);
    }
  }
  const link = (s: ScenarioResult) => `${esc(s.file)}:${s.line} ${esc(s.name)}`;
  const reqCell = (r: Requirement) => `<b>${esc(r.id)}</b> ${esc(REQUIREMENTS_JA[r.id] ?? '')}<br>${en(r.text)}`;
  const reason = (text: string) => {
    // Reasons are written 「日本語 / English」 (steps/support/declaration.ts).
    const [ja, ...rest] = text.split(' / ');
    return rest.length ? `${esc(ja!)}<br>${en(rest.join(' / '))}` : esc(text);
  };
  const who: Record<string, string> = { emulator: 'エミュレータ', operator: '操作者', 'answers-file': '回答ファイル', robot: 'ロボット' };
  const VERSION_JA: Record<string, string> = {
    'oqs-reader': 'oqs-reader',
    'conformance suite (sha256 of features/)': '適合性シナリオ（features/ の SHA-256）',
    'link protocol': 'リンクプロトコル',
    node: 'Node.js',
    '@cucumber/cucumber': 'Cucumber',
    platform: 'プラットフォーム',
  };
  const DECLARATION_JA: Record<string, string> = {
    declaration: '形式の版',
    vendor: '製造元',
    model: '型番',
    firmware: 'ファームウェア',
    protocolVersion: 'プロトコル版',
    readers: '接続するリーダーの台数',
    modes: '運転モード',
    capabilities: '機能',
    connectionPattern: '接続パターン',
    cardProfiles: '用意できるテスト用カード',
    faceConditions: '用意できる顔の状態',
    timing: '時間の設定',
  };
  const countsJa = `合格 ${counts.PASS}・不合格 ${counts.FAIL}・対象外 ${counts['N/A']}${counts['NOT RUN'] ? `・未実施 ${counts['NOT RUN']}` : ''}（全 ${results.length} シナリオ）`;
  return `<!doctype html>
<html lang="ja"><head><meta charset="utf-8">
<meta name="oqs-verdict" content="${verdict}">
<meta name="oqs-counts" content="${countVerdicts(results)}">
<title>適合性認証レポート ${esc(id.vendor)} ${esc(id.model)} ${esc(id.firmware)}</title>
<style>
body{font:14px/1.5 system-ui,'Noto Sans JP',sans-serif;margin:2em;color:#222;max-width:72em}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%;margin:.5em 0}td,th{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f4f4f4}.v{font-weight:bold;padding:0 .4em;border-radius:3px;white-space:nowrap}.pass{background:#d7f5dd;color:#0a5c1e}
.fail{background:#fbd9d9;color:#8a1010}.na{background:#eee;color:#555}.big{font-size:1.4em}
.en{color:#666;font-size:.85em}code{background:#f4f4f4;padding:0 .2em}
</style></head><body>
<h1>顔認証付きカードリーダー 適合性認証レポート ${en('Conformance certification report')}</h1>
<p class="big">総合判定 <span id="verdict" class="v ${CLASS[verdict]}">${JA[verdict]} ${verdict}</span> — ${countsJa}</p>
<p>${en(`Verdict ${verdict}: ${counts.PASS} PASS, ${counts.FAIL} FAIL, ${counts['N/A']} N/A${counts['NOT RUN'] ? `, ${counts['NOT RUN']} NOT RUN` : ''} of ${results.length} scenarios`)}</p>
<p>実施日時 ${jst(input.startedAt)} 〜 ${jst(input.finishedAt)}</p>

<h2>機器の識別情報（hello の応答） ${en('Device identity')}</h2>
<table><tr><th>製造元</th><td>${esc(id.vendor)}</td></tr><tr><th>型番</th><td>${esc(id.model)}</td></tr>
<tr><th>ファームウェア</th><td>${esc(id.firmware)}</td></tr><tr><th>製造番号</th><td>${esc(id.serial)}</td></tr>
<tr><th>プロトコル版</th><td>${esc(id.protocolVersion)}</td></tr><tr><th>機能</th><td>${esc(id.capabilities.join(', '))}</td></tr></table>

<h2>機能宣言 ${en('Capability declaration (declaration.json)')}</h2>
<table>${Object.entries(input.declaration)
    .map(([k, v]) => `<tr><th>${esc(DECLARATION_JA[k] ?? k)} ${en(k)}</th><td><code>${esc(typeof v === 'string' ? v : JSON.stringify(v))}</code></td></tr>`)
    .join('')}</table>

<h2>マニュアルの節ごとの判定 ${en('Verdict per manual section')}</h2>
<table><tr><th>節</th><th>判定</th><th>要件の数</th></tr>${sections(input.rows)
    .map((s) => `<tr><td>${esc(s.page)}</td><td>${badge(s.verdict)}</td><td>${s.rows.length}</td></tr>`)
    .join('')}</table>

<h2>トレーサビリティ（マニュアル → シナリオ → 結果） ${en('Traceability')}</h2>
<table><tr><th>要件</th><th>判定</th><th>シナリオ</th></tr>${input.rows
    .map(
      (r) =>
        `<tr><td>${reqCell(r.requirement)}</td><td>${badge(r.verdict)}</td><td>${
          r.scenarios.map((s) => `${badge(s.verdict)} ${link(s)}${s.error ? `<br>${en(s.error)}` : ''}`).join('<br>') || '—'
        }</td></tr>`,
    )
    .join('')}</table>

<h2>対象外（N/A）と理由 ${en('Not applicable, with reasons')}</h2>
${na.length ? `<table><tr><th>シナリオ</th><th>理由</th></tr>${na.map((s) => `<tr><td>${link(s)}</td><td>${reason(s.reason ?? '')}</td></tr>`).join('')}</table>` : '<p>なし</p>'}

<h2>プロンプト（物理操作）と回答者 ${en('Prompts and who answered them')}</h2>
${
  prompts.size
    ? `<table><tr><th>ID</th><th>回答者 → 結果（回数）</th></tr>${[...prompts]
        .map(
          ([pid, by]) =>
            `<tr><td><code>${esc(pid)}</code></td><td>${[...by].map(([k, n]) => `${esc(k.replace(/^[^ ]+/, (w) => (who[w] ? `${who[w]} (${w})` : w)))} (${n})`).join('<br>')}</td></tr>`,
        )
        .join('')}</table>`
    : '<p>なし</p>'
}

<h2>プロトコルトレース ${en('Protocol traces')}</h2>
<p>各シナリオでリンクを流れたフレーム（このフォルダの <code>traces/</code>）。<code>oqs-reader trace &lt;ファイル&gt;</code> で読めます。</p>
<ul>${input.traces.map((t) => `<li><a href="${esc(t)}">${esc(t)}</a></li>`).join('')}</ul>

<h2>バージョン ${en('Versions')}</h2>
<table>${Object.entries(input.versions)
    .map(([k, v]) => `<tr><th>${esc(VERSION_JA[k] ?? k)} ${en(k)}</th><td>${esc(v)}</td></tr>`)
    .join('')}</table>
<p>このフォルダの各ファイルの SHA-256 は <code>manifest.json</code> にあり、<code>manifest.sig.json</code> がそれに Ed25519 で署名しています。
<code>oqs-reader certify --verify &lt;このフォルダ&gt; --trust &lt;公開鍵の指紋&gt;</code> で、改変がないこと、署名した鍵、そして判定が
<code>cucumber.json</code> の結果と一致することを確かめられます。${en('Verify with: oqs-reader certify --verify <this folder> --trust <public key fingerprint>.')}</p>
</body></html>
`;
}
