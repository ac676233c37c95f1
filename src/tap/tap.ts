import type { Clock } from '../time/clock';
import { TRACE_VERSION, frameLine, headerLine, roundT, type TraceDirection, type TraceFrame, type TraceHeader } from '../trace/format';
import { CONTROL_PROTOCOL, ControlError } from '../../simulator/control/protocol';
import { FAULTS, FaultError, FaultInjector, validateRule, type FaultDirection, type FaultName, type FaultRule } from '../../simulator/faults';
import { FrameCutter, describeSegment, type Segment } from './cutter';
import type { Endpoint } from './endpoint';

export interface TapOptions {
  clock: Clock;
  /** The controller's side (host). */
  controller: Endpoint;
  /** The reader's side; its name is the trace's `path`. */
  reader: Endpoint;
  title?: string;
  /** Each trace line as it is made (header first), without the newline: a live trace file. */
  onLine?: (line: string) => void;
  /** Keep the frames in memory too (tests); default false, so a long session does not grow. */
  keep?: boolean;
  /** A side got or lost its peer (the reader's port went away, a controller connected, …). */
  onState?: (side: 'controller' | 'reader', up: boolean, why?: string) => void;
}

export interface DirectionStats {
  bytes: number;
  frames: number;
  noiseBytes: number;
  /** Bytes that found no peer to go to (that side was not connected). */
  lost: number;
  /** Frames each fault struck in this direction. */
  faults: Partial<Record<FaultName, number>>;
}

/** A rule as the emulator validates it; `wrongStatus` is refused: it is the reader's behaviour, not the line's. */
export function tapRule(rule: FaultRule): FaultRule {
  if (rule?.fault === 'wrongStatus') {
    throw new FaultError('wrongStatus makes the reader answer otherwise: a tap only has the line (drop, corrupt, duplicate, delay, garbage, fragment)');
  }
  return validateRule(rule);
}

const FAULT_DIRECTION: Record<TraceDirection, FaultDirection> = { h2r: 'toReader', r2h: 'toHost' };

/**
 * One direction through the tap. With no fault rule armed for it, every chunk is forwarded the
 * moment it arrives, byte for byte, and only recorded; with one armed, bytes wait until the frame
 * they belong to is complete, so the rule can act on whole frames (bytes outside frames pass as
 * they are). The trace always gets the segments as the sender sent them.
 */
class Direction {
  readonly stats: DirectionStats = { bytes: 0, frames: 0, noiseBytes: 0, lost: 0, faults: {} };
  /** Bytes forwarded already that the cutter has not yet handed out as a segment. */
  private ahead = 0;
  private readonly cutter = new FrameCutter((s) => this.onSegment(s));

  constructor(
    readonly dir: TraceDirection,
    private readonly to: Endpoint,
    private readonly faults: FaultInjector,
    private readonly record: (dir: TraceDirection, segment: Segment, fault: FaultName | null) => void,
  ) {}

  push(chunk: Buffer): void {
    this.stats.bytes += chunk.length;
    if (!this.armed()) {
      this.deliver(chunk);
      this.ahead += chunk.length;
    }
    this.cutter.push(chunk);
  }

  private armed(): boolean {
    const d = FAULT_DIRECTION[this.dir];
    return this.faults.armed.some((r) => r.direction === d && r.fault !== 'wrongStatus');
  }

  private readonly deliver = (bytes: Buffer) => {
    if (this.to.up) this.to.write(bytes);
    else this.stats.lost += bytes.length;
  };

  private onSegment(s: Segment): void {
    let fault: FaultName | null = null;
    const n = s.bytes.length;
    if (s.kind === 'frame') this.stats.frames++;
    else this.stats.noiseBytes += n;
    if (this.ahead >= n) this.ahead -= n;
    else if (this.ahead > 0) {
      // A rule was armed while this segment was on its way: its start went out already.
      this.deliver(s.bytes.subarray(this.ahead));
      this.ahead = 0;
    } else if (s.kind === 'frame') fault = this.inject(s.bytes);
    else this.deliver(s.bytes);
    if (fault) this.stats.faults[fault] = (this.stats.faults[fault] ?? 0) + 1;
    this.record(this.dir, s, fault);
  }

  /** Passes a whole frame through the rules; returns the fault applied to it, if any. */
  private inject(frame: Buffer): FaultName | null {
    const before = { ...this.faults.stats.applied };
    this.faults.pass(FAULT_DIRECTION[this.dir], frame, this.deliver);
    const applied = this.faults.stats.applied;
    return (Object.keys(applied) as FaultName[]).find((k) => applied[k] !== before[k]) ?? null;
  }
}

