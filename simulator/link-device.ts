import {
  COMMANDS,
  FrameDecoder,
  RESPONSE_BIT,
  Status,
  decodeMessage,
  emptyLinkStats,
  encodeFrame,
  encodeEvent,
  encodeResponse,
  type CommandName,
  type CommandResponse,
  type EventFields,
  type EventName,
  type LinkStats,
  type StatusName,
} from '../src/protocol';
import type { Clock, Timer } from '../src/time/clock';
import type { CommandReply, HostCommand } from './behaviors';
import { FaultInjector } from './faults';

export interface LinkTiming {
  /** How long the reader waits for an ACK before sending an event again. */
  ackTimeoutMs: number;
  /**
   * How many times an event is sent again before the reader waits for a host to say hello. The
   * wait doubles after each try (up to 8 × ackTimeoutMs), so a bad cable costs time, not data.
   */
  maxRetransmits: number;
}

export const DEFAULT_LINK_TIMING: LinkTiming = { ackTimeoutMs: 500, maxRetransmits: 8 };
/**
 * At most this many events wait for an ACK at once (docs/protocol.md PR-5-5); later events wait
 * unsent and get their SEQ when they go out, so SEQ order stays send order and a held SEQ is half
 * the counter away from being reused.
 */
export const SEND_WINDOW = 128;
/** How long a command's SEQ and bytes identify a repeat of it (longer than any host's timeout). */
const REPEAT_WINDOW_MS = 10_000;

interface Unacked {
  frame: Buffer;
  tries: number;
  timer: Timer | null;
  /** Its first send, as a count of frames written (stats.framesOut then). */
  firstWrite: number;
}

/** An event not yet on the wire: numbered only when it is sent. */
interface Waiting {
  type: number;
  payload: Buffer;
}

/** What the reader does with a command (its behaviours); false when nothing handled it. */
export type CommandHandler = (cmd: HostCommand, reply: CommandReply) => boolean;

/**
 * The reader's end of the link: bytes in, frames decoded, commands handed to the reader's
 * behaviours (simulator/behaviors.ts), responses and events encoded out. An event is sent again, with the same SEQ, until the host
 * ACKs it (and all unACKed events again when a host says hello); a command the host repeats with
 * the same SEQ gets the same response without running twice. Faults, when armed, sit on the wire.
 */
export class LinkDevice {
  /** The reader end's counters (commandRetries and duplicateEvents are the host end's: 0 here). */
  readonly stats: LinkStats = emptyLinkStats();
  /** Events sent and not yet ACKed, by SEQ, in the order they were sent. */
  readonly unacked = new Map<number, Unacked>();
  /** Events waiting for room in the send window, oldest first. */
  private readonly waiting: Waiting[] = [];
  private pumping = false;
  readonly faults: FaultInjector;
  private readonly answered = new Map<number, { request: string; response: Buffer; at: number }>();
  private seq = 0;
  /**
   * Per SEQ, when the last copy of an event under it was written (stats.framesOut then). While an
   * ACK for that copy can still come, the SEQ is not given to another frame: an ACK names only the SEQ.
   */
  private readonly lastEventWrite = new Map<number, number>();
  /**
   * No ACK can still arrive for a frame written up to this one: an ACK released an event first sent
   * here. The line is first in, first out and a host ACKs in the order it reads, so any ACK for an
   * earlier copy arrived before that one (and that event, if sent once, has had its only ACK).
   */
  private ackHorizon = 0;
  private readonly decoder: FrameDecoder;
  private readonly timing: LinkTiming;
  private sink: (bytes: Buffer) => void = () => undefined;

  constructor(
    /** Link timers run here: real time on a real line, even when device time is virtual. */
    private readonly clock: Clock,
    timing: Partial<LinkTiming> = {},
    private readonly onCommand: CommandHandler = () => false,
  ) {
    this.timing = { ...DEFAULT_LINK_TIMING, ...timing };
    this.faults = new FaultInjector(clock);
    this.decoder = new FrameDecoder(
      (frame) => this.faults.pass('toReader', encodeFrame(frame), () => this.onFrame(frame)),
      () => this.stats.badFrames++,
    );
  }

