import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capabilityBits, type ReaderIdentity } from '../src/protocol';
import { RealClock, type Clock } from '../src/time/clock';
import { VirtualClock } from '../src/time/virtual-clock';
import { ControlError, type IdentityInfo, type ReaderInfo } from './control/protocol';
import { ControlServer } from './control/server';
import { DEFAULT_IDENTITY, EmulatedReader } from './emulated-reader';
import { MemoryLine, newLine, type DeviceLine, type LineOptions } from './host/lines';
import { ControlOps, type OpsHost } from './host/ops';
import { OutcomeLog } from './host/outcome-log';
import type { LinkTiming } from './link-device';
import { PacedSink, type PacingOptions } from './pacing';
import { PtyPort } from './pty/pty-port';
import { MAX_READERS } from './stimulus';

export { MemoryLine, type HostTransport } from './host/lines';

export interface EmulatorHostOptions extends LineOptions {
  /** How many emulated readers (default 2). */
  readers?: number;
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
  /** Diagnostics (bridge messages, errors while settling). Default: stderr. */
  log?: (line: string) => void;
}

/** How a host run ended. */
export interface HostEnd {
  reason: 'shutdown' | 'closed' | 'failed';
  message?: string;
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

/** The control channel's view of an identity (docs/emulator.md): the hello fields, capabilities as the bit mask. */
function identityInfo({ vendor, model, firmware, serial, capabilities }: ReaderIdentity): IdentityInfo {
  return { vendor, model, firmware, serial, capabilities: capabilityBits(capabilities) };
}

export function defaultControlAddress(): string {
  return `unix:${join(tmpdir(), `oqs-emu-${process.pid}.sock`)}`;
}

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
    this.ops = new ControlOps<Slot>(this.opsHost());
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
      ...(s.line.listen ? { listen: s.line.listen } : {}),
      identity: identityInfo(s.reader.identity),
    }));
  }

  /** Reader i's line: a new pty (same link path) or the in-memory line. */
  private newLine(i: number): DeviceLine {
    return newLine(i, this.opts, this.slots[i]?.line, this.log, (message) => {
      this.log(message);
      void this.close({ reason: 'failed', message });
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
        link: line.link,
        work: Promise.resolve(),
        settling: null,
        outcomes: new OutcomeLog(),
      };
      // Through slot.line, which a replug replaces.
      slot.sink = new PacedSink(clock, (bytes) => slot.line.write(bytes), this.opts.pacing);
      this.install(slot, this.identityOf(i), this.opts.txIdSeed);
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

  /** Reader i's identity: the default, the host's option over it, and `over` over both. */
  private identityOf(i: number, over: Partial<ReaderIdentity> = {}): ReaderIdentity {
    return { ...defaultIdentity(i), ...this.opts.identities?.[i], ...over };
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

  // ---- the control ops (host/ops.ts) --------------------------------------------------------

  private readonly ops: ControlOps<Slot>;

  /** Runs one control op (what the control server calls; usable in-process too). */
  handle(op: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    return this.ops.handle(op, args);
  }

  /** What the ops may do here: each a line, a queue or a device change of the host's own. */
  private opsHost(): OpsHost<Slot> {
    return {
      timeScale: this.timeScale,
      slots: this.slots,
      isClosing: () => this.closing !== null,
      info: () => this.info(),
      slot: (i) => this.slot(i),
      enqueue: (slot, fn) => this.enqueue(slot, fn),
      idle: (slot) => this.idle(slot),
      settle: (slot) => this.settle(slot),
      run: async (slot, act) => {
        const done = (async () => act())();
        try {
          if (slot.virtual) await slot.virtual.resolve(done);
          else await done;
        } finally {
          await this.idle(slot);
        }
      },
      unplug: async (slot) => {
        slot.unplugged = true;
        await slot.line.close();
      },
      plugIn: (slot) => this.plugIn(slot),
      replace: (slot, identity, txIdSeed) => this.install(slot, this.identityOf(slot.index, identity), txIdSeed),
      // After the reply has been written (replies go out on the microtasks before this).
      shutdown: () => setImmediate(() => void this.close({ reason: 'shutdown' })),
    };
  }

  private async plugIn(slot: Slot): Promise<void> {
    await slot.line.close();
    const line = this.newLine(slot.index);
    slot.line = line;
    this.wire(slot);
    slot.device = await line.open();
    slot.unplugged = false;
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
