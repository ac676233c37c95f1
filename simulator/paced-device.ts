import type { Clock } from '../src/time/clock';
import type { SerialDevice } from './mock-binding';
import { PacedSink, type PacingOptions } from './pacing';

/**
 * A device whose bytes reach the host as a real line would deliver them: at the baud rate,
 * through a USB-serial adapter's latency timer, in arbitrary fragments, all on the injected
 * clock, so in-process runs exercise framing and timeouts as hardware would.
 */
export class PacedDevice implements SerialDevice {
  private sink: PacedSink | null = null;

  constructor(
    private readonly device: SerialDevice,
    private readonly clock: Clock,
    private readonly pacing: PacingOptions,
  ) {}

  connect(sink: (bytes: Buffer) => void): void {
    this.sink = new PacedSink(this.clock, sink, this.pacing);
    this.device.connect((bytes) => this.sink?.write(bytes));
  }

  disconnect(): void {
    this.device.disconnect();
    this.sink?.close();
    this.sink = null;
  }

  feed(bytes: Buffer): void {
    this.device.feed(bytes);
  }
}
