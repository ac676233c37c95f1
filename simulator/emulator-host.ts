import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FailReason, FrameDecoder, Method, decodeMessage, encodeFrame, type Frame } from '../src/protocol';
import { RealClock, type Clock } from '../src/time/clock';
import { VirtualClock } from '../src/time/virtual-clock';
import { ControlError, CONTROL_PROTOCOL, type ReaderInfo, type ReaderStatus, type SentOutcomeInfo } from './control/protocol';
import { ControlServer } from './control/server';
import { DEFAULT_IDENTITY, EmulatedReader } from './emulated-reader';
import type { LinkTiming, ReaderIdentity } from './link-device';
import type { FaultRule } from './faults';
import { PacedSink, type PacingOptions } from './pacing';
import { PtyPort } from './pty/pty-port';
import { MAX_READERS, stimulusProblem, type Stimulus } from './stimulus';

export type HostTransport = 'pty' | 'memory';

export interface EmulatorHostOptions {
  /** How many emulated readers (default 2). */
  readers?: number;
  /** `pty` (default): one python pty bridge per reader; `memory`: in-process lines for unit tests. */
  transport?: HostTransport;
  /** Make `<linkDir>/ttyOQS<i>` a symlink to reader i's slave (created if missing). */
  linkDir?: string;
  /** Control addresses (`unix:PATH`, `tcp:127.0.0.1:PORT`); default `unix:<tmpdir>/oqs-emu-<pid>.sock`; `[]` for none. */
  control?: string | string[];
  /** 0 (default): virtual device time, run to idle after every input; > 0: `new RealClock(timeScale)`. */
  timeScale?: number;
  /** The reader's outgoing bytes: baud rate, USB adapter latency, fragmentation (default: none). */
  pacing?: PacingOptions;
  /** Identity of reader i (default DEFAULT_IDENTITY with serial EMU-000<i+1>). */
  identities?: Array<Partial<ReaderIdentity>>;
  /** txId before the first transaction of every reader (default: from the clock's seconds). */
  txIdSeed?: number;
  /** The link's ACK wait and retransmissions (simulator/link-device.ts defaults). */
  linkTiming?: Partial<LinkTiming>;
  /** The python interpreter for the pty bridges (default `python3` on PATH). */
  python?: string;
  /** Diagnostics (bridge messages, errors while settling). Default: stderr. */
  log?: (line: string) => void;
}

/** How a host run ended. */
export interface HostEnd {
  reason: 'shutdown' | 'closed' | 'failed';
  message?: string;
}

/** The device side of one line: what a PtyPort is, and what MemoryLine imitates. */
interface DeviceLine {
  onData: ((bytes: Buffer) => void) | null;
  open(): Promise<string>;
  write(bytes: Buffer): void;
  close(): Promise<void>;
}

/**
 * An in-process line for unit tests: the device side is a DeviceLine like PtyPort, the host side
 * is `hostWrite()` / `onHostData` (what a controller would write and read). Synchronous.
 */
export class MemoryLine implements DeviceLine {
  onData: ((bytes: Buffer) => void) | null = null;
  onHostData: ((bytes: Buffer) => void) | null = null;
  private open_ = false;

  constructor(readonly path: string) {}

  async open(): Promise<string> {
    this.open_ = true;
    return this.path;
  }
  /** Device → host. */
  write(bytes: Buffer): void {
    if (this.open_) this.onHostData?.(Buffer.from(bytes));
  }
  /** Host → device. */
  hostWrite(bytes: Buffer): void {
    if (this.open_) this.onData?.(Buffer.from(bytes));
  }
  async close(): Promise<void> {
    this.open_ = false;
  }
}

interface Slot {
  index: number;
  line: DeviceLine;
  /** The line was taken away by `unplug` and not yet given back. */
  unplugged: boolean;
  clock: Clock;
  virtual: VirtualClock | null;
  reader: EmulatedReader;
  sink: PacedSink;
  device: string;
  link?: string;
  /** Everything done to this reader, one after the other; never rejects. */
  work: Promise<void>;
  /** A settle queued on `work` that has not started yet (later inputs share it). */
  settling: Promise<void> | null;
  /** Identity outcomes the reader sent and whether a host ACKed them (the `confirmations` op). */
  outcomes: OutcomeLog;
}


export function defaultIdentity(index: number): ReaderIdentity {
  return { ...DEFAULT_IDENTITY, serial: `EMU-${String(index + 1).padStart(4, '0')}` };
}

export function defaultControlAddress(): string {
  return `unix:${join(tmpdir(), `oqs-emu-${process.pid}.sock`)}`;
}

