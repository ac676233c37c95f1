/**
 * Shared by the protocol's unit tests (not a test file itself): messages encoded by kind, a decoder
 * that collects what it delivers, and a stream of sample frames.
 */
import {
  COMMANDS,
  EVENTS,
  FrameDecoder,
  SOF,
  Status,
  decodeMessage,
  encodeAck,
  encodeCommand,
  encodeEvent,
  encodeResponse,
  type CommandName,
  type DecodeError,
  type EventName,
  type FieldSpec,
  type Frame,
  type Message,
  type StatusName,
} from '.';

export type Fields = Record<string, number | string>;

/** The encoder for `msg`'s kind: the inverse of decodeMessage. */
export function encodeMessage(msg: Message): Buffer {
  switch (msg.kind) {
    case 'ack':
      return encodeAck(msg.seq, msg.ackSeq);
    case 'command':
      return encodeCommand(msg.name, msg.seq, msg.fields as never);
    case 'response':
      return encodeResponse(msg.name, msg.seq, msg.reqSeq, msg.status, msg.fields as never);
    case 'event':
      return encodeEvent(msg.name, msg.seq, msg.fields as never);
  }
}

export interface Collected {
  frames: Frame[];
  errors: DecodeError[];
  decoder: FrameDecoder;
}

export function collector(): Collected {
  const frames: Frame[] = [];
  const errors: DecodeError[] = [];
  const decoder = new FrameDecoder(
    (f) => frames.push(f),
    (e) => errors.push(e),
  );
  return { frames, errors, decoder };
}

/** Feeds `stream` in chunks of `size` bytes (the last one shorter). */
export function feed(decoder: FrameDecoder, stream: Buffer, size: number): void {
  for (let i = 0; i < stream.length; i += size) decoder.push(stream.subarray(i, i + size));
}

export function decodeAll(stream: Buffer, size = stream.length || 1): Collected & { messages: Message[] } {
  const c = collector();
  feed(c.decoder, stream, size);
  return { ...c, messages: c.frames.map((f) => decodeMessage(f)) };
}

/** Garbage that contains no start byte. */
export function garbage(rand: () => number, n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    let b = Math.floor(rand() * 256);
    if (b === SOF) b = 0x5a;
    out[i] = b;
  }
  return out;
}

export type Variant = 'min' | 'max' | 'mid';

/** Field values for a spec: the smallest, the largest, and values full of 0xA5 bytes. */
export function sample(specs: readonly FieldSpec[], v: Variant): Fields {
  const out: Fields = {};
  for (const [name, kind] of specs) {
    switch (kind) {
      case 'u8':
        out[name] = { min: 0, max: 0xff, mid: 0xa5 }[v];
        break;
      case 'u16':
        out[name] = { min: 0, max: 0xffff, mid: 0xa5a5 }[v];
        break;
      case 'u32':
        out[name] = { min: 0, max: 0xffffffff, mid: 0xa50000a5 }[v];
        break;
      case 'str':
        out[name] = { min: '', max: 'x'.repeat(255), mid: '顔認証付きカードリーダー' }[v];
        break;
      case 'date':
        out[name] = { min: '00000000', max: '99991231', mid: '20261124' }[v];
        break;
      case 'id16':
        out[name] = { min: '00'.repeat(16), max: 'ff'.repeat(16), mid: 'a5'.repeat(16) }[v];
        break;
    }
  }
  return out;
}
export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];
export const EVENT_NAMES = Object.keys(EVENTS) as EventName[];
export const STATUS_NAMES = Object.keys(Status).filter((k) => k !== 'nameOf') as StatusName[];

/** A stream of several frames of different kinds and lengths (7 to 53 bytes). */
export const STREAM_MESSAGES: Message[] = [
  { kind: 'command', seq: 0, name: 'hello', fields: { protocolVersion: 1, host: 'oqs-reader' } },
  {
    kind: 'response',
    seq: 0,
    name: 'hello',
    reqSeq: 0,
    status: 'ok',
    fields: { protocolVersion: 1, vendor: 'OQS Emulated', model: 'FACE-EMU-1', firmware: '1.0.0', serial: 'EMU-0001', capabilities: 63 },
  },
  { kind: 'command', seq: 1, name: 'getStatus', fields: {} },
  { kind: 'event', seq: 1, name: 'cardPlaced', fields: { txId: 0xa5, cardKind: 1 } },
  { kind: 'ack', seq: 2, ackSeq: 1 },
  {
    kind: 'event',
    seq: 2,
    name: 'identityConfirmed',
    fields: { txId: 0xa5, method: 1, cardId: '06027ca250d52f04342f1f639288fd7c', checkId: 0 },
  },
  { kind: 'response', seq: 3, name: 'setMode', reqSeq: 7, status: 'busy', fields: {} },
  { kind: 'event', seq: 4, name: 'screenShown', fields: { screen: 10 } },
];
export const STREAM_FRAMES = STREAM_MESSAGES.map(encodeMessage);
export const STREAM = Buffer.concat(STREAM_FRAMES);
