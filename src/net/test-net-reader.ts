import { EmulatedReader } from '../../simulator/emulated-reader';
import { parseListenAddress } from '../../simulator/net/listen-address';
import { NetLine } from '../../simulator/net/net-line';
import { rfc2217Session } from '../../simulator/net/rfc2217-session';
import { assemble, type Assembly } from '../assembly';
import { MemoryStore } from '../reader/store';
import { VirtualClock } from '../time/virtual-clock';
import { readerBinding } from './port-binding';
import type { NetDeps } from './socket-port';
import { observer } from './test-net';

/**
 * An emulated reader served on 127.0.0.1 as `emulate --listen` serves it (simulator/net NetLine,
 * RFC 2217 by rfc2217Session), on its own virtual device clock: the controller's clock and the
 * reader's are apart, as across a network, so device delays run without moving the controller's
 * timeouts.
 */
export async function netReader(scheme: 'tcp' | 'rfc2217', port = 0) {
  const deviceClock = new VirtualClock();
  const reader = new EmulatedReader({ clock: deviceClock, identity: { serial: 'EMU-NET-0001' } });
  const line = new NetLine(parseListenAddress(`${scheme}://127.0.0.1:${port}`), scheme === 'rfc2217' ? { session: rfc2217Session } : {});
  line.onData = (bytes) => reader.feed(bytes);
  reader.connect((bytes) => line.write(bytes));
  const url = await line.open();
  /** Settles `p` with the device's timers run as needed (a face capture takes device time). */
  const device = <T>(p: Promise<T>) => deviceClock.resolve(p, 60_000);
  /** The connected client's socket, to misbehave on. */
  const socket = () => (line as unknown as { client: { socket: import('node:net').Socket } | null }).client?.socket;
  return { deviceClock, reader, line, url, device, socket, close: () => line.close() };
}

/** The controller as `oqs-reader start` builds it (assemble + readerBinding) on a virtual clock. */
export function netController(paths: string[], deps: Partial<NetDeps> = {}) {
  const clock = new VirtualClock();
  const seen = observer();
  const binding = readerBinding({ clock, observe: seen.observe, ...deps });
  const a: Assembly = assemble({
    clock,
    store: new MemoryStore(),
    readers: paths.map((path) => ({ path, binding })),
    link: { reconnectMinMs: 100, reconnectMaxMs: 400 },
  });
  return { clock, seen, a, supervisor: a.supervisors[0]! };
}

/** Resolves once `ok()` holds, checked every macrotask (real I/O only; the caller bounds it). */
export function when(ok: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => (ok() ? resolve() : void setImmediate(check));
    check();
  });
}
