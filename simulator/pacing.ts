import type { Clock, Timer } from '../src/time/clock';
import { prng } from '../src/util/prng';

/** Picks the next chunk size (clamped to 1..remaining); `random` is seeded, in [0, 1). */
export type ChunkChooser = (remaining: number, random: () => number) => number;

export interface PacingOptions {
  /** Line speed in bit/s; 0 or left out: bytes take no time on the line. */
  baudRate?: number;
  /** Bits on the line per byte: 10 for 8N1 (start, 8 data, stop). */
  bitsPerByte?: number;
  /**
   * A USB-serial adapter between reader and host, by its latency timer in ms (FTDI: 16): bytes
   * the adapter receives are held until the timer, started by the first byte into an empty
   * buffer, expires, or a USB packet fills. Left out: no adapter.
   */
  latencyTimerMs?: number;
  /** Payload bytes per USB packet (FTDI full speed: 64 less 2 status bytes = 62). */
  usbPacketSize?: number;
  /** How the host's reads split the stream: a maximum chunk size, or a chooser. Left out: whole. */
  fragment?: number | ChunkChooser;
  /** Seed of the chooser's random numbers (same seed, same chunks). */
  seed?: number;
}

export const FTDI_LATENCY_MS = 16;
export const FTDI_PACKET_PAYLOAD = 62;

/** A chooser for `fragment`: uniformly 1..max bytes per chunk. */
export function randomChunks(max: number): ChunkChooser {
  if (!(Number.isInteger(max) && max >= 1)) throw new RangeError(`max chunk must be an integer >= 1, got ${max}`);
  return (_remaining, random) => 1 + Math.floor(random() * max);
}

interface Delivery {
  /** Clock time at which the bytes reach the host. */
  at: number;
  parts: Buffer[];
  size: number;
  /** An adapter packet still accepting bytes (`at` is its latency deadline). */
  open: boolean;
  /** Split by the fragmenter when delivered (adapter packets), not when queued. */
  fragmentOnDelivery: boolean;
}

export interface PacingStats {
  bytesIn: number;
  bytesOut: number;
  /** Calls of the output, i.e. chunks the host read. */
  chunksOut: number;
}

/**
 * The reader's outgoing bytes on their way to the host, on the injected clock: the UART takes
 * `bitsPerByte / baudRate` per byte (a write waits for the previous one), an optional USB-serial
 * adapter batches them into packets by its latency timer, and an optional fragmenter decides how
 * the host's reads split them. Without options every write goes straight through. Bytes are never
 * lost or reordered: deliveries are kept in one queue driven by one timer, so ordering does not
 * depend on the clock's tie-breaking.
 *
 * On a RealClock with a scale other than 1, `now()` is wall time while delays are scaled, so the
 * line model is only approximate (order and content still hold).
 */
