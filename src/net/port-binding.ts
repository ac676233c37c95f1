import type { BindingInterface, BindingPortInterface, OpenOptions, PortInfo } from '@serialport/bindings-interface';
import { parseNetPath } from './net-path';
import { Rfc2217Binding } from './rfc2217-binding';
import { LINE_ERRORS } from './rfc2217';
import type { NetDeps, NetEvent } from './socket-port';
import { TcpBinding } from './tcp-binding';

export interface ReaderBindingDeps extends NetDeps {
  /** The binding for everything else (default: @serialport/bindings-cpp autoDetect(), imported when first needed). */
  native?: () => Promise<BindingInterface>;
}

/**
 * The one binding every reader port is opened with (`start --reader-port`, READER_PORT,
 * `certify --port`, the suite's pty and hardware targets): `tcp://HOST:PORT` and
 * `rfc2217://HOST:PORT` go to the network bindings, anything else (/dev/ttyUSB0, COM3) to the
 * native one. The native module is loaded only when a local port is opened or listed, so a
 * terminal with network readers only never needs it.
 */
export function readerBinding(deps: ReaderBindingDeps): BindingInterface {
  const tcp = new TcpBinding(deps);
  const rfc2217 = new Rfc2217Binding(deps);
  let native: Promise<BindingInterface> | null = null;
  const local = () => (native ??= deps.native ? deps.native() : import('@serialport/bindings-cpp').then((m) => m.autoDetect() as BindingInterface));
  return {
    async list(): Promise<PortInfo[]> {
      return (await local()).list();
    },
    async open(options: OpenOptions): Promise<BindingPortInterface> {
      const addr = parseNetPath(options.path);
      if (!addr) return (await local()).open(options);
      return addr.scheme === 'tcp' ? tcp.open(options) : rfc2217.open(options);
    },
  };
}

/**
 * Log lines for what the network bindings report: a dropped connection with its code, commands a
 * serial server never acknowledged (once per address), line errors it notified.
 */
export function logNetEvents(log: (line: string) => void): (path: string, event: NetEvent) => void {
  return (path, event) => {
    if (event.kind === 'error') log(`reader: ${path}: ${event.error.code}: ${event.error.message}`);
    else if (event.kind === 'unacknowledged')
      log(`reader: ${path}: the serial server did not acknowledge ${event.commands.join(', ')}; carrying on without them`);
    else if (event.kind === 'lineState' && event.bits & LINE_ERRORS)
      log(`reader: ${path}: the serial server reports line errors (NOTIFY-LINESTATE 0x${event.bits.toString(16)})`);
  };
}
