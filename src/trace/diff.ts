import { SCREENS } from '../protocol';
import type { Trace, TraceDirection, TraceFrame, TraceIdentity } from './format';
import { normaliseTrace, type NormalisedMessage } from './normalise';

/**
 * Sim-vs-real comparison of two traces of the same scenario (`oqs-reader trace diff A B`,
 * docs/traces.md "Comparing two runs"): the message sequences aligned per reader and direction,
 * the fields of each aligned pair, the device-paced delays against a tolerance, and a verdict.
 * What legitimately differs between two runs (times, SEQs, txIds, card and check ids, the reader's
 * identity, heartbeats, retransmissions) is normalised or set aside first, by the rules below.
 */

/** A step is within tolerance when |ΔA − ΔB| ≤ ms + pct% of the larger of the two. */
export interface Tolerance {
  ms: number;
  pct: number;
}

/**
 * 250 ms + 20 %: the emulator's link is instant on a virtual clock and its delays are the model's
 * nominal values; a real reader answers through USB-serial adapters (a 16 ms latency timer each way)
 * and firmware (tens of ms), and its own delays (face capture, chip read, transient screens) vary by
 * a fraction of their length. 250 ms absorbs the first many times over; 20 % the second (a 2000 ms
 * screen may take 1350–2650 ms), while a step twice as slow, or a second late, still shows.
 */
export const DEFAULT_TOLERANCE: Tolerance = { ms: 250, pct: 20 };

/** "300", "300ms", "20%", "300ms+20%" (either part may be left out); null if not one of these. */
export function parseTolerance(text: string): Tolerance | null {
  const t: Tolerance = { ms: 0, pct: 0 };
  const parts = text.split('+').map((p) => p.trim());
  if (parts.length > 2) return null;
  for (const part of parts) {
    const m = /^(\d+(?:\.\d+)?)\s*(ms|%)?$/.exec(part);
    if (!m) return null;
    t[m[2] === '%' ? 'pct' : 'ms'] = Number(m[1]);
  }
  return t;
}

export const formatTolerance = (t: Tolerance) => [t.ms || !t.pct ? `${t.ms} ms` : '', t.pct ? `${t.pct}%` : ''].filter(Boolean).join(' + ');

/** Fields that name who took part, not what happened: left out of the comparison. */
export const IGNORED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  hello: ['host', 'vendor', 'model', 'firmware', 'serial'],
  setVisualPassword: ['salt', 'verifier'],
};

/** Fields renumbered per reader in order of first appearance (as the normaliser does txIds). */
const RENUMBERED: Readonly<Record<string, string>> = { cardId: 'card', checkId: 'check', bootId: 'boot' };

/** Reader events that follow a patient's act, whose delay is the person's, not the device's. */
const PATIENT_PACED = new Set(['cardPlaced', 'cardRemoved', 'faceResult', 'pinResult', 'consentGiven', 'visualPasswordResult']);

export interface PreparedFrame {
  /** Index in the trace's frames. */
  index: number;
  t: number;
  reader: number;
  dir: TraceDirection;
  /** The normalised message (SEQs, txIds, card/check/boot ids renumbered; ignored fields gone). */
  msg: NormalisedMessage;
  /** Date fields as days from the day the trace started ("today", "today-1"): equal dates either way are equal. */
  relative: Record<string, string>;
  /** Whether its delay since the previous frame of its reader is the device's own. */
  devicePaced: boolean;
}

export interface PreparedTrace {
  readers: Array<{ path: string; identity?: TraceIdentity }>;
  frames: PreparedFrame[];
  /** Set aside: repeated frames (retransmissions, duplicates), heartbeat polls, undecodable frames. */
  retransmits: number;
  polls: number;
  undecodable: number;
  /** Set aside: frames `oqs-reader tap` recorded but did not deliver (TAP_FAULT_DROP). */
  droppedByTap: number;
}

export interface DiffOptions {
  tolerance?: Tolerance;
  /** Keep getStatus exchanges in the comparison (they are heartbeats, paced by the host's clock). */
  withPolls?: boolean;
}

const canonical = (v: unknown) => JSON.stringify(v);