/**
 * The tap (docs/tap.md): stands between a controller and a reader, forwards bytes both ways
 * untouched, records every frame of both directions in the trace format (docs/traces.md) as it
 * goes, and injects the emulator's named faults (simulator/faults.ts) in either direction on
 * request. Its control ops are the emulator's control channel's `hello`, `fault` and `status`, so
 * `oqs-reader fault --control ADDR` arms faults on a tap as on an emulator.
 */
export class Tap {
  readonly faults: FaultInjector;
  readonly header: TraceHeader;
  readonly frames: TraceFrame[] = [];
  private readonly toReader: Direction;
  private readonly toHost: Direction;
  private readonly start: number;
  private last = 0;

  constructor(private readonly opts: TapOptions) {
    this.faults = new FaultInjector(opts.clock);
    this.start = opts.clock.now();
    const record = (dir: TraceDirection, s: Segment, fault: FaultName | null) => this.recordSegment(dir, s, fault);
    this.toReader = new Direction('h2r', opts.reader, this.faults, record);
    this.toHost = new Direction('r2h', opts.controller, this.faults, record);
    this.header = {
      trace: TRACE_VERSION,
      startedAt: new Date(this.start).toISOString(),
      title: opts.title ?? `oqs-reader tap: ${opts.controller.name} ⇄ ${opts.reader.name}`,
      // As `start --trace`: a live file cannot go back to its header; identities are in the hello frames.
      readers: [],
    };
    opts.onLine?.(headerLine(this.header));
    opts.controller.onData = (b) => this.toReader.push(b);
    opts.reader.onData = (b) => this.toHost.push(b);
    opts.controller.onState = (up, why) => opts.onState?.('controller', up, why);
    opts.reader.onState = (up, why) => {
      opts.onState?.('reader', up, why);
      // The controller's side follows the reader's line, one change after the other.
      const c = opts.controller;
      this.line = this.line.then(() => (up ? c.restore?.() : c.hangUp?.(`the reader's port went away (${why ?? '?'})`))).catch(() => undefined);
    };
  }

  /** The controller side's changes that follow the reader's line, in order. */
  private line: Promise<void> = Promise.resolve();

  get stats(): { toReader: DirectionStats; toHost: DirectionStats; applied: Record<FaultName, number> } {
    const copy = (d: DirectionStats) => ({ ...d, faults: { ...d.faults } });
    return { toReader: copy(this.toReader.stats), toHost: copy(this.toHost.stats), applied: { ...this.faults.stats.applied } };
  }

  /** Arms a rule (validated as the emulator does, see tapRule). */
  arm(rule: FaultRule): void {
    this.faults.arm(tapRule(rule));
  }

  /** The control channel's ops for a tap (one "reader": index 0). */
  async handle(op: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    if (args.reader !== undefined && args.reader !== 0) throw new ControlError('EMU_ERR_UNKNOWN_READER', `no reader ${String(args.reader)}; a tap has one (0)`);
    switch (op) {
      case 'hello':
        return {
          protocol: CONTROL_PROTOCOL,
          tap: true,
          readers: [{ index: 0, path: this.opts.controller.name, device: this.opts.reader.name }],
        };
      case 'fault': {
        const { reader: _reader, clear, ...rule } = args;
        if (clear === true) this.faults.clear();
        else this.arm(rule as unknown as FaultRule);
        return { reader: 0, armed: this.faults.armed };
      }
      case 'status':
        return { reader: 0, ...this.stats, armed: this.faults.armed };
      default:
        throw new ControlError('EMU_ERR_UNKNOWN_OP', `unknown op "${op}"; a tap answers hello, fault and status`);
    }
  }

  private recordSegment(dir: TraceDirection, s: Segment, fault: FaultName | null): void {
    const { msg, error } = describeSegment(s);
    const note = fault ? `TAP_FAULT_${fault.toUpperCase()}: injected by the tap toward the ${dir === 'r2h' ? 'host' : 'reader'}: ${FAULTS[fault]}` : undefined;
    const frame: TraceFrame = {
      t: (this.last = Math.max(this.last, roundT(this.opts.clock.now() - this.start))),
      path: this.opts.reader.name,
      dir,
      hex: s.bytes.toString('hex'),
      msg,
    };
    const said = [error, note].filter((x) => x !== undefined);
    if (said.length > 0) frame.error = said.join('; ');
    if (this.opts.keep) this.frames.push(frame);
    this.opts.onLine?.(frameLine(frame));
  }

  async close(): Promise<void> {
    this.faults.clear();
    await this.line;
    await Promise.all([this.opts.controller.close(), this.opts.reader.close()]);
  }
}
