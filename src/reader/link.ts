import { EventEmitter } from 'node:events';
import type { Clock, Timer } from '../time/clock';
import {
  FrameDecoder,
  decodeMessage,
  encodeAck,
  encodeCommand,
  encodeFrame,
  emptyLinkStats,
  type CommandName,
  type CommandRequest,
  type CommandResponse,
  type LinkStats,
  type Message,
} from '../protocol';
import { OqsError } from './errors';

/** The byte pipe under the link: a serialport stream, or anything shaped like one. */
export interface BytePort {
  write(data: Buffer, cb: (err?: Error | null) => void): unknown;
  on(event: 'data', fn: (chunk: Buffer) => void): unknown;
  on(event: 'close', fn: () => void): unknown;
  on(event: 'error', fn: (err: Error) => void): unknown;
  close(cb: (err?: Error | null) => void): void;
  readonly isOpen: boolean;
}

export interface TraceEntry {
  dir: 'in' | 'out';
  at: number;
  bytes: string;
  message?: Message;
  error?: string;
}

export type ReaderEvent = Extract<Message, { kind: 'event' }>;

interface Pending {
  name: CommandName;
  resolve: (fields: Record<string, number | string>) => void;
  reject: (e: Error) => void;
  timer: Timer;
  retry: Timer | null;
}

/**
 * An event whose SEQ and bytes match one received fewer than this many frames ago is the reader's
 * retransmission. The reader's SEQ wraps at 256, so a match from further back is a new event.
 */
const REPEAT_WINDOW_FRAMES = 128;

/**
 * The host's end of the reader link: sequence numbers, command/response correlation with
 * timeouts on the injected clock, ACKs for events, and one stream of what crossed the wire
 * ('frame' for traces, 'event' for reader events, 'linkError' for bad frames, 'close').
 */
export class ReaderLink extends EventEmitter {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly decoder: FrameDecoder;
  private closed = false;

  readonly stats: LinkStats = emptyLinkStats();
  /** By SEQ: the last event's type+payload and the count of frames received when it came. */
  private readonly recentEvents = new Map<number, { key: string; n: number }>();

  constructor(
    private readonly port: BytePort,
    private readonly clock: Clock,
    readonly commandTimeoutMs = 3000,
    /** Attempts per command within its timeout (1 = never sent again). */
    readonly commandAttempts = 3,
  ) {
    super();
    this.decoder = new FrameDecoder(
      (frame) => this.onFrame(frame),
      (err) => {
        this.stats.badFrames++;
        this.emit('linkError', err);
        this.emit('frame', { dir: 'in', at: this.clock.now(), bytes: '', error: `${err.code}: ${err.message}` } satisfies TraceEntry);
      },
    );
    port.on('data', (chunk) => this.decoder.push(chunk));
    port.on('close', () => this.onClose());
    port.on('error', (err) => this.emit('linkError', { code: 'OQS_ERR_PORT', message: err.message }));
  }

  get isOpen(): boolean {
    return !this.closed && this.port.isOpen;
  }

