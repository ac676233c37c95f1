import type { Requirement, ScenarioResult, TraceRow } from './results';

export interface ReportInput {
  identity: { vendor: string; model: string; firmware: string; serial: string; protocolVersion: number; capabilities: string[] };
  declaration: Record<string, unknown>;
  versions: Record<string, string>;
  startedAt: string;
  finishedAt: string;
  results: ScenarioResult[];
  rows: TraceRow[];
  traces: string[];
}

const esc = (s: unknown) =>
  String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

const CLASS: Record<string, string> = { PASS: 'pass', FAIL: 'fail', 'N/A': 'na', 'NOT RUN': 'na', 'NOT COVERED': 'na' };
const badge = (v: string) => `<span class="v ${CLASS[v] ?? ''}">${esc(v)}</span>`;

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
    return { page, rows: rs, verdict };
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
  const reqCell = (r: Requirement) => `<b>${esc(r.id)}</b> ${esc(r.text)}`;
  return `<!doctype html>
<html lang="ja"><head><meta charset="utf-8">
<title>認証レポート ${esc(id.vendor)} ${esc(id.model)} ${esc(id.firmware)}</title>
<style>
body{font:14px/1.5 system-ui,'Noto Sans JP',sans-serif;margin:2em;color:#222;max-width:72em}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%;margin:.5em 0}td,th{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f4f4f4}.v{font-weight:bold;padding:0 .4em;border-radius:3px}.pass{background:#d7f5dd;color:#0a5c1e}
.fail{background:#fbd9d9;color:#8a1010}.na{background:#eee;color:#555}.big{font-size:1.4em}
code{background:#f4f4f4;padding:0 .2em}
</style></head><body>
<h1>顔認証付きカードリーダー 適合性認証レポート</h1>
<p class="big">総合判定 ${badge(verdict)} — ${counts.PASS} PASS, ${counts.FAIL} FAIL, ${counts['N/A']} N/A${counts['NOT RUN'] ? `, ${counts['NOT RUN']} NOT RUN` : ''} (${results.length} scenarios)</p>
<p>実施 ${esc(input.startedAt)} 〜 ${esc(input.finishedAt)}</p>

<h2>機器の識別情報（hello の応答）</h2>
<table><tr><th>製造元</th><td>${esc(id.vendor)}</td></tr><tr><th>型番</th><td>${esc(id.model)}</td></tr>
<tr><th>ファームウェア</th><td>${esc(id.firmware)}</td></tr><tr><th>製造番号</th><td>${esc(id.serial)}</td></tr>
<tr><th>プロトコル</th><td>${esc(id.protocolVersion)}</td></tr><tr><th>機能</th><td>${esc(id.capabilities.join(', '))}</td></tr></table>

<h2>機能宣言（declaration）</h2>
<table>${Object.entries(input.declaration)
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td><code>${esc(typeof v === 'string' ? v : JSON.stringify(v))}</code></td></tr>`)
    .join('')}</table>

<h2>マニュアルの節ごとの判定</h2>
<table><tr><th>節</th><th>判定</th><th>要件</th></tr>${sections(input.rows)
    .map((s) => `<tr><td>${esc(s.page)}</td><td>${badge(s.verdict)}</td><td>${s.rows.length}</td></tr>`)
    .join('')}</table>

<h2>トレーサビリティ（マニュアル → シナリオ → 結果）</h2>
<table><tr><th>要件</th><th>判定</th><th>シナリオ</th></tr>${input.rows
    .map(
      (r) =>
        `<tr><td>${reqCell(r.requirement)}</td><td>${badge(r.verdict)}</td><td>${
          r.scenarios.map((s) => `${badge(s.verdict)} ${link(s)}${s.error ? `<br><small>${esc(s.error)}</small>` : ''}`).join('<br>') || '—'
        }</td></tr>`,
    )
    .join('')}</table>

<h2>対象外（N/A）と理由</h2>
${na.length ? `<table><tr><th>シナリオ</th><th>理由</th></tr>${na.map((s) => `<tr><td>${link(s)}</td><td>${esc(s.reason ?? '')}</td></tr>`).join('')}</table>` : '<p>なし</p>'}

<h2>プロンプト（物理操作）と回答者</h2>
${prompts.size ? `<table><tr><th>ID</th><th>回答者 → 結果（回数）</th></tr>${[...prompts]
    .map(([pid, by]) => `<tr><td><code>${esc(pid)}</code></td><td>${[...by].map(([k, n]) => `${esc(k)} (${n})`).join('<br>')}</td></tr>`)
    .join('')}</table>` : '<p>なし</p>'}

<h2>プロトコルトレース</h2>
<ul>${input.traces.map((t) => `<li><a href="${esc(t)}">${esc(t)}</a></li>`).join('')}</ul>

<h2>バージョン</h2>
<table>${Object.entries(input.versions).map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>
<p>各ファイルの SHA-256 は <code>manifest.json</code> にあります。<code>oqs-reader certify --verify &lt;このフォルダ&gt;</code> で改変がないことを確認できます。</p>
</body></html>
`;
}
