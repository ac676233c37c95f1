import { FailReason, FrameDecoder, Method, decodeMessage, encodeFrame, type Frame, type Message } from '../../src/protocol';
import type { SentOutcomeInfo } from '../control/protocol';
import type { EmulatedReader } from '../emulated-reader';

export interface SentOutcome {
  info: Omit<SentOutcomeInfo, 'held'>;
  frame: Buffer;
  reader: EmulatedReader;
}

/**
 * Taps one line both ways and keeps every identity outcome (identityConfirmed, identityFailed) the
 * reader sent, once however often it was retransmitted, and whether a host ACKed it. An ACK names
 * a SEQ; it belongs to the last event frame the reader sent under that SEQ (responses are never
 * ACKed). Survives `reset` (the list is the line's history; SEQs start again with each reader).
 */
export class OutcomeLog {
  readonly sent: SentOutcome[] = [];
  private reader: EmulatedReader | null = null;
  private byFrame = new Map<string, SentOutcome>();
  private atSeq = new Map<number, SentOutcome | null>();
  private readonly readerSide = new FrameDecoder((f) => this.onReaderFrame(f));
  private readonly hostSide = new FrameDecoder((f) => this.onHostFrame(f));

  attach(reader: EmulatedReader): void {
    this.reader = reader;
    this.byFrame = new Map();
    this.atSeq = new Map();
  }

  fromReader(bytes: Buffer): void {
    this.readerSide.push(bytes);
  }

  fromHost(bytes: Buffer): void {
    this.hostSide.push(bytes);
  }

  /** The reader still holds it and will send it again (after an ACK wait, or a host's hello). */
  held(e: SentOutcome): boolean {
    return !e.info.acked && e.reader === this.reader && e.reader.link.unacked.get(e.info.seq)?.frame.equals(e.frame) === true;
  }

  view(e: SentOutcome): SentOutcomeInfo {
    return { ...e.info, held: this.held(e) };
  }

  /** The `confirmations` op's page: `limit` outcomes from `from`, with the counts over all of them. */
  page(from: number, limit: number): { total: number; unacked: number; pending: number; next: number | null; confirmations: SentOutcomeInfo[] } {
    const unacked = this.sent.filter((e) => !e.info.acked);
    return {
      total: this.sent.length,
      unacked: unacked.length,
      pending: unacked.filter((e) => this.held(e)).length,
      next: from + limit < this.sent.length ? from + limit : null,
      confirmations: this.sent.slice(from, from + limit).map((e) => this.view(e)),
    };
  }

  private onReaderFrame(frame: Frame): void {
    const msg = decoded(frame);
    if (msg?.kind !== 'event') return;
    if (msg.name !== 'identityConfirmed' && msg.name !== 'identityFailed') {
      this.atSeq.set(msg.seq, null);
      return;
    }
    const raw = encodeFrame(frame);
    const key = raw.toString('hex');
    let e = this.byFrame.get(key);
    if (e) e.info.sends++;
    else {
      const f = msg.fields;
      const info: SentOutcome['info'] =
        msg.name === 'identityConfirmed'
          ? {
              event: msg.name,
              txId: Number(f.txId),
              seq: msg.seq,
              method: Method.nameOf(Number(f.method)) ?? String(f.method),
              cardId: String(f.cardId),
              sends: 1,
              acked: false,
            }
          : { event: msg.name, txId: Number(f.txId), seq: msg.seq, reason: FailReason.nameOf(Number(f.reason)) ?? String(f.reason), sends: 1, acked: false };
      e = { info, frame: raw, reader: this.reader! };
      this.byFrame.set(key, e);
      this.sent.push(e);
    }
    this.atSeq.set(msg.seq, e);
  }

  private onHostFrame(frame: Frame): void {
    const msg = decoded(frame);
    if (msg?.kind !== 'ack') return;
    const e = this.atSeq.get(msg.ackSeq);
    if (e) e.info.acked = true;
  }
}

/** A frame's message, or null for one that does not decode (the reader's own end counts those). */
function decoded(frame: Frame): Message | null {
  try {
    return decodeMessage(frame);
  } catch {
    return null;
  }
}