const bad = (message: string) => new ControlError('EMU_ERR_BAD_REQUEST', message);
const isInt = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/**
 * N emulated readers, each on its own line (a pty a controller opens through serialport's native
 * binding, or an in-memory one), and the control channel through which tests act as the patient.
 *
 * Device time: with `timeScale` 0 each reader has its own VirtualClock, run to idle after every
 * input (bytes from the host, a stimulus, a reset), so a 1.5 s face capture costs no real time
 * but timers still fire in order; with `timeScale` > 0 each reader runs on `RealClock(timeScale)`.
 */
export class EmulatorHost {
  private readonly linkClock = new RealClock();
  readonly timeScale: number;
  readonly ended: Promise<HostEnd>;
  private endWith!: (end: HostEnd) => void;
  private readonly slots: Slot[] = [];
  private server: ControlServer | null = null;
  private closing: Promise<void> | null = null;
  private readonly log: (line: string) => void;

  private constructor(private readonly opts: EmulatorHostOptions) {
    this.timeScale = opts.timeScale ?? 0;
    this.log = opts.log ?? ((line) => process.stderr.write(`oqs-emu: ${line}\n`));
    this.ended = new Promise((resolve) => (this.endWith = resolve));
  }

  static async start(opts: EmulatorHostOptions = {}): Promise<EmulatorHost> {
    const count = opts.readers ?? 2;
    if (!isInt(count, 1, MAX_READERS)) throw new RangeError(`readers must be an integer 1..${MAX_READERS}, got ${count}`);
    const timeScale = opts.timeScale ?? 0;
    if (!(typeof timeScale === 'number' && timeScale >= 0 && Number.isFinite(timeScale))) {
      throw new RangeError(`timeScale must be a number >= 0, got ${timeScale}`);
    }
    const host = new EmulatorHost(opts);
    try {
      await host.open(count);
    } catch (err) {
      await host.close();
      throw err;
    }
    return host;
  }

  /** The control addresses actually listened on (port 0 resolved). */
  get controlAddresses(): string[] {
    return this.server?.addresses ?? [];
  }

  get readerCount(): number {
    return this.slots.length;
  }

  /** Reader i's current device (it is replaced by every `reset`). */
  reader(index: number): EmulatedReader {
    return this.slot(index).reader;
  }

  /** Reader i's line on the `memory` transport (the controller's end). */
  memoryLine(index: number): MemoryLine {
    const line = this.slot(index).line;
    if (!(line instanceof MemoryLine)) throw new Error('memoryLine() is only for the memory transport');
    return line;
  }

  /** Reader i's pty on the `pty` transport. */
  ptyPort(index: number): PtyPort {
    const line = this.slot(index).line;
    if (!(line instanceof PtyPort)) throw new Error('ptyPort() is only for the pty transport');
    return line;
  }

  info(): ReaderInfo[] {
    return this.slots.map((s) => ({
      index: s.index,
      path: s.link ?? s.device,
      device: s.device,
      ...(s.link ? { link: s.link } : {}),
      identity: { ...s.reader.identity },
    }));
  }

  /** Reader i's line: a new pty (same link path) or the in-memory line. */
  private newLine(i: number): DeviceLine {
    if ((this.opts.transport ?? 'pty') === 'memory') return this.slots[i]?.line ?? new MemoryLine(`memory:${i}`);
    return new PtyPort({
      link: this.opts.linkDir ? join(this.opts.linkDir, `ttyOQS${i}`) : undefined,
      python: this.opts.python,
      onLog: (line) => this.log(`reader ${i}: ${line}`),
      onUnexpectedExit: (code, signal) => {
        const message = `reader ${i}: the pty bridge exited unexpectedly (${code ?? signal})`;
        this.log(message);
        void this.close({ reason: 'failed', message });
      },
    });
  }

  /** Bytes from the host go to the slot's current reader. */
  private wire(slot: Slot): void {
    slot.line.onData = (bytes) => {
      slot.outcomes.fromHost(bytes);
      try {
        slot.reader.feed(bytes);
      } catch (err) {
        this.log(`reader ${slot.index}: ${(err as Error).message}`);
      }
      void this.settle(slot);
    };
  }

