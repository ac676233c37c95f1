import { crc16 } from './crc16';

/**
 * Frame layout (docs/protocol.md §2), all integers big-endian:
 *   SOF(1)=0xA5 | LEN(2)=payload length | SEQ(1) | TYPE(1) | PAYLOAD(LEN) | CRC(2)
 * The CRC (CRC-16/CCITT-FALSE) covers LEN..PAYLOAD, not the SOF.
 */
export const SOF = 0xa5;
export const HEADER_SIZE = 5;
export const CRC_SIZE = 2;
export const FRAME_OVERHEAD = HEADER_SIZE + CRC_SIZE;
export const MAX_PAYLOAD = 1024;
export const MAX_FRAME = MAX_PAYLOAD + FRAME_OVERHEAD;

export interface Frame {
  seq: number;
  type: number;
  payload: Buffer;
}

export function encodeFrame(frame: Frame): Buffer {
  const { seq, type, payload } = frame;
  if (payload.length > MAX_PAYLOAD) {
    throw new RangeError(`"payload" must be at most ${MAX_PAYLOAD} bytes, got ${payload.length}`);
  }
  if (!Number.isInteger(seq) || seq < 0 || seq > 0xff) throw new RangeError(`"seq" must be 0..255, got ${seq}`);
  if (!Number.isInteger(type) || type < 0 || type > 0xff) throw new RangeError(`"type" must be 0..255, got ${type}`);
  const out = Buffer.allocUnsafe(payload.length + FRAME_OVERHEAD);
  out[0] = SOF;
  out.writeUInt16BE(payload.length, 1);
  out[3] = seq;
  out[4] = type;
  payload.copy(out, HEADER_SIZE);
  out.writeUInt16BE(crc16(out, 1, HEADER_SIZE + payload.length), HEADER_SIZE + payload.length);
  return out;
}
