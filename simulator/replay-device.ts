import { EventEmitter } from 'node:events';
import { FrameDecoder, capabilityBits, decodeMessage, encodeFrame, encodeResponse, type Message } from '../src/protocol';
import { encodeTraceMessage, type Trace, type TraceFrame, type TraceIdentity } from '../src/trace/format';
import type { SerialDevice } from './mock-binding';

export interface ReplayMismatch {
  /** Index in trace.frames of the frame the host was expected to send; -1 past the end. */
  index: number;
  expected: Message | null;
  /** What the host sent (null when it did not decode; see `error`). */
  actual: Message | null;
  actualHex: string;
  reason: string;
  error?: string;
}

export interface ReplayOptions {
  /** The reader path to play; may be left out when the trace has only one. */
  path?: string;
}

/**
 * A recorded trace played back as the reader on one path (docs/traces.md, "Replaying a trace").
 *
 * Each frame the host writes must match the next host→reader frame of the trace by kind, name and
 * fields (SEQ and bytes are ignored). After a match the device sends the recorded reader→host
 * frames that follow, up to the next host→reader frame, re-encoded with their recorded SEQ; a
 * response's reqSeq is rewritten to the SEQ the host actually used for that command.
 *
 * ACKs are not matched by position: they are left out of the script, because when the replay sends
 * a burst of events the host ACKs them after the burst, not interleaved as on the recording. An ACK
 * from the host must still acknowledge an event the replay sent and has not seen acknowledged.
 *
 * `hello` is answered from the header's identity when the trace holds no hello for this path (a
 * trace recorded from a Terminal starts after ReaderClient.open identified the reader).
 *
 * The first mismatch (a different message, a frame that does not decode, a write past the end of
 * the trace, an ACK for nothing) goes to `mismatches` and the 'mismatch' event, and the replay
 * stops answering: the host's command then times out, it does not hang.
 */
export class ReplayDevice extends EventEmitter implements SerialDevice {
  readonly path: string;
  readonly mismatches: ReplayMismatch[] = [];
  /** The frames for this path, host ACKs left out; `cursor` is the next one to play or match. */
  private readonly script: Array<{ index: number; frame: TraceFrame }>;
  private cursor = 0;
  private readonly identity: TraceIdentity | undefined;
  private readonly traceHasHello: boolean;
  private readonly decoder: FrameDecoder;
  /** Trace SEQ of a matched command → the SEQ the host used for it. */
  private readonly hostSeqs = new Map<number, number>();
  private readonly unacked = new Set<number>();
  private sink: ((bytes: Buffer) => void) | null = null;
  private connectedOnce = false;
  private stoppedFlag = false;

  constructor(trace: Trace, opts: ReplayOptions = {}) {
    super();
    const paths = [...new Set([...trace.header.readers.map((r) => r.path), ...trace.frames.map((f) => f.path)])];
    if (opts.path === undefined && paths.length !== 1) {
      throw new Error(`the trace has ${paths.length} reader paths (${paths.join(', ') || 'none'}); say which one to replay`);
    }
    this.path = opts.path ?? paths[0]!;
    this.identity = trace.header.readers.find((r) => r.path === this.path)?.identity;
    this.script = trace.frames
      .map((frame, index) => ({ index, frame }))
      .filter(({ frame }) => frame.path === this.path && !(frame.dir === 'h2r' && frame.msg?.kind === 'ack'));
    this.traceHasHello = this.script.some(({ frame }) => frame.dir === 'h2r' && frame.msg?.kind === 'command' && frame.msg.name === 'hello');
    this.decoder = new FrameDecoder(
      (frame) => this.onHostFrame(frame),
      (err) =>
        this.mismatch({
          index: this.nextIndex(),
          expected: this.expected(),
          actual: null,
          actualHex: '',
          reason: 'the host sent a bad frame',
          error: err.message,
        }),
    );
  }

  /** Every frame of the trace for this path has been matched or sent. */
  get done(): boolean {
    return this.cursor >= this.script.length;
  }

  /** A mismatch stopped the replay. */
  get stopped(): boolean {
    return this.stoppedFlag;
  }

  /** Frames of this path's script still to match or send. */
  get remaining(): number {
    return this.script.length - this.cursor;
  }

  // SerialDevice
  connect(sink: (bytes: Buffer) => void): void {
    this.sink = sink;
    if (this.connectedOnce) return;
    this.connectedOnce = true;
    this.playReaderFrames();
  }

  disconnect(): void {
    this.sink = null;
    this.decoder.reset();
  }

  feed(bytes: Buffer): void {
    if (!this.stoppedFlag) this.decoder.push(bytes);
  }

  private expected(): Message | null {
    return this.script[this.cursor]?.frame.msg ?? null;
  }