  /** Whole frames that reached the wire: those sent, less those a fault dropped, plus copies. */
  get framesDelivered(): number {
    const a = this.faults.stats.applied;
    return this.stats.framesOut - a.drop + a.duplicate;
  }

  /** Where the reader's bytes go (the port's receive side). */
  connect(sink: (bytes: Buffer) => void): void {
    this.sink = sink;
  }

  disconnect(): void {
    this.sink = () => undefined;
    this.decoder.reset();
  }

  /** Bytes the host wrote to the reader. */
  feed(bytes: Buffer): void {
    this.decoder.push(bytes);
  }

  /** Power loss: pending timers stop, unACKed and unsent events are gone, SEQs start again. */
  reboot(): void {
    for (const u of this.unacked.values()) u.timer?.cancel();
    this.unacked.clear();
    this.waiting.length = 0;
    this.answered.clear();
    this.lastEventWrite.clear();
    this.seq = 0;
    this.decoder.reset();
  }

  /**
   * The next SEQ (PR-5-1): one more than the last, stepping over every SEQ whose event is held, so an
   * ACK under it is always that event's (PR-5-5). An event also steps over a SEQ whose last event went
   * out more than once with a copy written after the ACK horizon: a late ACK for that copy (a host
   * reading a backlog, a restarted host reading what the last one left) would release the new event
   * before anyone read it. Should every SEQ not held be so (copies everywhere and no ACK for a newer
   * event yet), the event takes the one whose last copy is oldest rather than wait.
   */
  private nextSeq(forEvent = false): number {
    let oldest = -1;
    for (let i = 0; i < 256; i++, this.seq = (this.seq + 1) & 0xff) {
      if (this.unacked.has(this.seq)) continue;
      if (!forEvent || this.free(this.seq)) return this.take();
      if (oldest < 0 || this.lastEventWrite.get(this.seq)! < this.lastEventWrite.get(oldest)!) oldest = this.seq;
    }
    this.seq = oldest; // at most 128 events are held, so some SEQ is not
    return this.take();
  }

  private take(): number {
    const s = this.seq;
    this.seq = (this.seq + 1) & 0xff;
    return s;
  }

  /** No ACK can still arrive for an earlier event frame under `seq` (it is not held). */
  private free(seq: number): boolean {
    const last = this.lastEventWrite.get(seq);
    return last === undefined || last <= this.ackHorizon;
  }

  /** Writes a frame; returns its number (stats.framesOut after it). */
  private write(frame: Buffer): number {
    this.stats.framesOut++;
    this.faults.pass('toHost', frame, (bytes) => this.sink(bytes));
    return this.stats.framesOut;
  }

  /** Writes a copy of a held event (its first send, or again) and notes when its SEQ last went out. */
  private writeEvent(seq: number, u: Unacked): number {
    const n = this.write(u.frame);
    this.lastEventWrite.set(seq, n);
    return n;
  }

  /** An event from the device: numbered and sent when the send window has room. */
  sendEvent<N extends EventName>(name: N, fields: EventFields<N>): void {
    const frame = encodeEvent(name, 0, fields);
    this.waiting.push({ type: frame[4]!, payload: frame.subarray(5, frame.length - 2) });
    this.pump();
  }