  private async open(count: number): Promise<void> {
    const transport = this.opts.transport ?? 'pty';
    if (this.opts.linkDir && transport === 'pty') mkdirSync(this.opts.linkDir, { recursive: true });
    const lines: DeviceLine[] = [];
    for (let i = 0; i < count; i++) lines.push(this.newLine(i));
    // Slots exist before the lines open, so close() can reach every line even when one fails.
    for (let i = 0; i < count; i++) {
      const clock: Clock = this.timeScale === 0 ? new VirtualClock(Date.now()) : new RealClock(this.timeScale);
      const line = lines[i]!;
      const slot: Slot = {
        index: i,
        line,
        clock,
        virtual: clock instanceof VirtualClock ? clock : null,
        reader: null as unknown as EmulatedReader,
        sink: null as unknown as PacedSink,
        unplugged: false,
        device: '',
        link: line instanceof PtyPort ? line.link : undefined,
        work: Promise.resolve(),
        settling: null,
        outcomes: new OutcomeLog(),
      };
      // Through slot.line, which a replug replaces.
      slot.sink = new PacedSink(clock, (bytes) => slot.line.write(bytes), this.opts.pacing);
      this.install(slot, { ...defaultIdentity(i), ...this.opts.identities?.[i] }, this.opts.txIdSeed);
      this.wire(slot);
      this.slots.push(slot);
    }
    const devices = await Promise.all(this.slots.map((s) => s.line.open()));
    devices.forEach((d, i) => (this.slots[i]!.device = d));
    const control = this.opts.control ?? defaultControlAddress();
    const addresses = typeof control === 'string' ? [control] : control;
    if (this.closing) throw new Error('the emulator host closed while starting');
    if (addresses.length > 0) {
      const server = await ControlServer.listen(addresses, (op, args) => this.handle(op, args));
      if (this.closing) {
        // A bridge died while the server was starting: close() has already run without it.
        await server.close();
        throw new Error('the emulator host closed while starting');
      }
      this.server = server;
    }
  }

  /** A fresh device model on the slot's line (the line, clock and pacing stay). */
  private install(slot: Slot, identity: ReaderIdentity, txIdSeed: number | undefined): void {
    const old = slot.reader as EmulatedReader | null;
    if (old) {
      old.disconnect();
      slot.sink.flush(); // bytes already on the wire still arrive, whole
    }
    // ACK waits are about the real line, not the device: always in wall time. On a virtual clock run
    // to idle, or a scaled one (--time-scale 0.01), they would fire before the host's ACK could cross
    // the pty, and the repeats would arrive after newer frames.
    const reader = new EmulatedReader({ clock: slot.clock, identity, txIdSeed, linkClock: this.linkClock, linkTiming: this.opts.linkTiming });
    slot.outcomes.attach(reader);
    reader.connect((bytes) => {
      slot.outcomes.fromReader(bytes);
      slot.sink.write(bytes);
    });
    slot.reader = reader;
  }

  /** Lets the reader finish reacting: its virtual clock run to idle, or its paced bytes sent. */
  private async idle(slot: Slot): Promise<void> {
    if (slot.virtual) await slot.virtual.runUntilIdle();
    await slot.sink.drained();
  }

  private settle(slot: Slot): Promise<void> {
    if (slot.settling) return slot.settling;
    const run = slot.work
      .then(() => {
        slot.settling = null;
        return this.idle(slot);
      })
      .catch((err: Error) => this.log(`reader ${slot.index}: ${err.message}`));
    slot.settling = run;
    slot.work = run;
    return run;
  }