  private nextIndex(): number {
    return this.script[this.cursor]?.index ?? -1;
  }

  private onHostFrame(frame: { seq: number; type: number; payload: Buffer }): void {
    if (this.stoppedFlag) return;
    const hex = encodeFrame(frame).toString('hex');
    let actual: Message | null = null;
    let error: string | undefined;
    try {
      actual = decodeMessage(frame);
    } catch (e) {
      error = (e as Error).message;
    }
    if (actual?.kind === 'ack') {
      if (this.unacked.delete(actual.ackSeq)) return;
      return this.mismatch({
        index: this.nextIndex(),
        expected: this.expected(),
        actual,
        actualHex: hex,
        reason: `the host acknowledged SEQ ${actual.ackSeq}, which the replay has not sent as an unacknowledged event`,
      });
    }
    if (actual?.kind === 'command' && actual.name === 'hello' && !this.traceHasHello && this.identity) {
      return this.answerHello(actual);
    }
    const next = this.script[this.cursor];
    const got = actual ? label(actual) : 'a frame that does not decode';
    if (!next) {
      return this.mismatch({
        index: -1,
        expected: null,
        actual,
        actualHex: hex,
        reason: `the host sent ${got} after the end of the trace`,
        ...(error ? { error } : {}),
      });
    }
    const want = next.frame;
    if (!matches(want, actual, frame)) {
      const wanted = want.dir === 'r2h' ? 'a reader frame (the replay was not connected)' : want.msg ? label(want.msg) : 'an undecodable frame';
      return this.mismatch({
        index: next.index,
        expected: want.msg,
        actual,
        actualHex: hex,
        reason: `the host sent ${got} where the trace has ${wanted}`,
        ...(error ? { error } : {}),
      });
    }
    if (want.msg?.kind === 'command' && actual) this.hostSeqs.set(want.msg.seq, actual.seq);
    this.cursor++;
    this.playReaderFrames();
  }

  /** Sends the recorded reader→host frames from the cursor up to the next host→reader frame. */
  private playReaderFrames(): void {
    for (let next = this.script[this.cursor]; next && next.frame.dir === 'r2h'; next = this.script[++this.cursor]) {
      this.send(next.frame);
    }
  }

  private send(f: TraceFrame): void {
    const m = f.msg;
    let bytes: Buffer;
    if (!m) bytes = Buffer.from(f.hex, 'hex');
    else if (m.kind === 'response') bytes = encodeTraceMessage(m, m.seq, this.hostSeqs.get(m.reqSeq) ?? m.reqSeq);
    else bytes = encodeTraceMessage(m);
    if (m?.kind === 'event') this.unacked.add(m.seq);
    this.sink?.(bytes);
  }

  private answerHello(hello: Extract<Message, { kind: 'command' }>): void {
    const id = this.identity!;
    const firstReader = this.script.find(({ frame }) => frame.dir === 'r2h' && frame.msg)?.frame.msg;
    const seq = firstReader ? (firstReader.seq + 255) & 0xff : 0;
    if (hello.fields.protocolVersion !== id.protocolVersion) {
      this.sink?.(encodeResponse('hello', seq, hello.seq, 'badVersion'));
      return;
    }
    const { protocolVersion, vendor, model, firmware, serial } = id;
    this.sink?.(
      encodeResponse('hello', seq, hello.seq, 'ok', { protocolVersion, vendor, model, firmware, serial, capabilities: capabilityBits(id.capabilities) }),
    );
  }

  private mismatch(m: ReplayMismatch): void {
    if (this.stoppedFlag) return;
    this.stoppedFlag = true;
    this.mismatches.push(m);
    this.emit('mismatch', m);
  }
}

function label(m: Message): string {
  if (m.kind === 'ack') return `ack ${m.ackSeq}`;
  return `${m.kind} ${m.name}${m.kind === 'response' ? ` ${m.status}` : ''} ${JSON.stringify(m.fields)}`;
}

/** Same key order or not, the same field names with the same values. */
function sameFields(a: Record<string, number | string>, b: Record<string, number | string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

function matches(want: TraceFrame, actual: Message | null, frame: { type: number; payload: Buffer }): boolean {
  if (want.dir !== 'h2r') return false;
  const w = want.msg;
  if (!w) {
    // An undecodable recorded frame: compare TYPE and PAYLOAD (the hex without SOF, LEN, SEQ and CRC).
    return want.hex.slice(8, -4) === Buffer.concat([Buffer.from([frame.type]), frame.payload]).toString('hex');
  }
  if (!actual || w.kind !== actual.kind || w.kind === 'ack' || actual.kind === 'ack') return false;
  if (w.name !== actual.name) return false;
  if (w.kind === 'response' && actual.kind === 'response' && w.status !== actual.status) return false;
  return sameFields(w.fields, actual.fields);
}