export class PacedSink {
  readonly stats: PacingStats = { bytesIn: 0, bytesOut: 0, chunksOut: 0 };
  private readonly queue: Delivery[] = [];
  private timer: Timer | null = null;
  private timerAt = 0;
  private wireFreeAt = -Infinity;
  private readonly byteMs: number;
  private readonly latencyMs: number | undefined;
  private readonly packetSize: number;
  private readonly chooser: ChunkChooser | null;
  private readonly random: () => number;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly clock: Clock,
    private readonly out: (bytes: Buffer) => void,
    opts: PacingOptions = {},
  ) {
    const { baudRate = 0, bitsPerByte = 10, latencyTimerMs, usbPacketSize = FTDI_PACKET_PAYLOAD, fragment, seed = 1 } = opts;
    if (!(baudRate >= 0)) throw new RangeError(`baudRate must be >= 0, got ${baudRate}`);
    if (!(bitsPerByte > 0)) throw new RangeError(`bitsPerByte must be > 0, got ${bitsPerByte}`);
    if (latencyTimerMs !== undefined && !(latencyTimerMs >= 0)) throw new RangeError(`latencyTimerMs must be >= 0, got ${latencyTimerMs}`);
    if (!(Number.isInteger(usbPacketSize) && usbPacketSize >= 1)) throw new RangeError(`usbPacketSize must be an integer >= 1, got ${usbPacketSize}`);
    if (typeof fragment === 'number' && !(Number.isInteger(fragment) && fragment >= 1)) {
      throw new RangeError(`fragment must be an integer >= 1, got ${fragment}`);
    }
    this.byteMs = baudRate > 0 ? (bitsPerByte * 1000) / baudRate : 0;
    this.latencyMs = latencyTimerMs;
    this.packetSize = usbPacketSize;
    this.chooser = fragment === undefined ? null : typeof fragment === 'number' ? () => fragment : fragment;
    this.random = prng(seed);
  }

  /** Bytes accepted but not yet delivered. */
  get pending(): number {
    return this.queue.reduce((n, d) => n + d.size, 0);
  }

  /** The device's bytes (use as the reader's sink). */
  write(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.stats.bytesIn += bytes.length;
    const now = this.clock.now();
    const start = Math.max(this.wireFreeAt, now);
    this.wireFreeAt = start + bytes.length * this.byteMs;
    /** Clock time at which byte `i` of this write has crossed the line. */
    const arrival = (i: number) => start + (i + 1) * this.byteMs;

    if (this.latencyMs === undefined) {
      // Straight to the host: each fragment arrives with its last byte.
      let i = 0;
      while (i < bytes.length) {
        const n = this.nextChunk(bytes.length - i);
        this.enqueue({ at: arrival(i + n - 1), parts: [bytes.subarray(i, i + n)], size: n, open: false, fragmentOnDelivery: false });
        i += n;
      }
    } else {
      this.intoAdapter(bytes, arrival);
    }
    this.pump();
  }

  /** Delivers everything still queued, now. */
  flush(): void {
    this.cancelTimer();
    while (this.queue.length > 0) this.deliver(this.queue.shift()!);
    this.wireFreeAt = -Infinity;
    this.notifyIdle();
  }

  /** Resolves once nothing is queued (at once when nothing is). */
  drained(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops anything still queued and stops the timer. */
  close(): void {
    this.cancelTimer();
    this.queue.length = 0;
    this.notifyIdle();
  }

  private intoAdapter(bytes: Buffer, arrival: (i: number) => number): void {
    const latency = this.latencyMs!;
    let i = 0;
    while (i < bytes.length) {
      let packet = this.queue[this.queue.length - 1];
      const a = arrival(i);
      if (!packet || !packet.open || a > packet.at) {
        if (packet) packet.open = false;
        packet = { at: a + latency, parts: [], size: 0, open: true, fragmentOnDelivery: true };
        this.queue.push(packet);
      }
      // Take every following byte that reaches the adapter before the deadline, up to a full packet.
      let n = 1;
      const room = this.packetSize - packet.size;
      while (n < room && i + n < bytes.length && arrival(i + n) <= packet.at) n++;
      packet.parts.push(bytes.subarray(i, i + n));
      packet.size += n;
      if (packet.size >= this.packetSize) {
        packet.open = false;
        packet.at = arrival(i + n - 1);
      }
      i += n;
    }
  }

  private nextChunk(remaining: number): number {
    if (!this.chooser) return remaining;
    const n = Math.floor(this.chooser(remaining, this.random));
    return Math.min(remaining, Math.max(1, Number.isFinite(n) ? n : remaining));
  }

  private enqueue(d: Delivery): void {
    this.queue.push(d);
  }

  /** Delivers what is due and keeps one timer on the next delivery. */
  private pump(): void {
    const now = this.clock.now();
    while (this.queue.length > 0 && this.queue[0]!.at <= now) this.deliver(this.queue.shift()!);
    const head = this.queue[0];
    if (!head) {
      this.cancelTimer();
      this.notifyIdle();
      return;
    }
    if (this.timer && this.timerAt === head.at) return;
    this.cancelTimer();
    this.timerAt = head.at;
    this.timer = this.clock.setTimer('serial line', head.at - now, () => {
      this.timer = null;
      // Its time has come even if a scaled clock's now() lags behind.
      const first = this.queue.shift();
      if (first) this.deliver(first);
      this.pump();
    });
  }

  private deliver(d: Delivery): void {
    const bytes = d.parts.length === 1 ? d.parts[0]! : Buffer.concat(d.parts, d.size);
    if (!d.fragmentOnDelivery || !this.chooser) return this.emit(bytes);
    let i = 0;
    while (i < bytes.length) {
      const n = this.nextChunk(bytes.length - i);
      this.emit(bytes.subarray(i, i + n));
      i += n;
    }
  }

  private emit(bytes: Buffer): void {
    this.stats.bytesOut += bytes.length;
    this.stats.chunksOut++;
    this.out(bytes);
  }

  private cancelTimer(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  private notifyIdle(): void {
    if (this.queue.length > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
