import { FrameDecoder, encodeFrame, UnknownMessageError, decodeMessage, type Frame, type Message } from '../protocol';

/** A piece of one direction's byte stream: a whole frame (CRC good), or bytes outside any frame. */
export type Segment = { kind: 'frame'; bytes: Buffer; frame: Frame } | { kind: 'noise'; bytes: Buffer; error: string };

/**
 * Cuts a byte stream into frames and the bytes between them, keeping every byte: the stream is
 * exactly the concatenation of the segments. Frames are found by the protocol's own incremental
 * decoder (fed one byte at a time, so each frame's end is known to the byte); bytes it skipped
 * (noise, a frame whose CRC failed, an oversize length) come out as one `noise` segment as soon as
 * no frame is pending, with the decoder's error when it had one. Holds at most one frame.
 */
export class FrameCutter {
  private held: number[] = [];
  private errors: string[] = [];
  private readonly decoder = new FrameDecoder(
    (frame) => this.onFrame(frame),
    (e) => this.errors.push(`${e.code}: ${e.message}`),
  );
  private readonly one = Buffer.alloc(1);

  constructor(private readonly emit: (segment: Segment) => void) {}

  /** Bytes held for a frame not complete yet. */
  get pending(): number {
    return this.held.length;
  }

  push(chunk: Uint8Array): void {
    for (const b of chunk) {
      this.held.push(b);
      this.one[0] = b;
      this.decoder.push(this.one);
    }
    if (this.decoder.buffered === 0) this.flushNoise(this.held.length);
  }

  private onFrame(frame: Frame): void {
    // Usually the frame ends with the byte just pushed; after a CRC failure the decoder rescans the
    // bad frame's bytes and may find one inside them, so look for it rather than assume the end.
    const bytes = encodeFrame(frame);
    const at = Buffer.from(this.held).indexOf(bytes);
    this.flushNoise(at);
    this.held = this.held.slice(bytes.length);
    this.emit({ kind: 'frame', bytes, frame });
  }

  private flushNoise(n: number): void {
    if (n <= 0) return;
    const bytes = Buffer.from(this.held.slice(0, n));
    this.held = this.held.slice(n);
    const error = this.errors.length > 0 ? this.errors.join('; ') : `TAP_NOISE: ${n} byte(s) outside any frame`;
    this.errors = [];
    this.emit({ kind: 'noise', bytes, error });
  }
}

/** What a trace line says of a segment: the decoded message, or null and why (as the link reports it). */
export function describeSegment(segment: Segment): { msg: Message | null; error?: string } {
  if (segment.kind === 'noise') return { msg: null, error: segment.error };
  try {
    return { msg: decodeMessage(segment.frame) };
  } catch (e) {
    const code = e instanceof UnknownMessageError ? e.code : 'LINK_ERR_PAYLOAD';
    return { msg: null, error: `${code}: ${e instanceof Error ? e.message : String(e)}` };
  }
}
