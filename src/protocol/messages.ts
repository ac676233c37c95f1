import { encodeFrame, type Frame } from './frame';
import { decodeFields, encodeFields, PayloadError, type FieldsOf, type FieldSpec } from './fields';
import { Status, type StatusName } from './codes';

/**
 * The message catalogue (docs/protocol.md §3). Types 0x01–0x0F are link control, 0x10–0x3F host
 * commands, 0x40–0x7F reader events, and a response is its command's type with bit 7 set.
 */
export const ACK_TYPE = 0x01;
export const RESPONSE_BIT = 0x80;

export const COMMANDS = {
  hello: {
    type: 0x10,
    request: [
      ['protocolVersion', 'u8'],
      ['host', 'str'],
    ],
    response: [
      ['protocolVersion', 'u8'],
      ['vendor', 'str'],
      ['model', 'str'],
      ['firmware', 'str'],
      ['serial', 'str'],
      ['capabilities', 'u16'],
    ],
  },
  getStatus: {
    type: 0x11,
    request: [],
    response: [
      ['mode', 'u8'],
      ['state', 'u8'],
      ['cardPresent', 'u8'],
      ['screen', 'u8'],
      ['txId', 'u32'],
    ],
  },
  setMode: { type: 0x12, request: [['mode', 'u8']], response: [['mode', 'u8']] },
  startVisualCheck: {
    type: 0x13,
    request: [
      ['checkId', 'u16'],
      ['confirmationDate', 'date'],
    ],
    response: [],
  },
  executeVisualCheck: { type: 0x14, request: [['checkId', 'u16']], response: [] },
  cancelVisualCheck: { type: 0x15, request: [], response: [] },
  reset: { type: 0x16, request: [], response: [] },
  /** The facility's 目視モード用パスワード as a verifier only (docs/protocol.md §3.3, PR-3.3-8). */
  setVisualPassword: {
    type: 0x17,
    request: [
      ['salt', 'id16'],
      ['verifier', 'id16'],
      ['maxWrong', 'u8'],
      ['lockMinutes', 'u8'],
    ],
    response: [],
  },
} as const satisfies Record<string, { type: number; request: readonly FieldSpec[]; response: readonly FieldSpec[] }>;

export const EVENTS = {
  cardPlaced: {
    type: 0x40,
    fields: [
      ['txId', 'u32'],
      ['cardKind', 'u8'],
    ],
  },
  cardRemoved: { type: 0x41, fields: [['txId', 'u32']] },
  methodChosen: {
    type: 0x42,
    fields: [
      ['txId', 'u32'],
      ['method', 'u8'],
    ],
  },
  faceResult: {
    type: 0x43,
    fields: [
      ['txId', 'u32'],
      ['matched', 'u8'],
      ['score', 'u8'],
      ['attempt', 'u8'],
    ],
  },
  pinResult: {
    type: 0x44,
    fields: [
      ['txId', 'u32'],
      ['ok', 'u8'],
      ['triesLeft', 'u8'],
    ],
  },
  consentGiven: {
    type: 0x45,
    fields: [
      ['txId', 'u32'],
      ['choice', 'u8'],
      ['items', 'u8'],
    ],
  },
  identityConfirmed: {
    type: 0x46,
    fields: [
      ['txId', 'u32'],
      ['method', 'u8'],
      ['cardId', 'id16'],
      ['checkId', 'u16'],
    ],
  },
  identityFailed: {
    type: 0x47,
    fields: [
      ['txId', 'u32'],
      ['reason', 'u8'],
    ],
  },
  screenShown: { type: 0x48, fields: [['screen', 'u8']] },
  readerError: { type: 0x49, fields: [['code', 'u8']] },
  /** The reader (re)started: SEQs begin again at 0, unACKed events are gone; bootId differs each time. */
  readerReset: { type: 0x4a, fields: [['bootId', 'u32']] },
  /** One 目視モード用パスワード entry on the reader; `lockMinutes` > 0: this entry locked the visual check. */
  visualPasswordResult: {
    type: 0x4b,
    fields: [
      ['txId', 'u32'],
      ['ok', 'u8'],
      ['triesLeft', 'u8'],
      ['lockMinutes', 'u8'],
    ],
  },
} as const satisfies Record<string, { type: number; fields: readonly FieldSpec[] }>;