/** YYYYMMDD as days after (or before) the JST day of `startedAt`: "today", "today+1", "today-3". */
export function relativeDate(yyyymmdd: string, startedAt: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(yyyymmdd);
  const start = Date.parse(startedAt);
  if (!m || Number.isNaN(start)) return yyyymmdd;
  const day = 86_400_000;
  const today = Math.floor((start + 9 * 3_600_000) / day);
  const n = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / day - today;
  return n === 0 ? 'today' : `today${n > 0 ? '+' : ''}${n}`;
}

/**
 * How many of a sender's recent distinct frames a repeat is looked for in: the reader's send window
 * (PR-5-5, 128 events waiting for an ACK at most), half the SEQ space.
 */
const REPEAT_WINDOW = 128;

/** A frame of the repeat window: its content and its host session (hellos so far). */
interface Seen {
  key: string;
  event: boolean;
  session: number;
}

/**
 * Whether `m` repeats a recent frame of its sender (docs/protocol.md §5): the same SEQ and bytes in
 * the same host session (a retransmission, or an event sent again after a lost ACK), or an old
 * event sent again after a hello (PR-5-6: the ones still unACKed, first, before any new event; the
 * host's ACK may have been sent and lost, so the trace cannot tell which were). A reader's SEQs
 * begin again with a new session, so a later event that looks like an old one is a new one.
 */
function isRepeat(seen: readonly Seen[], key: string, session: number, resending: boolean): boolean {
  return seen.some((e) => e.key === key && (e.session === session || (resending && e.event)));
}

/** Readers in pairing order: the header's, then any other path in order of appearance. */
function readerPaths(trace: Trace): string[] {
  const paths = trace.header.readers.map((r) => r.path);
  for (const f of trace.frames) if (!paths.includes(f.path)) paths.push(f.path);
  return paths;
}

export function prepareTrace(trace: Trace, opts: DiffOptions = {}): PreparedTrace {
  const paths = readerPaths(trace);
  const kept: TraceFrame[] = [];
  const keptIndex: number[] = [];
  const recent = new Map<string, Seen[]>();
  const sessions = new Map<string, number>();
  /** Per path: the reader may still be sending old unACKed events again (after a hello, before a new one). */
  const resending = new Map<string, boolean>();
  let retransmits = 0;
  let polls = 0;
  let undecodable = 0;
  let droppedByTap = 0;
  trace.frames.forEach((f, index) => {
    // The other side never saw it (docs/tap.md): what it did see, the sender's resend, is compared.
    if (f.error?.startsWith('TAP_FAULT_DROP')) {
      droppedByTap++;
      return;
    }
    const m = f.msg;
    const session = sessions.get(f.path) ?? 0;
    if (m?.kind === 'ack') return;
    if (!m) {
      undecodable++;
      return;
    }
    const lane = `${f.path} ${f.dir}`;
    let seen = recent.get(lane) ?? [];
    const key = canonical(m);
    // A hello is never a repeat (PR-5-7): it starts a new session, and the host's SEQs afresh.
    const hello = m.name === 'hello' && m.kind === 'command';
    if (hello) {
      seen = [];
      sessions.set(f.path, session + 1);
      resending.set(f.path, true);
    } else if (isRepeat(seen, key, session, resending.get(f.path) ?? false)) {
      retransmits++;
      return;
    }
    // A restarted reader forgets every event it held.
    if (m.name === 'readerReset' && f.dir === 'r2h') seen = [];
    if (m.kind === 'event') resending.set(f.path, false);
    const entry: Seen = { key, event: m.kind === 'event', session: sessions.get(f.path) ?? 0 };
    recent.set(lane, [...seen, entry].slice(-REPEAT_WINDOW));
    if (!opts.withPolls && m.name === 'getStatus') {
      polls++;
      return;
    }
    kept.push(f);
    keptIndex.push(index);
  });
  const normalised = normaliseTrace({ header: trace.header, frames: kept });
  const ids = new Map<string, Map<string, string>>();
  const lastScreen = new Map<string, number>();
  const frames = normalised.frames.map((nf, i): PreparedFrame => {
    const msg = nf.msg!;
    const fields: Record<string, number | string> = {};
    const relative: Record<string, string> = {};
    for (const [k, v] of Object.entries(msg.fields)) {
      if (IGNORED_FIELDS[msg.name]?.includes(k)) continue;
      const prefix = RENUMBERED[k];
      if (prefix && v !== 0) {
        const key = `${nf.path} ${k}`;
        let seen = ids.get(key);
        if (!seen) ids.set(key, (seen = new Map()));
        let id = seen.get(String(v));
        if (!id) seen.set(String(v), (id = `${prefix}${seen.size + 1}`));
        fields[k] = id;
      } else {
        fields[k] = v;
        if (k === 'confirmationDate' && typeof v === 'string') relative[k] = relativeDate(v, trace.header.startedAt);
      }
    }
    const screenBefore = lastScreen.get(nf.path);
    if (msg.name === 'screenShown') lastScreen.set(nf.path, Number(msg.fields.screen));
    // methodChosen is the patient's choice on the method screen, the reader's own after a match error or in 暗証番号認証固定.
    const patient = PATIENT_PACED.has(msg.name) || (msg.name === 'methodChosen' && screenBefore === SCREENS.chooseMethod.id);
    return {
      index: keptIndex[i]!,
      t: kept[i]!.t,
      reader: paths.indexOf(nf.path),
      dir: nf.dir,
      msg: { ...msg, fields },
      relative,
      devicePaced: msg.kind === 'response' || (msg.kind === 'event' && !patient && msg.name !== 'readerReset'),
    };
  });
  const identities = new Map(trace.header.readers.map((r) => [r.path, r.identity]));
  return { readers: paths.map((path) => ({ path, identity: identities.get(path) })), frames, retransmits, polls, undecodable, droppedByTap };
}

