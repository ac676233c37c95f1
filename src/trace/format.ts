import {
  COMMANDS,
  EVENTS,
  Status,
  encodeAck,
  encodeCommand,
  encodeEvent,
  encodeResponse,
  type FieldSpec,
  type Message,
  type ReaderIdentity,
  type StatusName,
} from '../protocol';

/**
 * The protocol trace file (docs/traces.md): NDJSON, one header line, then one line per frame that
 * crossed a reader link, in the order the host saw them.
 */
export const TRACE_VERSION = 1;

/** A reader as the host identified it (hello response; capability bits as names): the one ReaderIdentity. */
export type TraceIdentity = ReaderIdentity;

export interface TraceReader {
  path: string;
  identity: TraceIdentity;
}

export interface TraceHeader {
  trace: typeof TRACE_VERSION;
  /** ISO 8601 time of the recorder's clock when recording started (t = 0). */
  startedAt: string;
  title: string;
  readers: TraceReader[];
}

/** h2r: host to reader (TraceEntry dir 'out'); r2h: reader to host (dir 'in'). */
export type TraceDirection = 'h2r' | 'r2h';

export interface TraceFrame {
  /** Milliseconds since startedAt, at most 3 decimals. */
  t: number;
  path: string;
  dir: TraceDirection;
  /** The whole frame, SOF to CRC, lowercase hex. */
  hex: string;
  /** The decoded message, or null if the frame did not decode. */
  msg: Message | null;
  error?: string;
}

export interface Trace {
  header: TraceHeader;
  frames: TraceFrame[];
}

/** Rounds a time to the format's 3 decimals. */
export function roundT(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** The header line (no newline). */
export function headerLine(header: TraceHeader): string {
  return JSON.stringify({ trace: header.trace, startedAt: header.startedAt, title: header.title, readers: header.readers });
}

/** One frame's line (no newline). */
export function frameLine(f: TraceFrame): string {
  const line: Record<string, unknown> = { t: roundT(f.t), path: f.path, dir: f.dir, hex: f.hex, msg: f.msg };
  if (f.error !== undefined) line.error = f.error;
  return JSON.stringify(line);
}

/** One line per object, header first, each line ending in a newline. */
export function serializeTrace(trace: Trace): string {
  return [headerLine(trace.header), ...trace.frames.map(frameLine)].join('\n') + '\n';
}

class LineError extends Error {}

function fail(message: string): never {
  throw new LineError(message);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Record<string, unknown>, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== 'string') fail(`${where}"${key}" must be a string`);
  return v;
}

function byte(o: Record<string, unknown>, key: string, where: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xff) fail(`${where}"${key}" must be an integer 0..255`);
  return v;
}

function onlyKeys(o: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) fail(`${where}unexpected key "${k}"`);
}

function checkIdentity(v: unknown, where: string): TraceIdentity {
  if (!isObject(v)) fail(`${where}"identity" must be an object`);
  const id = {
    vendor: str(v, 'vendor', where),
    model: str(v, 'model', where),
    firmware: str(v, 'firmware', where),
    serial: str(v, 'serial', where),
    protocolVersion: byte(v, 'protocolVersion', where),
    capabilities: v.capabilities,
  };
  if (!Array.isArray(id.capabilities) || !id.capabilities.every((c) => typeof c === 'string')) {
    fail(`${where}"capabilities" must be an array of capability names`);
  }
  return v as unknown as TraceIdentity;
}

function checkHeader(v: unknown): TraceHeader {
  if (!isObject(v)) fail('the header must be a JSON object');
  if (v.trace !== TRACE_VERSION) fail(`not a trace file of version ${TRACE_VERSION} (header "trace" is ${JSON.stringify(v.trace)})`);
  onlyKeys(v, ['trace', 'startedAt', 'title', 'readers'], 'header: ');
  const startedAt = str(v, 'startedAt', 'header: ');
  if (Number.isNaN(Date.parse(startedAt))) fail(`header: "startedAt" must be an ISO 8601 time, got ${JSON.stringify(startedAt)}`);
  str(v, 'title', 'header: ');
  if (!Array.isArray(v.readers)) fail('header: "readers" must be an array');
  v.readers.forEach((r, i) => {
    const where = `header: readers[${i}]: `;
    if (!isObject(r)) fail(`${where}must be an object`);
    onlyKeys(r, ['path', 'identity'], where);
    str(r, 'path', where);
    checkIdentity(r.identity, where);
  });
  return v as unknown as TraceHeader;
}

/** Field names and value types of a message body must be exactly the catalogue's. */
/** The message's name, which `table` (COMMANDS or EVENTS) must have. */
function nameIn<T extends object>(v: Record<string, unknown>, table: T, what: 'command' | 'event', where: string): keyof T & string {
  const name = str(v, 'name', where);
  if (!Object.hasOwn(table, name)) fail(`${where}unknown ${what} "${name}"`);
  return name as keyof T & string;
}