export type CommandName = keyof typeof COMMANDS;
export type EventName = keyof typeof EVENTS;
export type CommandRequest<N extends CommandName> = FieldsOf<(typeof COMMANDS)[N]['request']>;
export type CommandResponse<N extends CommandName> = FieldsOf<(typeof COMMANDS)[N]['response']>;
export type EventFields<N extends EventName> = FieldsOf<(typeof EVENTS)[N]['fields']>;

export type Message =
  | { kind: 'command'; seq: number; name: CommandName; fields: Record<string, number | string> }
  | {
      kind: 'response';
      seq: number;
      name: CommandName;
      reqSeq: number;
      status: StatusName;
      fields: Record<string, number | string>;
    }
  | { kind: 'event'; seq: number; name: EventName; fields: Record<string, number | string> }
  | { kind: 'ack'; seq: number; ackSeq: number };

const COMMAND_BY_TYPE = new Map<number, CommandName>((Object.keys(COMMANDS) as CommandName[]).map((n) => [COMMANDS[n].type, n]));
const EVENT_BY_TYPE = new Map<number, EventName>((Object.keys(EVENTS) as EventName[]).map((n) => [EVENTS[n].type, n]));

export class UnknownMessageError extends Error {
  readonly code = 'LINK_ERR_UNKNOWN_TYPE';
  constructor(readonly type: number) {
    super(`unknown message type 0x${type.toString(16).padStart(2, '0')}`);
  }
}

export function encodeCommand<N extends CommandName>(name: N, seq: number, fields: CommandRequest<N>): Buffer {
  const spec = COMMANDS[name];
  return encodeFrame({ seq, type: spec.type, payload: encodeFields(spec.request, fields) });
}

function byte(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new RangeError(`"${name}" must be 0..255, got ${v}`);
  return v;
}

export function encodeResponse<N extends CommandName>(name: N, seq: number, reqSeq: number, status: StatusName, fields?: CommandResponse<N>): Buffer {
  const spec = COMMANDS[name];
  byte('reqSeq', reqSeq);
  const body = status === 'ok' ? encodeFields(spec.response, fields ?? {}) : Buffer.alloc(0);
  const head = Buffer.from([reqSeq, Status[status]]);
  return encodeFrame({ seq, type: spec.type | RESPONSE_BIT, payload: Buffer.concat([head, body]) });
}

export function encodeEvent<N extends EventName>(name: N, seq: number, fields: EventFields<N>): Buffer {
  const spec = EVENTS[name];
  return encodeFrame({ seq, type: spec.type, payload: encodeFields(spec.fields, fields) });
}

export function encodeAck(seq: number, ackSeq: number): Buffer {
  return encodeFrame({ seq, type: ACK_TYPE, payload: Buffer.from([byte('ackSeq', ackSeq)]) });
}

/** Decodes a frame's type and payload; throws PayloadError or UnknownMessageError. */
export function decodeMessage(frame: Frame): Message {
  const { seq, type, payload } = frame;
  if (type === ACK_TYPE) {
    if (payload.length !== 1) throw new PayloadError('ack payload must be exactly 1 byte');
    return { kind: 'ack', seq, ackSeq: payload[0]! };
  }
  if (type & RESPONSE_BIT) {
    const name = COMMAND_BY_TYPE.get(type & ~RESPONSE_BIT);
    if (!name) throw new UnknownMessageError(type);
    if (payload.length < 2) throw new PayloadError('response payload must start with reqSeq and status');
    const status = Status.nameOf(payload[1]!) as StatusName | undefined;
    if (!status) throw new PayloadError(`unknown status 0x${payload[1]!.toString(16)}`);
    const fields = status === 'ok' ? decodeFields(COMMANDS[name].response, payload, 2) : decodeFields([], payload, 2);
    return { kind: 'response', seq, name, reqSeq: payload[0]!, status, fields };
  }
  const command = COMMAND_BY_TYPE.get(type);
  if (command) return { kind: 'command', seq, name: command, fields: decodeFields(COMMANDS[command].request, payload) };
  const event = EVENT_BY_TYPE.get(type);
  if (event) return { kind: 'event', seq, name: event, fields: decodeFields(EVENTS[event].fields, payload) };
  throw new UnknownMessageError(type);
}
