import type { Trace, TraceDirection, TraceReader } from './format';
import { ARROWS, describeMessage } from './pretty';

/**
 * A trace reduced to what must not change between two runs of the same flow (golden traces):
 * no times, no bytes, no ACKs; SEQs renumbered 1, 2, … per reader path and direction in order of
 * appearance (a response's reqSeq renumbered to its command's); txIds replaced by tx1, tx2, … in
 * order of appearance per path, so equal txIds stay equal and different ones stay different.
 */
export interface NormalisedMessage {
  kind: 'command' | 'response' | 'event';
  seq: number;
  name: string;
  /** Responses: the command's renumbered SEQ, or "?N" when no earlier command had SEQ N. */
  reqSeq?: number | string;
  status?: string;
  fields: Record<string, number | string>;
}

export interface NormalisedFrame {
  path: string;
  dir: TraceDirection;
  msg: NormalisedMessage | null;
  error?: string;
}

export interface NormalisedTrace {
  readers: TraceReader[];
  frames: NormalisedFrame[];
}

export function normaliseTrace(trace: Trace): NormalisedTrace {
  const ordinals = new Map<string, number>();
  /** Per path: a command's original SEQ → its renumbered SEQ (latest command with that SEQ). */
  const commands = new Map<string, Map<number, number>>();
  const txIds = new Map<string, Map<number | string, string>>();
  const frames: NormalisedFrame[] = [];
  for (const f of trace.frames) {
    const m = f.msg;
    if (m?.kind === 'ack') continue;
    const key = `${f.dir} ${f.path}`;
    const n = (ordinals.get(key) ?? 0) + 1;
    ordinals.set(key, n);
    const out: NormalisedFrame = { path: f.path, dir: f.dir, msg: null };
    if (f.error !== undefined) out.error = f.error;
    frames.push(out);
    if (!m) continue;
    let pathTx = txIds.get(f.path);
    if (!pathTx) txIds.set(f.path, (pathTx = new Map()));
    const fields: Record<string, number | string> = {};
    for (const [k, v] of Object.entries(m.fields)) {
      if (k !== 'txId') {
        fields[k] = v;
        continue;
      }
      let tx = pathTx.get(v);
      if (!tx) pathTx.set(v, (tx = `tx${pathTx.size + 1}`));
      fields[k] = tx;
    }
    let pathCommands = commands.get(f.path);
    if (!pathCommands) commands.set(f.path, (pathCommands = new Map()));
    if (m.kind === 'response') {
      out.msg = { kind: 'response', seq: n, name: m.name, reqSeq: pathCommands.get(m.reqSeq) ?? `?${m.reqSeq}`, status: m.status, fields };
    } else {
      if (m.kind === 'command') pathCommands.set(m.seq, n);
      out.msg = { kind: m.kind, seq: n, name: m.name, fields };
    }
  }
  return { readers: trace.header.readers.map((r) => ({ path: r.path, identity: { ...r.identity } })), frames };
}

/** JSON with object keys sorted: equal for equal values whatever the key order. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  );
}

/** A normalised frame as one readable line (full cardIds). */
export function describeNormalised(f: NormalisedFrame | undefined): string {
  if (!f) return '(end of trace)';
  const head = `${ARROWS[f.dir]} ${f.path}`;
  if (!f.msg) return `${head} (undecodable)${f.error ? ` ${f.error}` : ''}`;
  const { name, detail } = describeMessage(f.msg, { fullIds: true });
  return [`${head} #${f.msg.seq} ${name}`, detail, f.error ? `error=${f.error}` : ''].filter(Boolean).join(' ');
}

function isNormalised(t: Trace | NormalisedTrace): t is NormalisedTrace {
  return !('header' in t);
}

/**
 * Compares two traces after normalisation. Returns human-readable lines, empty when they are
 * equal: a line for differing readers, and the first differing frame (index among the
 * normalised frames, from 0) with the frame before it and both sides.
 */
export function diffTraces(expected: Trace | NormalisedTrace, actual: Trace | NormalisedTrace): string[] {
  const e = isNormalised(expected) ? expected : normaliseTrace(expected);
  const a = isNormalised(actual) ? actual : normaliseTrace(actual);
  const lines: string[] = [];
  if (canonical(e.readers) !== canonical(a.readers)) {
    lines.push('readers differ:', `  expected: ${canonical(e.readers)}`, `  actual:   ${canonical(a.readers)}`);
  }
  const n = Math.max(e.frames.length, a.frames.length);
  for (let i = 0; i < n; i++) {
    const ef = e.frames[i];
    const af = a.frames[i];
    if (ef && af && canonical(ef) === canonical(af)) continue;
    lines.push(`frames differ at index ${i} (expected ${e.frames.length} frames, actual ${a.frames.length}; ACKs left out, SEQs and txIds renumbered):`);
    if (i > 0) lines.push(`  after:    ${describeNormalised(e.frames[i - 1])}`);
    const el = describeNormalised(ef);
    const al = describeNormalised(af);
    lines.push(`  expected: ${el}`, `  actual:   ${al}`);
    if (el === al) lines.push(`  expected: ${canonical(ef)}`, `  actual:   ${canonical(af)}`);
    break;
  }
  return lines;
}
