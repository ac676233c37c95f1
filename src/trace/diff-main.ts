import { readFile } from 'node:fs/promises';
import { parseOrUsage, usageError, type Write } from '../cli-usage';
import {
  compareTraces,
  DEFAULT_TOLERANCE,
  formatTolerance,
  parseTolerance,
  type DiffEntry,
  type PreparedFrame,
  type TraceComparison,
  type Verdict,
} from './diff';
import { parseTrace, type Trace } from './format';
import { ARROWS, describeMessage, renderField } from './pretty';

export const DIFF_USAGE = `usage: oqs-reader trace diff A B [--tolerance T] [--with-polls] [--json]

Compares two traces of the same scenario (e.g. the emulator's run and the hardware's, docs/traces.md
"Comparing two runs") after normalisation: the message sequence per reader and direction, the
fields of each aligned message, and the device's delays per step against a tolerance.

  --tolerance T  how far a device-paced delay may differ: 300 (ms), 300ms, 20% or 300ms+20%
                 (of the longer of the two). Default ${formatTolerance(DEFAULT_TOLERANCE)}
  --with-polls   compare getStatus exchanges too (left out by default: heartbeats follow the
                 host's clock, so a run paced by people has more of them)
  --json         the comparison as JSON on stdout instead of text
  -h, --help     this text

Exit codes: 0 same, 1 differs, 2 bad usage, 3 differs in timing only, 4 a file cannot be read or
is not a valid trace.
`;

export const DIFF_EXIT: Record<Verdict, number> = { same: 0, differs: 1, timing: 3 };
export const EXIT_UNREADABLE = 4;

const VERDICT_TEXT: Record<Verdict, { ja: string; en: string }> = {
  same: { ja: '同じ', en: 'same' },
  timing: { ja: 'タイミングだけが違う', en: 'differs in timing only' },
  differs: { ja: '違いあり', en: 'differs' },
};

/** The verdict and its counts in one Japanese and one English sentence. */
export function summarise(c: TraceComparison): { ja: string; en: string } {
  const { onlyA, onlyB, fieldDiffs, timed, slow } = c.counts;
  const tol = formatTolerance(c.tolerance);
  const v = VERDICT_TEXT[c.verdict];
  return {
    ja:
      `判定: ${v.ja} — Aだけのメッセージ ${onlyA}件、Bだけのメッセージ ${onlyB}件、項目が違うメッセージ ${fieldDiffs}件、` +
      `許容範囲（${tol}）を超えた間隔 ${slow}件／比較した ${timed}件`,
    en: `verdict: ${v.en} — ${onlyA} message(s) only in A, ${onlyB} only in B, ${fieldDiffs} with different fields, ${slow} of ${timed} timed steps beyond ${tol}`,
  };
}

const ms = (t: number) => t.toFixed(3);

function frameText(f: PreparedFrame): string {
  const { name, detail } = describeMessage(f.msg, { fullIds: true });
  return [`${ARROWS[f.dir]}  ${name}`, detail].filter(Boolean).join('  ');
}

function entryLines(e: DiffEntry, readers: number): string[] {
  const where = readers > 1 ? `reader ${e.reader + 1}  ` : '';
  if (e.a && !e.b) return [`- only in A  @${ms(e.a.t)}  ${where}${frameText(e.a)}`];
  if (e.b && !e.a) return [`+ only in B  @${ms(e.b.t)}  ${where}${frameText(e.b)}`];
  const a = e.a!;
  const b = e.b!;
  const lines: string[] = [];
  const head = `A @${ms(a.t)} / B @${ms(b.t)}  ${where}${ARROWS[a.dir]}  ${describeMessage(a.msg).name}`;
  if (e.fields.length) {
    const show = (f: string, v: number | string | undefined) => (v === undefined ? '(none)' : renderField(f, v, { fullIds: true }));
    lines.push(`~ ${head}  ${e.fields.map((d) => `${d.field}: ${show(d.field, d.a)} ≠ ${show(d.field, d.b)}`).join(', ')}`);
  }
  if (e.timing && !e.timing.within) {
    const t = e.timing;
    lines.push(`⏱ ${head}  after ${ms(t.a)} ms in A, ${ms(t.b)} ms in B (off by ${ms(Math.abs(t.a - t.b))} ms; allowed ${ms(t.allowed)} ms)`);
  }
  return lines;
}