/** What an aligned pair is matched on: kind, name and a response's status. */
const alignKey = (m: NormalisedMessage) => `${m.kind} ${m.name} ${m.status ?? ''}`;

/**
 * Longest common subsequence of two key lists: the pairs [i, j] matched, in order. The common
 * prefix and suffix are taken first, so two runs that differ in a few frames cost little.
 */
export function lcsPairs(a: readonly string[], b: readonly string[]): Array<[number, number]> {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const n = endA - start;
  const m = endB - start;
  const head: Array<[number, number]> = Array.from({ length: start }, (_, i) => [i, i]);
  const tail: Array<[number, number]> = Array.from({ length: a.length - endA }, (_, i) => [endA + i, endB + i]);
  if (n === 0 || m === 0) return [...head, ...tail];
  // lengths[i][j]: LCS of a[start+i..endA) and b[start+j..endB).
  const lengths = new Uint32Array((n + 1) * (m + 1));
  const at = (i: number, j: number) => i * (m + 1) + j;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[at(i, j)] = a[start + i] === b[start + j] ? lengths[at(i + 1, j + 1)]! + 1 : Math.max(lengths[at(i + 1, j)]!, lengths[at(i, j + 1)]!);
    }
  }
  const middle: Array<[number, number]> = [];
  for (let i = 0, j = 0; i < n && j < m;) {
    if (a[start + i] === b[start + j]) {
      middle.push([start + i, start + j]);
      i++;
      j++;
    } else if (lengths[at(i + 1, j)]! >= lengths[at(i, j + 1)]!) i++;
    else j++;
  }
  return [...head, ...middle, ...tail];
}

/**
 * Pairs of frames: first those equal in every compared field (so a dropped screen does not shift
 * its neighbours onto each other), then, between those, frames of the same kind and name (whose
 * fields then differ).
 */
function alignFrames(fa: PreparedFrame[], fb: PreparedFrame[]): Array<[number, number]> {
  const exact = lcsPairs(
    fa.map((f) => canonical([alignKey(f.msg), f.msg.fields])),
    fb.map((f) => canonical([alignKey(f.msg), f.msg.fields])),
  );
  const pairs: Array<[number, number]> = [];
  let i = 0;
  let j = 0;
  for (const anchor of [...exact, [fa.length, fb.length] as [number, number]]) {
    const gap = lcsPairs(
      fa.slice(i, anchor[0]).map((f) => alignKey(f.msg)),
      fb.slice(j, anchor[1]).map((f) => alignKey(f.msg)),
    );
    pairs.push(...gap.map(([x, y]): [number, number] => [i + x, j + y]));
    if (anchor[0] < fa.length) pairs.push(anchor);
    i = anchor[0] + 1;
    j = anchor[1] + 1;
  }
  return pairs;
}

export interface FieldDifference {
  field: string;
  a: number | string | undefined;
  b: number | string | undefined;
}

