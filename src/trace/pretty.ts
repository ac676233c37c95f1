import { CardKind, ConsentChoice, ConsentItem, FailReason, Method, Mode, ReaderErrorCode, ReaderState, SCREENS } from '../protocol';
import { capabilityNames, screenById } from '../protocol';
import type { FailReasonName, MethodName, ModeName } from '../protocol';
import { styleText } from 'node:util';
import { FAIL_REASON_LABELS, METHOD_LABELS, MODE_LABELS } from '../reader/labels';
import type { Trace, TraceDirection, TraceFrame } from './format';

export interface PrettyOptions {
  /** ANSI colours (default off). */
  color?: boolean;
  /** Append each frame's hex. */
  raw?: boolean;
}

/** What prettyTrace and diffTraces need of a message: a raw one, or a normalised one. */
export interface DescribableMessage {
  kind: 'command' | 'response' | 'event' | 'ack';
  name?: string;
  fields?: Record<string, number | string>;
  reqSeq?: number | string;
  status?: string;
  ackSeq?: number;
}

export const ARROWS: Record<TraceDirection, string> = { h2r: 'H→R', r2h: 'R→H' };

type Style = 'dim' | 'bold' | 'red' | 'green' | 'yellow' | 'cyan' | 'magenta';

// The caller decided (colorWanted or a test): paint without asking the stream again.
function paint(text: string, color: boolean, ...styles: Style[]): string {
  if (!color || styles.length === 0 || text === '') return text;
  return styleText(styles, text, { validateStream: false });
}

/**
 * Whether text for `stream` should be coloured, by Node's own rule (util.styleText checks the
 * stream: a TTY with colours; NO_COLOR, NODE_DISABLE_COLORS and TERM=dumb turn colours off;
 * FORCE_COLOR turns them on, 0 off). Needs Node >= 22.13, whose styleText validates the stream;
 * 22.12 and older would colour a pipe (package.json engines).
 */
export function colorWanted(stream: NodeJS.WriteStream = process.stdout): boolean {
  return styleText('red', 'x', { stream }) !== 'x';
}

const yesNo = (v: number | string) => (v === 1 ? 'yes' : v === 0 ? 'no' : String(v));

function named(name: string | undefined, label: string | undefined, v: number | string): string {
  if (name === undefined) return String(v);
  return label ? `${name}(${label})` : name;
}

/** One field as text: codes by name (and Japanese label), screens with their text, flags as yes/no. */
export function renderField(field: string, v: number | string, opts: { fullIds?: boolean } = {}): string {
  if (typeof v === 'string') {
    switch (field) {
      case 'confirmationDate':
        return /^\d{8}$/.test(v) ? `${v.slice(0, 4)}/${v.slice(4, 6)}/${v.slice(6)}` : JSON.stringify(v);
      case 'cardId':
        return opts.fullIds || v.length <= 12 ? v : `${v.slice(0, 8)}…`;
      case 'txId':
        return v; // normalised: tx1, tx2, …
      default:
        return JSON.stringify(v);
    }
  }
  switch (field) {
    case 'mode': {
      const n = Mode.nameOf(v) as ModeName | undefined;
      return named(n, n && MODE_LABELS[n], v);
    }
    case 'state':
      return named(ReaderState.nameOf(v), undefined, v);
    case 'screen': {
      const n = screenById(v);
      return n ? `${v} ${SCREENS[n].text}` : String(v);
    }
    case 'method': {
      const n = Method.nameOf(v) as MethodName | undefined;
      return named(n, n && METHOD_LABELS[n], v);
    }
    case 'reason': {
      const n = FailReason.nameOf(v) as FailReasonName | undefined;
      return named(n, n && FAIL_REASON_LABELS[n], v);
    }
    case 'cardKind':
      return named(CardKind.nameOf(v), undefined, v);
    case 'choice':
      return named(ConsentChoice.nameOf(v), undefined, v);
    case 'items': {
      const names = Object.entries(ConsentItem)
        .filter(([, bit]) => (v & bit) !== 0)
        .map(([n]) => n);
      const unknown = v & ~Object.values(ConsentItem).reduce((a, b) => a | b, 0);
      if (unknown) names.push(`0x${unknown.toString(16)}`);
      return names.length ? names.join('+') : 'none';
    }
    case 'code':
      return named(ReaderErrorCode.nameOf(v), undefined, v);
    case 'capabilities':
      return `0x${v.toString(16).padStart(4, '0')}(${capabilityNames(v).join(',')})`;
    case 'matched':
    case 'ok':
    case 'cardPresent':
      return yesNo(v);
    default:
      return String(v);
  }
}

