/**
 * The host's command cycle as a pure state machine (docs/protocol.md §5, "The host's request
 * cycle"): `step(state, input)` returns the next state and the effects to run, and does nothing
 * itself. ReaderLink feeds it what happened on the wire and on the clock, and runs the effects.
 * Timeouts are inputs like any other, so the whole cycle is tested without I/O or a clock.
 * rememberEvent, below, is the other pure piece of the host's end: which events are repeats.
 */
import type { CommandName, StatusName } from '../protocol';

type Fields = Record<string, number | string>;

/** One command waiting for its response. */
export interface RequestState {
  readonly name: CommandName;
  /** How many times its bytes have been written (1 = not sent again yet). */
  readonly attempt: number;
  readonly attempts: number;
  readonly retryMs: number;
  readonly timeoutMs: number;
}

export interface LinkState {
  readonly closed: boolean;
  /** By SEQ. */
  readonly pending: ReadonlyMap<number, RequestState>;
}

export const INITIAL_LINK_STATE: LinkState = { closed: false, pending: new Map() };

/** Why a command did not succeed: the closed set of outcomes other than its ok response. */
export type LinkFailure =
  | { readonly kind: 'timeout'; readonly name: CommandName; readonly timeoutMs: number }
  | { readonly kind: 'refused'; readonly name: CommandName; readonly status: Exclude<StatusName, 'ok'> }
  | { readonly kind: 'disconnected'; readonly name: CommandName };

export type TimerKind = 'retry' | 'timeout';

export type LinkInput =
  /** A command was given this SEQ (the link's counter) and is to be written now. */
  | { readonly type: 'send'; readonly seq: number; readonly name: CommandName; readonly timeoutMs: number; readonly attempts: number }
  | { readonly type: 'responseReceived'; readonly reqSeq: number; readonly name: CommandName; readonly status: StatusName; readonly fields: Fields }
  | { readonly type: 'retryTimerFired'; readonly seq: number }
  | { readonly type: 'timeoutFired'; readonly seq: number }
  | { readonly type: 'writeFailed'; readonly seq: number }
  | { readonly type: 'closed' };

/** A write is always the last effect of a step: what it triggers may feed the machine again. */
export type LinkEffect =
  | { readonly type: 'write'; readonly seq: number; readonly attempt: number }
  | { readonly type: 'armTimer'; readonly seq: number; readonly timer: TimerKind; readonly ms: number }
  | { readonly type: 'cancelTimer'; readonly seq: number; readonly timer: TimerKind }
  | { readonly type: 'resolve'; readonly seq: number; readonly fields: Fields }
  | { readonly type: 'reject'; readonly seq: number; readonly failure: LinkFailure };

export interface LinkStep {
  readonly state: LinkState;
  readonly effects: readonly LinkEffect[];
}

const unchanged = (state: LinkState): LinkStep => ({ state, effects: [] });

function without(state: LinkState, seq: number): LinkState {
  const pending = new Map(state.pending);
  pending.delete(seq);
  return { ...state, pending };
}

/** The command at `seq` is over: its timers go and its caller hears `outcome`. */
function settle(state: LinkState, seq: number, outcome: LinkEffect): LinkStep {
  return {
    state: without(state, seq),
    effects: [{ type: 'cancelTimer', seq, timer: 'timeout' }, { type: 'cancelTimer', seq, timer: 'retry' }, outcome],
  };
}

export function step(state: LinkState, input: LinkInput): LinkStep {
  switch (input.type) {
    case 'send': {
      const { seq, name, timeoutMs, attempts } = input;
      if (state.closed) return { state, effects: [{ type: 'reject', seq, failure: { kind: 'disconnected', name } }] };
      // Sent again with the same SEQ and bytes at even intervals within the timeout: a reader that
      // already answered answers again, it does not run the command twice.
      const req: RequestState = { name, attempt: 1, attempts, retryMs: timeoutMs / attempts, timeoutMs };
      const pending = new Map(state.pending).set(seq, req);
      const effects: LinkEffect[] = [{ type: 'armTimer', seq, timer: 'timeout', ms: timeoutMs }];
      if (attempts > 1) effects.push({ type: 'armTimer', seq, timer: 'retry', ms: req.retryMs });
      effects.push({ type: 'write', seq, attempt: 1 });
      return { state: { ...state, pending }, effects };
    }
    case 'retryTimerFired': {
      const req = state.pending.get(input.seq);
      // A timer of a settled command, or one no retry was armed for: nothing to send.
      if (!req || state.closed || req.attempt >= req.attempts) return unchanged(state);
      const attempt = req.attempt + 1;
      const pending = new Map(state.pending).set(input.seq, { ...req, attempt });
      const effects: LinkEffect[] = [];
      if (attempt < req.attempts) effects.push({ type: 'armTimer', seq: input.seq, timer: 'retry', ms: req.retryMs });
      effects.push({ type: 'write', seq: input.seq, attempt });
      return { state: { ...state, pending }, effects };
    }
    case 'responseReceived': {
      const req = state.pending.get(input.reqSeq);
      // Late (timed out), repeated (already answered) or stray: nothing waits for it.
      if (!req || req.name !== input.name) return unchanged(state);
      const { status } = input;
      return settle(
        state,
        input.reqSeq,
        status === 'ok'
          ? { type: 'resolve', seq: input.reqSeq, fields: input.fields }
          : { type: 'reject', seq: input.reqSeq, failure: { kind: 'refused', name: req.name, status } },
      );
    }
    case 'timeoutFired': {
      const req = state.pending.get(input.seq);
      if (!req) return unchanged(state);
      return settle(state, input.seq, { type: 'reject', seq: input.seq, failure: { kind: 'timeout', name: req.name, timeoutMs: req.timeoutMs } });
    }
    case 'writeFailed': {
      const req = state.pending.get(input.seq);
      if (!req) return unchanged(state);
      return settle(state, input.seq, { type: 'reject', seq: input.seq, failure: { kind: 'disconnected', name: req.name } });
    }
    case 'closed': {
      if (state.closed) return unchanged(state);
      const effects: LinkEffect[] = [];
      for (const [seq, req] of state.pending) {
        effects.push(...settle(state, seq, { type: 'reject', seq, failure: { kind: 'disconnected', name: req.name } }).effects);
      }
      return { state: { closed: true, pending: new Map() }, effects };
    }
  }
}

/**
 * An event whose SEQ and bytes match one received fewer than this many frames ago is the reader's
 * retransmission. The reader's SEQ wraps at 256, so a match from further back is a new event.
 */
export const REPEAT_WINDOW_FRAMES = 128;

/** The host's memory of recent events (PR-5-8), by SEQ: the event's TYPE+payload and the frame number it came in. */
export type EventMemory = ReadonlyMap<number, { readonly key: string; readonly frameNo: number }>;

/**
 * Is this event a repeat of one already handed on (ACK it again, hand it on no more)? If not, it
 * is remembered. A readerReset starts the memory afresh: a restarted reader numbers from 0 again.
 */
export function rememberEvent(
  memory: EventMemory,
  e: { seq: number; key: string; frameNo: number; readerReset: boolean },
): { memory: EventMemory; repeat: boolean } {
  const seen = memory.get(e.seq);
  if (seen && seen.key === e.key && e.frameNo - seen.frameNo < REPEAT_WINDOW_FRAMES) return { memory, repeat: true };
  const next = e.readerReset ? new Map<number, { key: string; frameNo: number }>() : new Map(memory);
  return { memory: next.set(e.seq, { key: e.key, frameNo: e.frameNo }), repeat: false };
}
