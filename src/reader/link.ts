import { EventEmitter } from 'node:events';
import type { Clock, Timer } from '../time/clock';
import {
  FrameDecoder,
  UnknownMessageError,
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
import { OqsError, ReaderRefusedError } from './errors';
import {
  INITIAL_LINK_STATE,
  rememberEvent,
  step,
  type EventMemory,
  type LinkEffect,
  type LinkFailure,
  type LinkInput,
  type LinkState,
  type TimerKind,
} from './link-fsm';

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

/** A command in flight, as the shell keeps it: its bytes to write again and its caller. */
interface Outgoing {
  bytes: Buffer;
  message: Message;
  resolve: (fields: Record<string, number | string>) => void;
  reject: (e: Error) => void;
  timers: Partial<Record<TimerKind, Timer>>;
}

/**
 * The host's end of the reader link: sequence numbers, ACKs for events, and one stream of what
 * crossed the wire ('frame' for traces, 'event' for reader events, 'linkError' for bad frames,
 * 'close'). Command/response correlation, retries and timeouts are the pure machine of
 * link-fsm.ts; this shell feeds it inputs and runs its effects on the port and the injected clock.
 */
export class ReaderLink extends EventEmitter {
  private seq = 0;
  /** The request cycle's state (link-fsm.ts); only dispatch() changes it. */
  private state: LinkState = INITIAL_LINK_STATE;
  private readonly outgoing = new Map<number, Outgoing>();
  private readonly decoder: FrameDecoder;

  readonly stats: LinkStats = emptyLinkStats();
  private recentEvents: EventMemory = new Map();

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
    return !this.state.closed && this.port.isOpen;
  }

  request<N extends CommandName>(name: N, fields: CommandRequest<N>, timeoutMs = this.commandTimeoutMs): Promise<CommandResponse<N>> {
    if (!this.isOpen) return Promise.reject(new OqsError('OQS_ERR_READER_DISCONNECTED', name));
    const seq = this.nextSeq();
    const bytes = encodeCommand(name, seq, fields);
    const message: Message = { kind: 'command', seq, name, fields: fields as Record<string, number | string> };
    return new Promise((resolve, reject) => {
      this.outgoing.set(seq, { bytes, message, resolve: resolve as Outgoing['resolve'], reject, timers: {} });
      this.dispatch({ type: 'send', seq, name, timeoutMs, attempts: this.commandAttempts });
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

  /**
   * Steps the machine and runs its effects. The state is committed first, and a step's write comes
   * last: a port that fails the write at once (or a 'frame' listener) may dispatch again from it.
   */
  private dispatch(input: LinkInput): void {
    const { state, effects } = step(this.state, input);
    this.state = state;
    for (const effect of effects) this.run(effect);
  }

  private run(effect: LinkEffect): void {
    const out = this.outgoing.get(effect.seq);
    if (!out) return;
    switch (effect.type) {
      case 'write':
        if (effect.attempt > 1) this.stats.commandRetries++;
        this.send(out.bytes, out.message, (err) => {
          if (err) this.dispatch({ type: 'writeFailed', seq: effect.seq });
        });
        return;
      case 'armTimer': {
        const { seq, timer, ms } = effect;
        const name = out.message.kind === 'command' ? out.message.name : '';
        out.timers[timer] = this.clock.setTimer(`reader ${name} ${timer}`, ms, () => {
          // A port that is already gone, though its close has not been heard yet: no more retries.
          if (timer === 'retry' && !this.isOpen) return;
          this.dispatch(timer === 'retry' ? { type: 'retryTimerFired', seq } : { type: 'timeoutFired', seq });
        });
        return;
      }
      case 'cancelTimer':
        out.timers[effect.timer]?.cancel();
        delete out.timers[effect.timer];
        return;
      case 'resolve':
        this.outgoing.delete(effect.seq);
        out.resolve(effect.fields);
        return;
      case 'reject':
        this.outgoing.delete(effect.seq);
        out.reject(failureError(effect.failure));
        return;
    }
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
      // decodeMessage throws the protocol's UnknownMessageError or PayloadError (LINK_ERR_PAYLOAD).
      const code = e instanceof UnknownMessageError ? e.code : 'LINK_ERR_PAYLOAD';
      const message = e instanceof Error ? e.message : String(e);
      this.stats.badFrames++;
      this.emit('linkError', { code, message });
      // Traces show what could not be understood, too.
      this.emit('frame', { dir: 'in', at: this.clock.now(), bytes: encodeFrame(frame).toString('hex'), error: `${code}: ${message}` } satisfies TraceEntry);
      return;
    }
    if (this.listenerCount('frame') > 0) {
      this.emit('frame', { dir: 'in', at: this.clock.now(), bytes: encodeFrame(frame).toString('hex'), message: msg } satisfies TraceEntry);
    }
    if (msg.kind === 'response') {
      this.dispatch({ type: 'responseReceived', reqSeq: msg.reqSeq, name: msg.name, status: msg.status, fields: msg.fields });
    } else if (msg.kind === 'event') {
      // Nobody records yet (a reader replaying its unACKed events while the terminal is still
      // attaching it): no ACK, so the reader sends it again once someone listens.
      if (this.listenerCount('event') === 0) return;
      const key = `${frame.type}:${frame.payload.toString('hex')}`;
      const { memory, repeat } = rememberEvent(this.recentEvents, { seq: msg.seq, key, frameNo: this.stats.framesIn, readerReset: msg.name === 'readerReset' });
      if (repeat) this.stats.duplicateEvents++;
      else {
        // Listeners record the event synchronously (the store is fsynced) before the ACK goes
        // out: a reader never hears "got it" for something a crash could still lose. One that
        // could not record it (the store failed; the terminal tells staff) gets no ACK: the reader
        // sends it again. Thrown on, it would end the controller from inside the port's read.
        try {
          this.emit('event', msg);
        } catch (e) {
          this.emit('linkError', {
            code: OqsError.is(e) ? e.code : 'OQS_ERR_INTERNAL',
            message: `event ${msg.name} not recorded: ${(e as Error)?.message ?? e}`,
          });
          return;
        }
      }
      // Remembered only once recorded: if a listener threw (the store failed), there is no ACK and
      // the reader's retransmission must be recorded, not ACKed as a repeat.
      this.recentEvents = memory;
      const ackSeq = this.nextSeq();
      this.send(encodeAck(ackSeq, msg.seq), { kind: 'ack', seq: ackSeq, ackSeq: msg.seq });
    }
  }

  private onClose(): void {
    if (this.state.closed) return;
    this.dispatch({ type: 'closed' });
    this.emit('close');
  }
}

/** The typed error a caller sees for each way a command can fail. */
function failureError(f: LinkFailure): OqsError {
  switch (f.kind) {
    case 'timeout':
      return new OqsError('OQS_ERR_READER_TIMEOUT', f.name, f.timeoutMs);
    case 'refused':
      return new ReaderRefusedError(f.name, f.status);
    case 'disconnected':
      return new OqsError('OQS_ERR_READER_DISCONNECTED', f.name);
  }
}
