import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { GATE_TAGS, SECTION_TAG } from '../../steps/support/declaration';

/**
 * Reads cucumber's JSON report into what certification and traceability need: each scenario's
 * verdict, its requirement tags, why it was not applicable, and the prompts it raised.
 */
export type Verdict = 'PASS' | 'FAIL' | 'N/A' | 'NOT RUN';

export interface ScenarioResult {
  feature: string;
  file: string;
  line: number;
  name: string;
  tags: string[];
  verdict: Verdict;
  reason?: string;
  error?: string;
  prompts: Array<{ id: string; verdict: string; by: string }>;
}

interface JsonStep {
  result?: { status?: string; error_message?: string };
  embeddings?: Array<{ data: string; mime_type: string }>;
}
interface JsonScenario {
  type: string;
  name: string;
  line: number;
  tags?: Array<{ name: string }>;
  steps?: JsonStep[];
}
interface JsonFeature {
  name: string;
  uri: string;
  elements?: JsonScenario[];
}

function text(e: { data: string; mime_type: string }): string {
  // Cucumber keeps text attachments as they are and binary ones as base64.
  if (/^(text\/|application\/json)/.test(e.mime_type) && !/^[A-Za-z0-9+/=\s]+$/.test(e.data)) return e.data;
  try {
    const decoded = Buffer.from(e.data, 'base64').toString('utf8');
    return /[\uFFFD]/.test(decoded) ? e.data : decoded;
  } catch {
    return e.data;
  }
}

export function readResults(jsonFile: string): ScenarioResult[] {
  const features = JSON.parse(readFileSync(jsonFile, 'utf8')) as JsonFeature[];
  const out: ScenarioResult[] = [];
  for (const f of features) {
    for (const sc of f.elements ?? []) {
      if (sc.type !== 'scenario') continue;
      const steps = sc.steps ?? [];
      const statuses = steps.map((s) => s.result?.status);
      const embeds = steps.flatMap((s) => s.embeddings ?? []).map((e) => ({ mime: e.mime_type, body: text(e) }));
      const na = embeds.find((e) => e.body.startsWith('not applicable: '));
      const prompts = embeds
        .filter((e) => e.mime === 'application/json')
        .flatMap((e) => {
          try {
            const v = JSON.parse(e.body) as unknown;
            return Array.isArray(v) ? (v as ScenarioResult['prompts']) : [];
          } catch {
            return [];
          }
        });
      let verdict: Verdict;
      if (na) verdict = 'N/A';
      else if (statuses.some((s) => s === 'failed' || s === 'undefined' || s === 'ambiguous' || s === 'pending')) verdict = 'FAIL';
      else if (statuses.length && statuses.every((s) => s === 'passed')) verdict = 'PASS';
      else verdict = 'NOT RUN';
      const error = steps.find((s) => s.result?.status === 'failed')?.result?.error_message?.split('\n')[0];
      out.push({
        feature: f.name,
        file: basename(f.uri),
        line: sc.line,
        name: sc.name,
        tags: (sc.tags ?? []).map((t) => t.name),
        verdict,
        ...(na ? { reason: na.body.slice('not applicable: '.length) } : {}),
        ...(error ? { error } : {}),
        prompts: prompts.map((p) => ({ id: p.id, verdict: p.verdict, by: p.by })),
      });
    }
  }
  return out;
}

export interface Requirement {
  id: string;
  text: string;
  page: string;
}

/** The requirement catalogue (docs/requirements.md): `- **ID** text`, under `## P.xxx` headings. */
export function readRequirements(file: string): Requirement[] {
  const out: Requirement[] = [];
  let page = '';
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const h = /^## (.*)$/.exec(line);
    if (h) page = h[1]!.trim();
    const m = /^- \*\*([A-Z0-9-]+)\*\*\s*(.*)$/.exec(line);
    if (m) out.push({ id: m[1]!, text: m[2]!.trim(), page });
  }
  return out;
}

export interface TraceRow {
  requirement: Requirement;
  scenarios: ScenarioResult[];
  verdict: 'PASS' | 'FAIL' | 'N/A' | 'NOT COVERED';
}

export function traceability(reqs: Requirement[], results: ScenarioResult[]): { rows: TraceRow[]; unknownTags: string[] } {
  const byId = new Map(reqs.map((r) => [r.id, [] as ScenarioResult[]]));
  const unknown = new Set<string>();
  for (const s of results) {
    for (const tag of s.tags) {
      if (SECTION_TAG.test(tag) || tag in GATE_TAGS) continue;
      const list = byId.get(tag.slice(1));
      if (list) list.push(s);
      else unknown.add(`${tag} (${s.file}:${s.line})`);
    }
  }
  const rows = reqs.map((requirement) => {
    const scenarios = byId.get(requirement.id)!;
    const ran = scenarios.filter((s) => s.verdict !== 'N/A');
    const verdict: TraceRow['verdict'] =
      scenarios.length === 0 ? 'NOT COVERED' : ran.length === 0 ? 'N/A' : ran.every((s) => s.verdict === 'PASS') ? 'PASS' : 'FAIL';
    return { requirement, scenarios, verdict };
  });
  return { rows, unknownTags: [...unknown] };
}