function readerLine(c: TraceComparison, r: number): string {
  const side = (t: TraceComparison['a']) => {
    const reader = t.readers[r];
    if (!reader) return '(none)';
    const id = reader.identity;
    return id ? `${reader.path} (${id.vendor} ${id.model} ${id.firmware}, serial ${id.serial})` : reader.path;
  };
  return `reader ${r + 1}: A ${side(c.a)} ↔ B ${side(c.b)}`;
}

/** The comparison as text: the readers, each difference, what was set aside, the summary. */
export function diffText(c: TraceComparison, files: { a: string; b: string }): string {
  const readers = Math.max(c.a.readers.length, c.b.readers.length);
  const lines = [`A: ${files.a}`, `B: ${files.b}`];
  for (let r = 0; r < readers; r++) lines.push(readerLine(c, r));
  const diffs = c.entries.flatMap((e) => entryLines(e, readers));
  lines.push(...diffs);
  const aside = (t: TraceComparison['a']) =>
    `${t.retransmits} repeated, ${t.polls} getStatus polls, ${t.undecodable} undecodable${t.droppedByTap ? `, ${t.droppedByTap} dropped by the tap` : ''}`;
  lines.push(`set aside (not compared): A ${aside(c.a)}; B ${aside(c.b)}`);
  const s = summarise(c);
  lines.push(s.ja, s.en);
  return lines.join('\n');
}

/** The comparison as one JSON object (docs/traces.md lists its keys). */
export function diffJson(c: TraceComparison, files: { a: string; b: string }) {
  const frame = (f: PreparedFrame | undefined) =>
    f && { index: f.index, t: f.t, name: f.msg.name, kind: f.msg.kind, status: f.msg.status, fields: f.msg.fields };
  const setAside = (t: TraceComparison['a']) => ({ repeated: t.retransmits, polls: t.polls, undecodable: t.undecodable, droppedByTap: t.droppedByTap });
  return {
    verdict: c.verdict,
    exitCode: DIFF_EXIT[c.verdict],
    files,
    tolerance: c.tolerance,
    counts: c.counts,
    readers: Array.from({ length: Math.max(c.a.readers.length, c.b.readers.length) }, (_, r) => ({ a: c.a.readers[r] ?? null, b: c.b.readers[r] ?? null })),
    setAside: { a: setAside(c.a), b: setAside(c.b) },
    differences: c.entries
      .filter((e) => !e.a || !e.b || e.fields.length || (e.timing && !e.timing.within))
      .map((e) => ({
        type: !e.b ? 'onlyA' : !e.a ? 'onlyB' : e.fields.length ? 'fields' : 'timing',
        reader: e.reader + 1,
        dir: e.dir,
        a: frame(e.a) ?? null,
        b: frame(e.b) ?? null,
        fields: e.fields,
        timing: e.timing ?? null,
      })),
    summary: summarise(c),
  };
}

async function load(file: string, err: Write): Promise<Trace | null> {
  try {
    return parseTrace(await readFile(file, 'utf8'));
  } catch (e) {
    err(`oqs-reader trace diff: ${file}: ${(e as Error).message}`);
    return null;
  }
}

/** `oqs-reader trace diff A B [...]`; `argv` is what follows `diff`. Returns the exit code. */
export async function runTraceDiff(argv: string[], out: Write, err: Write = out): Promise<number> {
  const parsed = parseOrUsage({
    args: argv,
    allowPositionals: true,
    options: {
      tolerance: { type: 'string' },
      'with-polls': { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const usage = (message: string) => usageError('oqs-reader trace diff', message, DIFF_USAGE, err);
  if ('error' in parsed) return usage(parsed.error);
  const { values, positionals } = parsed;
  if (values.help) {
    out(DIFF_USAGE);
    return 0;
  }
  if (positionals.length !== 2) return usage('give two trace files, A and B');
  const tolerance = values.tolerance === undefined ? DEFAULT_TOLERANCE : parseTolerance(values.tolerance);
  if (!tolerance) return usage(`--tolerance must be milliseconds, a percentage or both (300, 300ms, 20%, 300ms+20%); got ${JSON.stringify(values.tolerance)}`);
  const [fa, fb] = positionals as [string, string];
  const a = await load(fa, err);
  const b = a && (await load(fb, err));
  if (!a || !b) return EXIT_UNREADABLE;
  const c = compareTraces(a, b, { tolerance, withPolls: values['with-polls'] ?? false });
  const files = { a: fa, b: fb };
  out(values.json ? JSON.stringify(diffJson(c, files), null, 2) : diffText(c, files));
  return DIFF_EXIT[c.verdict];
}
