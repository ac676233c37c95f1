import { join } from 'node:path';
import { parseListenAddress } from '../net/listen-address';
import { BothLines, NetLine } from '../net/net-line';
import { rfc2217Session } from '../net/rfc2217-session';
import { PtyPort } from '../pty/pty-port';

/** The device side of one line: what a PtyPort is, and what MemoryLine imitates. */
export interface DeviceLine {
  onData: ((bytes: Buffer) => void) | null;
  /** The symlink a controller opens, when there is one (a pty with --link-dir). */
  readonly link?: string;
  /** The network address the reader is served on, once open (`emulate --listen`). */
  readonly listen?: string;
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

export type HostTransport = 'pty' | 'memory';

export interface LineOptions {
  /** `pty` (default): one python pty bridge per reader; `memory`: in-process lines for unit tests. */
  transport?: HostTransport;
  /** Make `<linkDir>/ttyOQS<i>` a symlink to reader i's slave (created if missing). */
  linkDir?: string;
  /** The python interpreter for the pty bridges (default `python3` on PATH). */
  python?: string;
  /** Serve reader i on the network at `listen[i]` too (`tcp://…` or `rfc2217://…`; simulator/net/). */
  listen?: string[];
  /** false: no ptys, every reader is served on its `listen` address only. Default true. */
  pty?: boolean;
}

/**
 * Reader i's line: a new pty (same link path, so a replug keeps the controller's path), or the
 * in-memory line it already had (`current`). `onLog` gets the bridge's diagnostics; `onDied` is
 * called when a bridge exits under the host.
 */
export function newLine(
  i: number,
  opts: LineOptions,
  current: DeviceLine | undefined,
  onLog: (line: string) => void,
  onDied: (message: string) => void,
): DeviceLine {
  if ((opts.transport ?? 'pty') === 'memory') return current ?? new MemoryLine(`memory:${i}`);
  // A replug serves again on the port the first listener got (port 0 resolved).
  const at = current?.listen ?? opts.listen?.[i];
  const address = at === undefined ? undefined : parseListenAddress(at);
  const net =
    address && new NetLine(address, { onLog: (line) => onLog(`reader ${i}: ${line}`), ...(address.scheme === 'rfc2217' ? { session: rfc2217Session } : {}) });
  if (opts.pty === false) {
    if (!net) throw new RangeError(`reader ${i} has neither a pty nor a listen address`);
    return net;
  }
  const pty = new PtyPort({
    link: opts.linkDir ? join(opts.linkDir, `ttyOQS${i}`) : undefined,
    python: opts.python,
    onLog: (line) => onLog(`reader ${i}: ${line}`),
    onUnexpectedExit: (code, signal) => onDied(`reader ${i}: the pty bridge exited unexpectedly (${code ?? signal})`),
  });
  return net ? new BothLines(pty, net) : pty;
}
