// Shared by the link's tests (a test helper: not built, tsconfig.build.json).
import { EventEmitter } from 'node:events';
import { FrameDecoder, decodeMessage, type Message } from '../protocol';
import { VirtualClock } from '../time/virtual-clock';
import { ReaderLink, type BytePort, type ReaderEvent } from './link';
/** A byte pipe the test controls: what the link writes is kept, what the reader sends is pushed in. */
export class FakePort extends EventEmitter implements BytePort {
  isOpen = true;
  readonly written: Buffer[] = [];

  write(data: Buffer, cb: (err?: Error | null) => void): boolean {
    this.written.push(Buffer.from(data));
    cb(null);
    return true;
  }

  close(cb: (err?: Error | null) => void): void {
    this.isOpen = false;
    this.emit('close');
    cb(null);
  }

  /** The reader sends bytes. */
  receive(bytes: Buffer): void {
    this.emit('data', bytes);
  }

  /** Everything the link wrote, decoded. */
  sent(): Message[] {
    const out: Message[] = [];
    const decoder = new FrameDecoder((f) => out.push(decodeMessage(f)));
    for (const b of this.written) decoder.push(b);
    return out;
  }

  /** The seq of the last command the link wrote. */
  lastCommandSeq(): number {
    const cmd = this.sent()
      .filter((m) => m.kind === 'command')
      .at(-1);
    if (!cmd) throw new Error('no command was written');
    return cmd.seq;
  }
}

export function setup(commandTimeoutMs = 500) {
  const clock = new VirtualClock(0);
  const port = new FakePort();
  const link = new ReaderLink(port, clock, commandTimeoutMs);
  const errors: Array<{ code: string; message: string }> = [];
  const events: ReaderEvent[] = [];
  link.on('linkError', (e: { code: string; message: string }) => errors.push(e));
  link.on('event', (e: ReaderEvent) => events.push(e));
  return { clock, port, link, errors, events };
}

/** Watches a promise without awaiting it. */
export function watch<T>(p: Promise<T>) {
  const w: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  p.then(
    (v) => Object.assign(w, { settled: true, value: v }),
    (e: unknown) => Object.assign(w, { settled: true, error: e }),
  );
  return w;
}

export const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