export interface TimingStep {
  /** The delay before this frame since the previous aligned frame of its reader, in A and in B (ms). */
  a: number;
  b: number;
  allowed: number;
  within: boolean;
}

/** One line of the comparison: a frame in both (aligned), or in one trace only. */
export interface DiffEntry {
  reader: number;
  dir: TraceDirection;
  a?: PreparedFrame;
  b?: PreparedFrame;
  fields: FieldDifference[];
  timing?: TimingStep;
}

export type Verdict = 'same' | 'timing' | 'differs';

export interface TraceComparison {
  verdict: Verdict;
  tolerance: Tolerance;
  a: PreparedTrace;
  b: PreparedTrace;
  entries: DiffEntry[];
  counts: { onlyA: number; onlyB: number; fieldDiffs: number; timed: number; slow: number };
}

function fieldDifferences(a: PreparedFrame, b: PreparedFrame): FieldDifference[] {
  const names = [...new Set([...Object.keys(a.msg.fields), ...Object.keys(b.msg.fields)])];
  return names
    .filter((f) => a.msg.fields[f] !== b.msg.fields[f] && (a.relative[f] === undefined || a.relative[f] !== b.relative[f]))
    .map((field) => ({ field, a: a.msg.fields[field], b: b.msg.fields[field] }));
}

export function allowedDelta(tolerance: Tolerance, a: number, b: number): number {
  return tolerance.ms + (tolerance.pct / 100) * Math.max(a, b);
}

/** Compares two traces of the same scenario (A is usually the reference, e.g. the emulator's run). */
export function compareTraces(traceA: Trace, traceB: Trace, opts: DiffOptions = {}): TraceComparison {
  const tolerance = opts.tolerance ?? DEFAULT_TOLERANCE;
  const a = prepareTrace(traceA, opts);
  const b = prepareTrace(traceB, opts);
  const entries: DiffEntry[] = [];
  const readers = Math.max(a.readers.length, b.readers.length);
  for (let r = 0; r < readers; r++) {
    const laneEntries: Array<DiffEntry & { order: number }> = [];
    for (const dir of ['h2r', 'r2h'] as const) {
      const fa = a.frames.filter((f) => f.reader === r && f.dir === dir);
      const fb = b.frames.filter((f) => f.reader === r && f.dir === dir);
      let i = 0;
      let j = 0;
      const emitOnly = (untilA: number, untilB: number) => {
        for (; i < untilA; i++) laneEntries.push({ reader: r, dir, a: fa[i], fields: [], order: fa[i]!.index });
        // Placed after the A frame before it, so a listing reads in A's order.
        for (; j < untilB; j++) laneEntries.push({ reader: r, dir, b: fb[j], fields: [], order: (i > 0 ? fa[i - 1]!.index : -1) + 0.5 });
      };
      for (const [pi, pj] of alignFrames(fa, fb)) {
        emitOnly(pi, pj);
        laneEntries.push({ reader: r, dir, a: fa[pi], b: fb[pj], fields: fieldDifferences(fa[pi]!, fb[pj]!), order: fa[pi]!.index });
        i = pi + 1;
        j = pj + 1;
      }
      emitOnly(fa.length, fb.length);
    }
    laneEntries.sort((x, y) => x.order - y.order);
    // Timing: each device-paced aligned frame against the previous aligned frame of its reader.
    let prev: DiffEntry | null = null;
    for (const { order: _order, ...e } of laneEntries) {
      if (e.a && e.b) {
        if (prev && e.a.devicePaced) {
          const da = e.a.t - prev.a!.t;
          const db = e.b.t - prev.b!.t;
          const allowed = allowedDelta(tolerance, da, db);
          e.timing = { a: da, b: db, allowed, within: Math.abs(da - db) <= allowed };
        }
        prev = e;
      }
      entries.push(e);
    }
  }
  const counts = {
    onlyA: entries.filter((e) => e.a && !e.b).length,
    onlyB: entries.filter((e) => e.b && !e.a).length,
    fieldDiffs: entries.filter((e) => e.fields.length > 0).length,
    timed: entries.filter((e) => e.timing).length,
    slow: entries.filter((e) => e.timing && !e.timing.within).length,
  };
  const verdict: Verdict = counts.onlyA || counts.onlyB || counts.fieldDiffs ? 'differs' : counts.slow ? 'timing' : 'same';
  return { verdict, tolerance, a, b, entries, counts };
}
