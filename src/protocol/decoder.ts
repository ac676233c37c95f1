import { crc16 } from './crc16';
import { FRAME_OVERHEAD, HEADER_SIZE, MAX_FRAME, MAX_PAYLOAD, SOF, type Frame } from './frame';

export type DecodeErrorCode = 'LINK_ERR_CRC' | 'LINK_ERR_OVERSIZE';

export interface DecodeError {
  code: DecodeErrorCode;
  message: string;
}

export interface DecoderStats {
  frames: number;
  crcErrors: number;
  oversize: number;
  /** Bytes skipped while looking for a start byte (garbage, or the rest of a bad frame). */
  skipped: number;
}

/**
 * Streaming frame decoder. Takes any chunking (down to 1 byte), skips bytes before a start byte,
 * drops a frame whose CRC fails and resynchronises at the next start byte after the bad one's,
 * and refuses a length above MAX_PAYLOAD at once, so it never holds more than one frame.
 */
export class FrameDecoder {
  readonly stats: DecoderStats = { frames: 0, crcErrors: 0, oversize: 0, skipped: 0 };
  private readonly acc = Buffer.allocUnsafe(MAX_FRAME);
  private accLen = 0;

  constructor(
    private readonly onFrame: (frame: Frame) => void,
    private readonly onError: (error: DecodeError) => void = () => undefined,
  ) {}

  /** Bytes held waiting for the rest of a frame (never more than MAX_FRAME). */
  get buffered(): number {
    return this.accLen;
  }

  reset(): void {
    this.accLen = 0;
  }

  push(chunk: Uint8Array): void {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.accLen === 0) {
        const j = chunk[i] === SOF ? i : chunk.indexOf(SOF, i);
        if (j < 0) {
          this.stats.skipped += n - i;
          return;
        }
        this.stats.skipped += j - i;
        i = j;
        const avail = n - i;
        if (avail >= HEADER_SIZE) {
          const len = (chunk[i + 1]! << 8) | chunk[i + 2]!;
          if (len > MAX_PAYLOAD) {
            this.oversize(len);
            i += 1;
            continue;
          }
          const total = len + FRAME_OVERHEAD;
          if (avail >= total) {
            if (this.check(chunk, i, len)) {
              i += total;
            } else {
              i += 1;
            }
            continue;
          }
        }
        const take = Math.min(avail, MAX_FRAME);
        copyInto(this.acc, 0, chunk, i, take);
        this.accLen = take;
        i += take;
        continue;
      }
      // Completing a frame whose start is already held in acc.
      if (this.accLen < HEADER_SIZE) {
        const take = Math.min(HEADER_SIZE - this.accLen, n - i);
        copyInto(this.acc, this.accLen, chunk, i, take);
        this.accLen += take;
        i += take;
        if (this.accLen < HEADER_SIZE) return;
      }
      const len = this.acc.readUInt16BE(1);
      if (len > MAX_PAYLOAD) {
        this.oversize(len);
        this.rescanAfterStart();
        continue;
      }
      const total = len + FRAME_OVERHEAD;
      const take = Math.min(total - this.accLen, n - i);
      copyInto(this.acc, this.accLen, chunk, i, take);
      this.accLen += take;
      i += take;
      if (this.accLen < total) return;
      if (this.check(this.acc, 0, len)) this.accLen = 0;
      else this.rescanAfterStart();
    }
  }

  /** Verifies the CRC of the frame at `at`; emits it or reports the error. */
  private check(buf: Uint8Array, at: number, len: number): boolean {
    const crcAt = at + HEADER_SIZE + len;
    const want = (buf[crcAt]! << 8) | buf[crcAt + 1]!;
    if (crc16(buf, at + 1, crcAt) !== want) {
      this.stats.crcErrors++;
      this.stats.skipped++;
      this.onError({ code: 'LINK_ERR_CRC', message: 'frame dropped: CRC-16/CCITT-FALSE did not match' });
      return false;
    }
    this.stats.frames++;
    const payload = Buffer.allocUnsafe(len);
    copyInto(payload, 0, buf, at + HEADER_SIZE, len);
    this.onFrame({ seq: buf[at + 3]!, type: buf[at + 4]!, payload });
    return true;
  }

  private oversize(len: number): void {
    this.stats.oversize++;
    this.stats.skipped++;
    this.onError({
      code: 'LINK_ERR_OVERSIZE',
      message: `frame refused: length ${len} exceeds the maximum payload of ${MAX_PAYLOAD} bytes`,
    });
  }

  /** The held start byte was not a frame: look again from the byte after it. */
  private rescanAfterStart(): void {
    const rest = Buffer.from(this.acc.subarray(1, this.accLen));
    this.accLen = 0;
    this.push(rest);
  }
}

/** dst[at..] = src[from..from+n]: a plain loop for the few bytes of a serial read, set() for more. */
function copyInto(dst: Uint8Array, at: number, src: Uint8Array, from: number, n: number): void {
  if (n > 64) {
    dst.set(src.subarray(from, from + n), at);
    return;
  }
  for (let k = 0; k < n; k++) dst[at + k] = src[from + k]!;
}