  /** Sends waiting events while the window has room (re-entry from a synchronous ACK is folded in). */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.waiting.length > 0 && this.unacked.size < SEND_WINDOW) {
        const next = this.waiting.shift()!;
        const seq = this.nextSeq(true);
        const u: Unacked = { frame: encodeFrame({ seq, type: next.type, payload: next.payload }), tries: 0, timer: null, firstWrite: 0 };
        this.unacked.set(seq, u);
        u.firstWrite = this.writeEvent(seq, u);
        if (this.unacked.get(seq) === u) this.awaitAck(seq, u);
      }
    } finally {
      this.pumping = false;
    }
  }

  private awaitAck(seq: number, u: Unacked): void {
    if (u.tries >= this.timing.maxRetransmits) {
      u.timer = null; // kept: sent again when a host says hello
      return;
    }
    const wait = this.timing.ackTimeoutMs * 2 ** Math.min(u.tries, 3);
    u.timer = this.clock.setTimer('event ACK wait', wait, () => {
      if (this.unacked.get(seq) !== u) return;
      u.tries++;
      this.stats.retransmits++;
      this.writeEvent(seq, u);
      this.awaitAck(seq, u);
    });
  }

  private respond<N extends CommandName>(name: N, reqSeq: number, status: StatusName, fields?: CommandResponse<N>): void {
    const frame = encodeResponse(name, this.nextSeq(), reqSeq, status, fields);
    this.remember(reqSeq, frame);
    this.write(frame);
  }

  private remember(reqSeq: number, response: Buffer): void {
    const entry = this.answered.get(reqSeq);
    if (entry) entry.response = response;
    // Only the latest commands can still be repeated; keep the cache small.
    if (this.answered.size > 32) this.answered.delete(this.answered.keys().next().value as number);
  }

  private onFrame(frame: { seq: number; type: number; payload: Buffer }): void {
    this.stats.framesIn++;
    let msg;
    try {
      msg = decodeMessage(frame);
    } catch {
      this.stats.badFrames++;
      const name = (Object.keys(COMMANDS) as CommandName[]).find((n) => COMMANDS[n].type === frame.type);
      if (name) this.respond(name, frame.seq, 'malformed');
      else if (frame.type >= 0x10 && frame.type <= 0x3f) {
        // A command this reader does not implement: say so rather than let the host time out.
        const payload = Buffer.from([frame.seq, Status.unknownCommand]);
        this.write(encodeFrame({ seq: this.nextSeq(), type: frame.type | RESPONSE_BIT, payload }));
        this.pump();
      }
      return;
    }
    if (msg.kind === 'ack') {
      this.stats.acksIn++;
      const acked = this.unacked.get(msg.ackSeq);
      if (acked) {
        acked.timer?.cancel();
        this.unacked.delete(msg.ackSeq);
        this.ackHorizon = Math.max(this.ackHorizon, acked.firstWrite);
        this.pump();
      }
      return;
    }
    if (msg.kind !== 'command') return;
    const request = `${frame.type}:${frame.payload.toString('hex')}`;
    // hello opens a new host session (a restarted host starts again at SEQ 0 with the same bytes):
    // never a repeat, and nothing from the last session's commands is.
    if (msg.name === 'hello') this.answered.clear();
    const seen = this.answered.get(frame.seq);
    // A host repeats a command within its command timeout; after that a SEQ may simply be reused.
    if (seen && seen.request === request && this.clock.now() - seen.at <= REPEAT_WINDOW_MS) {
      // The host did not get our answer and asked again: answer again, do not act twice.
      this.stats.duplicateCommands++;
      this.write(seen.response);
      return;
    }
    this.answered.set(frame.seq, { request, response: Buffer.alloc(0), at: this.clock.now() });
    const reply: CommandReply = {
      respond: (name, status, fields) => this.respond(name, msg.seq, status, fields),
      resendUnacked: () => queueMicrotask(() => this.resendUnacked()),
    };
    // Nothing took it (an override stack without the defaults): say so rather than let the host time out.
    if (!this.onCommand(msg, reply)) this.respond(msg.name, msg.seq, 'unknownCommand');
  }

  private resendUnacked(): void {
    // In the order first sent (the map's order), not by SEQ value: SEQs wrap.
    for (const [seq, u] of [...this.unacked.entries()]) {
      u.timer?.cancel();
      u.tries = 0;
      this.stats.retransmits++;
      this.writeEvent(seq, u);
      this.awaitAck(seq, u);
    }
  }
}
