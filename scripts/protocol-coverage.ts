/**
 * Protocol coverage, next to code coverage: which message types, status codes, reader states,
 * screens, methods, fail reasons and modes each profile's traces exercised, and which manual
 * pages its scenarios covered. Reads reports/traces/<profile>/*.ndjson and the cucumber JSON.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS, EVENTS, FailReason, Method, Mode, ReaderState, SCREENS, Status, screenById } from '../src/protocol';
import { readResults } from '../src/certify/results';
import { parseTrace } from '../src/trace/format';

const root = join(__dirname, '..');
const names = (t: Record<string, unknown>) => Object.keys(t).filter((k) => k !== 'nameOf');

interface Seen {
  commands: Set<string>;
  responses: Set<string>;
  events: Set<string>;
  statuses: Set<string>;
  states: Set<string>;
  screens: Set<string>;
  methods: Set<string>;
  failReasons: Set<string>;
  modes: Set<string>;
}

function scan(dir: string): { seen: Seen; traces: number; frames: number } {
  const seen: Seen = {
    commands: new Set(),
    responses: new Set(),
    events: new Set(),
    statuses: new Set(),
    states: new Set(),
    screens: new Set(),
    methods: new Set(),
    failReasons: new Set(),
    modes: new Set(),
  };
  let traces = 0;
  let frames = 0;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.ndjson'))) {
    const trace = parseTrace(readFileSync(join(dir, f), 'utf8'));
    traces++;
    for (const fr of trace.frames) {
      frames++;
      const m = fr.msg;
      if (!m) continue;
      if (m.kind === 'command') seen.commands.add(m.name);
      if (m.kind === 'response') {
        seen.responses.add(m.name);
        seen.statuses.add(m.status);
      }
      if (m.kind === 'event') seen.events.add(m.name);
      if (m.kind === 'ack') continue;
      const fl = m.fields as Record<string, number | string>;
      if (m.kind === 'response' && m.name === 'getStatus' && m.status === 'ok') seen.states.add(ReaderState.nameOf(Number(fl.state)) ?? String(fl.state));
      if (m.kind === 'event' && m.name === 'screenShown') seen.screens.add(screenById(Number(fl.screen)) ?? String(fl.screen));
      if ('method' in fl) seen.methods.add(Method.nameOf(Number(fl.method)) ?? String(fl.method));
      if ('reason' in fl) seen.failReasons.add(FailReason.nameOf(Number(fl.reason)) ?? String(fl.reason));
      if (m.kind === 'command' && m.name === 'setMode') seen.modes.add(Mode.nameOf(Number(fl.mode)) ?? String(fl.mode));
    }
  }
  return { seen, traces, frames };
}

const CATALOGUE: Record<keyof Seen, string[]> = {
  commands: Object.keys(COMMANDS),
  responses: Object.keys(COMMANDS),
  events: Object.keys(EVENTS),
  statuses: names(Status),
  states: names(ReaderState),
  screens: Object.keys(SCREENS),
  methods: names(Method),
  failReasons: names(FailReason),
  modes: names(Mode),
};

const out: Record<string, unknown> = {};
const md = [
  '# Protocol coverage',
  '',
  'What the conformance suite exercised on the link, per profile (from reports/traces/), beside code coverage in reports/coverage/.',
  '',
];
for (const profile of process.argv.slice(2)) {
  const dir = join(root, 'reports', 'traces', profile);
  if (!existsSync(dir)) continue;
  const { seen, traces, frames } = scan(dir);
  const summary: Record<string, { covered: number; of: number; missing: string[] }> = {};
  md.push(`## ${profile} (${traces} traces, ${frames} frames)`, '', '| kind | covered | not exercised |', '|---|---|---|');
  for (const k of Object.keys(CATALOGUE) as Array<keyof Seen>) {
    const all = CATALOGUE[k];
    const missing = all.filter((n) => !seen[k].has(n));
    summary[k] = { covered: all.length - missing.length, of: all.length, missing };
    md.push(`| ${k} | ${all.length - missing.length}/${all.length} | ${missing.join(', ') || '—'} |`);
  }
  const json = join(root, 'reports', `cucumber-${profile}.json`);
  const pages: Record<string, { scenarios: number; passed: number }> = {};
  if (existsSync(json)) {
    for (const r of readResults(json)) {
      for (const tag of r.tags.filter((t) => /^@(P\d{3}|DOM|CERT|REL)$/.test(t))) {
        const p = (pages[tag.slice(1)] ??= { scenarios: 0, passed: 0 });
        p.scenarios++;
        if (r.verdict === 'PASS') p.passed++;
      }
    }
    md.push(
      '',
      '| manual page / section | scenarios | passed |',
      '|---|---|---|',
      ...Object.entries(pages)
        .sort()
        .map(([p, v]) => `| ${p} | ${v.scenarios} | ${v.passed} |`),
    );
  }
  md.push('');
  out[profile] = { traces, frames, coverage: summary, pages };
  const total = Object.values(summary).reduce((a, s) => [a[0]! + s.covered, a[1]! + s.of], [0, 0]);
  console.log(`protocol coverage (${profile}): ${total[0]}/${total[1]} catalogue items exercised in ${traces} traces, ${frames} frames`);
}
writeFileSync(join(root, 'reports', 'protocol-coverage.json'), JSON.stringify(out, null, 2) + '\n');
writeFileSync(join(root, 'reports', 'protocol-coverage.md'), md.join('\n') + '\n');