  private enqueue<T>(slot: Slot, fn: () => Promise<T>): Promise<T> {
    const run = slot.work.then(fn);
    slot.work = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private slot(index: number): Slot {
    const s = this.slots[index];
    if (!s) throw new ControlError('EMU_ERR_UNKNOWN_READER', `no reader ${index}; this host has ${this.slots.length} (0..${this.slots.length - 1})`);
    return s;
  }

  private slotOf(args: Record<string, unknown>): Slot {
    const r = args.reader ?? 0;
    if (!isInt(r, 0, Number.MAX_SAFE_INTEGER)) throw bad(`"reader" must be an integer >= 0, got ${JSON.stringify(r)}`);
    return this.slot(r);
  }

  // ---- the control ops ----------------------------------------------------------------------

  /** Runs one control op (what the control server calls; usable in-process too). */
  async handle(op: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    if (this.closing) throw new ControlError('EMU_ERR_SHUTTING_DOWN', 'the emulator host is shutting down');
    switch (op) {
      case 'hello':
        return { readers: this.info(), protocol: CONTROL_PROTOCOL, timeScale: this.timeScale };
      case 'reset':
        return this.reset(args);
      case 'stimulus':
        return this.stimulus(args);
      case 'status':
        return this.status(args);
      case 'fault':
        return this.fault(args);
      case 'reboot': {
        const slot = this.slotOf(args);
        await this.enqueue(slot, async () => {
          slot.reader.reboot();
          await this.idle(slot);
        });
        return { reader: slot.index };
      }
      case 'confirmations':
        return this.confirmations(args);
      case 'unplug': {
        const slot = this.slotOf(args);
        await this.enqueue(slot, async () => {
          slot.unplugged = true;
          await slot.line.close();
        });
        return { reader: slot.index };
      }
      case 'replug':
        return this.replug(args);
      case 'shutdown':
        // After the reply has been written (replies go out on the microtasks before this).
        setImmediate(() => void this.close({ reason: 'shutdown' }));
        return {};
      default:
        throw new ControlError('EMU_ERR_UNKNOWN_OP', `unknown op "${op}"; expected hello, reset, stimulus, status, fault, reboot, unplug, replug, confirmations or shutdown`);
    }
  }

  /**
   * The line comes back: a new pty on the same link path (its /dev/pts number may differ), as a
   * USB adapter re-enumerates. With `reboot`, the reader was switched off meanwhile: it starts
   * afresh (readerReset), its unACKed events kept for the next hello.
   */
  private async replug(args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const { reader: _r, reboot, ...rest } = args;
    const extra = Object.keys(rest);
    if (extra.length) throw bad(`unknown field(s) for replug: ${extra.join(', ')}`);
    if (reboot !== undefined && typeof reboot !== 'boolean') throw bad('"reboot" must be true or false');
    const slot = this.slotOf(args);
    return this.enqueue(slot, async () => {
      await this.plugIn(slot);
      if (reboot) {
        slot.reader.reboot();
        await this.idle(slot);
      }
      return { reader: slot.index, device: slot.device };
    });
  }

  private async plugIn(slot: Slot): Promise<void> {
    await slot.line.close();
    const line = this.newLine(slot.index);
    slot.line = line;
    this.wire(slot);
    slot.device = await line.open();
    slot.unplugged = false;
  }

  private async reset(args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const { identities, txIdSeed, ...rest } = args;
    const extra = Object.keys(rest);
    if (extra.length) throw bad(`unknown field(s) for reset: ${extra.join(', ')}`);
    if (txIdSeed !== undefined && !isInt(txIdSeed, 0, 0xffffffff)) throw bad('"txIdSeed" must be an integer 0..4294967295');
    if (identities !== undefined && !Array.isArray(identities)) throw bad('"identities" must be an array, one entry per reader');
    const ids = (identities ?? []) as unknown[];
    if (ids.length > this.slots.length) throw bad(`${ids.length} identities for ${this.slots.length} readers`);
    const parsed = ids.map((id, i) => parseIdentity(id, i));
    for (const slot of this.slots) {
      // A scenario that ended with a cable pulled leaves the next one a plugged-in reader.
      if (slot.unplugged) await this.enqueue(slot, () => this.plugIn(slot));
      const identity = { ...defaultIdentity(slot.index), ...this.opts.identities?.[slot.index], ...parsed[slot.index] };
      // A reader never reuses a txId (the host keys records on it): without a seed, carry on counting.
      const seed = txIdSeed ?? Math.max(slot.reader.model.txId, Math.floor(slot.clock.now() / 1000) >>> 0);
      this.install(slot, identity, seed);
    }
    await Promise.all(this.slots.map((s) => this.settle(s)));
    return { readers: this.info() };
  }

  private async stimulus(args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const problem = stimulusProblem(args);
    if (problem) throw bad(problem);
    const s = args as Stimulus;
    const slot = this.slotOf(args);
    return this.enqueue(slot, async () => {
      const reader = slot.reader;
      const done = (async () => reader.stimulate(s))();
      try {
        if (slot.virtual) await slot.virtual.resolve(done);
        else await done;
      } finally {
        await this.idle(slot);
      }
      return { reader: slot.index, framesOut: reader.link.framesDelivered };
    });
  }

  /** Arms a fault rule on a reader's link (simulator/faults.ts), or clears them with {clear: true}. */
  private async fault(args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const { reader: _r, clear, ...rule } = args;
    const slot = this.slotOf(args);
    await slot.work;
    if (clear === true) slot.reader.link.faults.clear();
    else {
      try {
        slot.reader.link.faults.arm(rule as unknown as FaultRule);
      } catch (e) {
        throw new ControlError('EMU_ERR_BAD_FAULT', (e as Error).message);
      }
    }
    return { reader: slot.index, armed: slot.reader.link.faults.armed };
  }

  private async status(args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const extra = Object.keys(args).filter((k) => k !== 'reader');
    if (extra.length) throw bad(`unknown field(s) for status: ${extra.join(', ')}`);
    const slot = this.slotOf(args);
    await slot.work;
    const { model, link } = slot.reader;
    const status: ReaderStatus = {
      mode: model.mode,
      state: model.state,
      screen: model.screen,
      cardPresent: model.card !== null,
      txId: model.txId,
      framesOut: link.framesDelivered,
      unacked: link.unacked.size,
      framesIn: link.stats.framesIn,
    };
    return { reader: slot.index, ...status };
  }

  /**
   * Every identityConfirmed / identityFailed the reader put on the line (retransmissions counted,
   * not listed twice) and whether a host ACKed it, in the order first sent; paged by `from`/`limit`
   * so a long run's list fits a reply line. For durability tests: what a host ACKed it must have kept.
   */
  private async confirmations(args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const extra = Object.keys(args).filter((k) => k !== 'reader' && k !== 'from' && k !== 'limit');
    if (extra.length) throw bad(`unknown field(s) for confirmations: ${extra.join(', ')}`);
    const { from = 0, limit = 1000 } = args;
    if (!isInt(from, 0, Number.MAX_SAFE_INTEGER)) throw bad('"from" must be an integer >= 0');
    if (!isInt(limit, 1, 5000)) throw bad('"limit" must be an integer 1..5000');
    const slot = this.slotOf(args);
    await slot.work;
    const log = slot.outcomes;
    const all = log.sent;
    const unacked = all.filter((e) => !e.info.acked);
    return {
      reader: slot.index,
      serial: slot.reader.identity.serial,
      total: all.length,
      unacked: unacked.length,
      pending: unacked.filter((e) => log.held(e)).length,
      next: from + limit < all.length ? from + limit : null,
      confirmations: all.slice(from, from + limit).map((e) => log.view(e)),
    };
  }

  // ---- shutdown -----------------------------------------------------------------------------

  /**
   * Stops the control server, then every reader: pacing timers cancelled, bridges ended (they
   * remove their symlinks). Resolves once every bridge process is gone.
   */
  close(end: HostEnd = { reason: 'closed' }): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = (async () => {
      const errors: string[] = [];
      await this.server?.close().catch((e: Error) => errors.push(e.message));
      for (const slot of this.slots) {
        slot.sink.close();
        slot.reader?.disconnect();
        slot.reader?.link.reboot(); // stop its ACK timers: nothing is left to resend to
        slot.line.onData = null;
      }
      await Promise.all(this.slots.map((s) => s.line.close().catch((e: Error) => errors.push(e.message))));
      if (errors.length) this.log(`while closing: ${errors.join('; ')}`);
      this.endWith(end);
    })();
    return this.closing;
  }
}