function checkFields(specs: readonly FieldSpec[], fields: unknown, where: string): void {
  if (!isObject(fields)) fail(`${where}"fields" must be an object`);
  const names = specs.map(([n]) => n);
  for (const k of Object.keys(fields)) if (!names.includes(k)) fail(`${where}unexpected field "${k}"`);
  for (const [name, kind] of specs) {
    const v = fields[name];
    const want = kind === 'u8' || kind === 'u16' || kind === 'u32' ? 'number' : 'string';
    if (typeof v !== want) fail(`${where}field "${name}" must be a ${want}`);
  }
}

function checkMessage(v: unknown): Message {
  const where = 'msg: ';
  if (!isObject(v)) fail('"msg" must be an object or null');
  byte(v, 'seq', where);
  const kind = v.kind;
  const msg = v as unknown as Message;
  switch (kind) {
    case 'ack':
      onlyKeys(v, ['kind', 'seq', 'ackSeq'], where);
      byte(v, 'ackSeq', where);
      break;
    case 'command':
      onlyKeys(v, ['kind', 'seq', 'name', 'fields'], where);
      checkFields(COMMANDS[nameIn(v, COMMANDS, 'command', where)].request, v.fields, where);
      break;
    case 'response': {
      onlyKeys(v, ['kind', 'seq', 'name', 'reqSeq', 'status', 'fields'], where);
      const name = nameIn(v, COMMANDS, 'command', where);
      byte(v, 'reqSeq', where);
      const status = str(v, 'status', where);
      if (Status.nameOf(Status[status as StatusName]) !== status) fail(`${where}unknown status "${status}"`);
      checkFields(status === 'ok' ? COMMANDS[name].response : [], v.fields, where);
      break;
    }
    case 'event':
      onlyKeys(v, ['kind', 'seq', 'name', 'fields'], where);
      checkFields(EVENTS[nameIn(v, EVENTS, 'event', where)].fields, v.fields, where);
      break;
    default:
      fail(`${where}"kind" must be command, response, event or ack, got ${JSON.stringify(kind)}`);
  }
  try {
    encodeTraceMessage(msg);
  } catch (e) {
    fail(`${where}${(e as Error).message}`);
  }
  return msg;
}

function checkFrame(v: unknown): TraceFrame {
  if (!isObject(v)) fail('a frame line must be a JSON object');
  onlyKeys(v, ['t', 'path', 'dir', 'hex', 'msg', 'error'], '');
  if (typeof v.t !== 'number' || !Number.isFinite(v.t) || v.t < 0) fail('"t" must be a number of milliseconds >= 0');
  str(v, 'path', '');
  if (v.dir !== 'h2r' && v.dir !== 'r2h') fail(`"dir" must be "h2r" or "r2h", got ${JSON.stringify(v.dir)}`);
  const hex = str(v, 'hex', '');
  if (!/^(?:[0-9a-f]{2})*$/.test(hex)) fail('"hex" must be lowercase hex digits, two per byte');
  if (!('msg' in v)) fail('"msg" is missing (null when the frame did not decode)');
  if (v.msg !== null) checkMessage(v.msg);
  if ('error' in v) str(v, 'error', '');
  return v as unknown as TraceFrame;
}

/**
 * Parses and validates a trace file. Blank lines are ignored; anything else that is not a valid
 * header or frame line throws an Error naming the line (1-based).
 */
export function parseTrace(text: string): Trace {
  const lines = text.split('\n');
  let header: TraceHeader | null = null;
  const frames: TraceFrame[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trim() === '') continue;
    try {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (e) {
        fail(`not JSON: ${(e as Error).message}`);
      }
      if (header === null) header = checkHeader(value);
      else frames.push(checkFrame(value));
    } catch (e) {
      if (e instanceof LineError) throw new Error(`trace line ${i + 1}: ${e.message}`, { cause: e });
      throw e;
    }
  }
  if (header === null) throw new Error('trace line 1: the file is empty (a trace starts with its header line)');
  return { header, frames };
}

/** The frame bytes for a message (used to validate a trace and by the replay device). */
export function encodeTraceMessage(msg: Message, seq = msg.seq, reqSeq?: number): Buffer {
  switch (msg.kind) {
    case 'ack':
      return encodeAck(seq, msg.ackSeq);
    case 'command':
      return encodeCommand(msg.name, seq, msg.fields as never);
    case 'response':
      return encodeResponse(msg.name, seq, reqSeq ?? msg.reqSeq, msg.status, msg.fields as never);
    case 'event':
      return encodeEvent(msg.name, seq, msg.fields as never);
  }
}