/** The name column and the detail column of a message. */
export function describeMessage(msg: DescribableMessage, opts: { fullIds?: boolean } = {}): { name: string; detail: string } {
  const fields = Object.entries(msg.fields ?? {})
    .map(([k, v]) => `${k}=${renderField(k, v, opts)}`)
    .join(' ');
  switch (msg.kind) {
    case 'ack':
      return { name: `ack #${msg.ackSeq}`, detail: '' };
    case 'response':
      return { name: `${msg.name} response`, detail: [`re #${msg.reqSeq}`, msg.status, fields].filter(Boolean).join(' ') };
    default:
      return { name: msg.name ?? '?', detail: fields };
  }
}

interface Row {
  time: string;
  arrow: string;
  path: string;
  seq: string;
  name: string;
  detail: string;
  raw: string;
  frame: TraceFrame;
}

function rowOf(f: TraceFrame): Row {
  const seq = f.msg ? f.msg.seq : f.hex.length >= 8 ? parseInt(f.hex.slice(6, 8), 16) : NaN;
  const { name, detail } = f.msg ? describeMessage(f.msg) : { name: '(undecodable)', detail: f.error ?? '' };
  return {
    time: f.t.toFixed(3),
    arrow: ARROWS[f.dir],
    path: f.path,
    seq: Number.isNaN(seq) ? '#?' : `#${seq}`,
    name,
    detail: f.msg && f.error ? `${detail} error=${f.error}` : detail,
    raw: f.hex,
    frame: f,
  };
}

function nameStyle(f: TraceFrame): Style[] {
  const m = f.msg;
  if (!m) return ['red'];
  if (m.kind === 'ack') return ['dim'];
  if (m.kind === 'response') return m.status === 'ok' ? [] : ['red'];
  if (m.kind === 'command') return ['bold'];
  if (m.name === 'identityConfirmed') return ['bold', 'green'];
  if (m.name === 'identityFailed' || m.name === 'readerError') return ['bold', 'red'];
  return [];
}

/**
 * One aligned line per frame:
 *   `   12.500  R→H  #3  screenShown  screen=4 照合エラー`
 * time in ms (3 decimals), direction, the sender's SEQ, the message name, the fields rendered with
 * code names and screen texts. ACKs are compact (`ack #3`). With several readers in the trace a
 * path column follows the arrow.
 */
export function prettyTrace(trace: Trace, opts: PrettyOptions = {}): string {
  const color = opts.color ?? false;
  const rows = trace.frames.map(rowOf);
  const multiPath = new Set(trace.frames.map((f) => f.path)).size > 1;
  const w = {
    time: Math.max(9, ...rows.map((r) => r.time.length)),
    path: Math.max(0, ...rows.map((r) => r.path.length)),
    seq: Math.max(0, ...rows.map((r) => r.seq.length)),
    name: Math.max(0, ...rows.map((r) => r.name.length)),
  };
  return rows
    .map((r) => {
      const cols = [paint(r.time.padStart(w.time), color, 'dim'), paint(r.arrow, color, r.frame.dir === 'h2r' ? 'cyan' : 'yellow')];
      if (multiPath) cols.push(paint(r.path.padEnd(w.path), color, 'magenta'));
      cols.push(r.seq.padEnd(w.seq));
      const tail = [r.detail, opts.raw ? paint(`[${r.raw}]`, color, 'dim') : ''].filter(Boolean).join('  ');
      // Pad the name only when something follows it, so lines carry no trailing blanks.
      cols.push(paint(tail ? r.name.padEnd(w.name) : r.name, color, ...nameStyle(r.frame)));
      if (tail) cols.push(tail);
      return cols.join('  ');
    })
    .join('\n');
}

/** The header as comment lines: title, start time, and each reader's identity. */
export function prettyHeader(trace: Trace): string {
  const h = trace.header;
  const lines = [`# ${h.title || '(untitled trace)'} — started ${h.startedAt}, ${trace.frames.length} frames`];
  for (const r of h.readers) {
    const id = r.identity;
    lines.push(
      `# ${r.path}: ${id.vendor} ${id.model} firmware ${id.firmware} serial ${id.serial}, protocol ${id.protocolVersion}, ` +
        `capabilities ${id.capabilities.join(',') || 'none'}`,
    );
  }
  return lines.join('\n');
}