function parseIdentity(v: unknown, i: number): Partial<ReaderIdentity> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(`identities[${i}] must be an object`);
  const out: Partial<ReaderIdentity> = {};
  for (const [k, val] of Object.entries(v)) {
    if (k === 'vendor' || k === 'model' || k === 'firmware' || k === 'serial') {
      if (typeof val !== 'string' || val.length > 64) throw bad(`identities[${i}].${k} must be a string of at most 64 characters`);
      out[k] = val;
    } else if (k === 'capabilities') {
      if (!isInt(val, 0, 0xffff)) throw bad(`identities[${i}].capabilities must be an integer 0..65535`);
      out.capabilities = val;
    } else throw bad(`identities[${i}] has an unknown field "${k}"`);
  }
  return out;
}

interface SentOutcome {
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
class OutcomeLog {
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

  private onReaderFrame(frame: Frame): void {
    let msg;
    try {
      msg = decodeMessage(frame);
    } catch {
      return;
    }
    if (msg.kind !== 'event') return;
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
          ? { event: msg.name, txId: Number(f.txId), seq: msg.seq, method: Method.nameOf(Number(f.method)) ?? String(f.method), cardId: String(f.cardId), sends: 1, acked: false }
          : { event: msg.name, txId: Number(f.txId), seq: msg.seq, reason: FailReason.nameOf(Number(f.reason)) ?? String(f.reason), sends: 1, acked: false };
      e = { info, frame: raw, reader: this.reader! };
      this.byFrame.set(key, e);
      this.sent.push(e);
    }
    this.atSeq.set(msg.seq, e);
  }

  private onHostFrame(frame: Frame): void {
    let msg;
    try {
      msg = decodeMessage(frame);
    } catch {
      return;
    }
    if (msg.kind !== 'ack') return;
    const e = this.atSeq.get(msg.ackSeq);
    if (e) e.info.acked = true;
  }
}