  request<N extends CommandName>(name: N, fields: CommandRequest<N>, timeoutMs = this.commandTimeoutMs): Promise<CommandResponse<N>> {
    if (!this.isOpen) return Promise.reject(new OqsError('OQS_ERR_READER_DISCONNECTED', name));
    const seq = this.nextSeq();
    const bytes = encodeCommand(name, seq, fields);
    const message: Message = { kind: 'command', seq, name, fields: fields as Record<string, number | string> };
    return new Promise((resolve, reject) => {
      const p: Pending = { name, resolve: resolve as Pending['resolve'], reject, timer: null as unknown as Timer, retry: null };
      const fail = (e: Error) => {
        p.timer.cancel();
        p.retry?.cancel();
        this.pending.delete(seq);
        reject(e);
      };
      p.timer = this.clock.setTimer(`reader ${name} timeout`, timeoutMs, () => fail(new OqsError('OQS_ERR_READER_TIMEOUT', name, timeoutMs)));
      this.pending.set(seq, p);
      const onWritten = (err?: Error | null) => {
        if (err) fail(new OqsError('OQS_ERR_READER_DISCONNECTED', name));
      };
      // The same SEQ and bytes again: a reader that already answered answers again, not twice.
      const interval = timeoutMs / this.commandAttempts;
      let attempt = 1;
      const scheduleRetry = () => {
        if (attempt >= this.commandAttempts || this.pending.get(seq) !== p) return;
        p.retry = this.clock.setTimer(`reader ${name} retry`, interval, () => {
          if (this.pending.get(seq) !== p || !this.isOpen) return;
          attempt++;
          this.stats.commandRetries++;
          this.send(bytes, message, onWritten);
          scheduleRetry();
        });
      };
      this.send(bytes, message, onWritten);
      scheduleRetry();
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.port.isOpen) {
        this.onClose();
        return resolve();
      }
      this.port.close(() => {
        this.onClose();
        resolve();
      });
    });
  }

  private nextSeq(): number {
    const s = this.seq;
    this.seq = (this.seq + 1) & 0xff;
    return s;
  }

  private send(bytes: Buffer, message: Message, cb: (err?: Error | null) => void = () => undefined): void {
    if (this.listenerCount('frame') > 0) {
      this.emit('frame', { dir: 'out', at: this.clock.now(), bytes: bytes.toString('hex'), message } satisfies TraceEntry);
    }
    this.stats.framesOut++;
    this.port.write(bytes, cb);
  }

  private onFrame(frame: { seq: number; type: number; payload: Buffer }): void {
    this.stats.framesIn++;
    let msg: Message;
    try {
      msg = decodeMessage(frame);
    } catch (e) {
      const code = (e as { code?: string }).code ?? 'LINK_ERR_PAYLOAD';
      this.stats.badFrames++;
      this.emit('linkError', { code, message: (e as Error).message });
      // Traces show what could not be understood, too.
      this.emit('frame', { dir: 'in', at: this.clock.now(), bytes: encodeFrame(frame).toString('hex'), error: `${code}: ${(e as Error).message}` } satisfies TraceEntry);
      return;
    }
    if (this.listenerCount('frame') > 0) {
      this.emit('frame', { dir: 'in', at: this.clock.now(), bytes: encodeFrame(frame).toString('hex'), message: msg } satisfies TraceEntry);
    }
    if (msg.kind === 'response') {
      const p = this.pending.get(msg.reqSeq);
      if (!p || p.name !== msg.name) return; // late, repeated or stray: already answered or timed out
      this.pending.delete(msg.reqSeq);
      p.timer.cancel();
      p.retry?.cancel();
      if (msg.status === 'ok') p.resolve(msg.fields);
      else p.reject(Object.assign(new OqsError('OQS_ERR_READER_REFUSED', msg.name, msg.status), { status: msg.status }));
    } else if (msg.kind === 'event') {
      // Nobody records yet (a reader replaying its unACKed events while the terminal is still
      // attaching it): no ACK, so the reader sends it again once someone listens.
      if (this.listenerCount('event') === 0) return;
      const key = `${frame.type}:${frame.payload.toString('hex')}`;
      const seen = this.recentEvents.get(msg.seq);
      if (seen && seen.key === key && this.stats.framesIn - seen.n < REPEAT_WINDOW_FRAMES) this.stats.duplicateEvents++;
      else {
        // A restarted reader numbers from 0 again: what came before says nothing about repeats.
        if (msg.name === 'readerReset') this.recentEvents.clear();
        this.recentEvents.set(msg.seq, { key, n: this.stats.framesIn });
        // Listeners record the event synchronously (the journal is fsynced) before the ACK goes
        // out: a reader never hears "got it" for something a crash could still lose.
        this.emit('event', msg);
      }
      const ackSeq = this.nextSeq();
      this.send(encodeAck(ackSeq, msg.seq), { kind: 'ack', seq: ackSeq, ackSeq: msg.seq });
    }
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const [seq, p] of this.pending) {
      p.timer.cancel();
      p.retry?.cancel();
      p.reject(new OqsError('OQS_ERR_READER_DISCONNECTED', p.name));
      this.pending.delete(seq);
    }
    this.emit('close');
  }
}
