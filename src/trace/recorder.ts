import type { Clock } from '../time/clock';
import type { TraceEntry } from '../reader/link';
import type { Terminal, TerminalEvent } from '../reader/terminal';
import { TRACE_VERSION, roundT, serializeTrace, type Trace, type TraceFrame, type TraceReader } from './format';

export interface TraceRecorderOptions {
  /** Times every frame (t = now − the time the recorder was made). */
  clock: Clock;
  title?: string;
  /** Start listening to this terminal at once (same as calling attach). */
  terminal?: Terminal;
  /**
   * Each frame as it is recorded (a live trace file). With `keep: false` nothing is held in
   * memory, so a terminal that runs for months can trace without growing.
   */
  onFrame?: (frame: TraceFrame) => void;
  keep?: boolean;
}

/**
 * Records every frame a Terminal republishes on its 'event' stream, and the identity of every
 * reader it connects, as a trace (docs/traces.md). It keeps the TraceEntry's own hex and decoded
 * message: nothing is decoded or encoded again, so recording costs one object per frame.
 * The Terminal republishes a reader's hello exchange (kept by ReaderClient.open) when it attaches
 * the reader, so a trace starts at hello.
 */
export class TraceRecorder {
  readonly frames: TraceFrame[] = [];
  title: string;
  private readonly clock: Clock;
  private start: number;
  private last = 0;
  private readonly readers = new Map<string, TraceReader>();
  private readonly detachers: Array<() => void> = [];
  private readonly sink: ((frame: TraceFrame) => void) | undefined;
  private readonly keep: boolean;

  constructor(opts: TraceRecorderOptions) {
    this.clock = opts.clock;
    this.title = opts.title ?? '';
    this.sink = opts.onFrame;
    this.keep = opts.keep ?? true;
    this.start = opts.clock.now();
    if (opts.terminal) this.attach(opts.terminal);
  }

  get startedAt(): string {
    return new Date(this.start).toISOString();
  }

  /** Listens to a terminal's 'event' stream; returns a function that stops listening. */
  attach(terminal: Terminal): () => void {
    const onEvent = (e: TerminalEvent) => {
      if (e.type === 'frame') this.onFrame(e.path, e.frame);
      else if (e.type === 'readerConnected')
        this.readers.set(e.path, { path: e.path, identity: { ...e.identity, capabilities: [...e.identity.capabilities] } });
    };
    terminal.on('event', onEvent);
    let attached = true;
    const detach = () => {
      if (!attached) return;
      attached = false;
      terminal.off('event', onEvent);
    };
    this.detachers.push(detach);
    return detach;
  }

  /** Stops listening to every terminal. */
  detach(): void {
    for (const d of this.detachers.splice(0)) d();
  }

  trace(): Trace {
    return {
      header: { trace: TRACE_VERSION, startedAt: this.startedAt, title: this.title, readers: [...this.readers.values()] },
      frames: this.frames.slice(),
    };
  }

  toNdjson(): string {
    return serializeTrace(this.trace());
  }

  private onFrame(path: string, entry: TraceEntry): void {
    const frame: TraceFrame = {
      // Never backwards: a scenario may set the wall clock ("today is …") while recording.
      t: (this.last = Math.max(this.last, roundT(entry.at - this.start))),
      path,
      dir: entry.dir === 'out' ? 'h2r' : 'r2h',
      hex: entry.bytes,
      msg: entry.message ?? null,
    };
    if (entry.error !== undefined) frame.error = entry.error;
    if (this.keep) this.frames.push(frame);
    this.sink?.(frame);
  }
}
