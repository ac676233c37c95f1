import { realpathSync } from 'node:fs';
import { SerialPortStream } from '@serialport/stream';
import type { BindingInterface } from '@serialport/bindings-interface';
import type { Clock } from '../time/clock';
import { Mode, PROTOCOL_VERSION, capabilityNames, type ModeName, type ReaderIdentity } from '../protocol';
import { OqsError, ReaderRefusedError } from './errors';
import { ReaderLink, type TraceEntry } from './link';

export interface OpenReaderOptions {
  path: string;
  binding: BindingInterface;
  clock: Clock;
  baudRate?: number;
  commandTimeoutMs?: number;
  /** Name this terminal gives in hello. */
  host?: string;
  /** Override for tests: is this path a pseudo-terminal? */
  isPseudoTerminal?: (path: string) => boolean;
  /** Whose rules apply to the port name (default process.platform; tests inject 'win32'). */
  platform?: NodeJS.Platform;
}

function openPort(binding: BindingInterface, path: string, baudRate: number): Promise<SerialPortStream> {
  const port = new SerialPortStream({ binding, path, baudRate, autoOpen: false });
  return new Promise((resolve, reject) => port.open((err) => (err ? reject(err) : resolve(port))));
}

function isIoctlRefusal(e: unknown): boolean {
  return /Inappropriate ioctl|ENOTTY|custom baud rate/i.test(String((e as Error)?.message ?? e));
}

/**
 * /dev/pts/N, or a link to one (Linux); never true for a USB or on-board serial device. Never true on
 * Windows, which has no pseudo-terminals: a port there is COM3, a real device or a virtual pair
 * (com0com) that accepts any rate, so the refusal it gives must stand. The name goes to serialport
 * as it is: its Windows binding prefixes \\.\ itself (so COM10 works, and \\.\COM10 must not be given).
 */
export function isPseudoTerminal(path: string, platform: NodeJS.Platform = process.platform): boolean {
  if (platform === 'win32') return false;
  try {
    return /^\/dev\/pts\/\d+$/.test(realpathSync(path));
  } catch {
    return false;
  }
}

/**
 * A connected, identified reader: typed commands over the link. Opens any port path through
 * serialport with whichever binding it is given (native, emulated), so it never knows which.
 */
export class ReaderClient {
  identity: ReaderIdentity | null = null;
  /** The frames of open(): the hello exchange. */
  readonly openingFrames: TraceEntry[] = [];

  constructor(
    readonly path: string,
    readonly link: ReaderLink,
  ) {}

  static async open(opts: OpenReaderOptions): Promise<ReaderClient> {
    const baudRate = opts.baudRate ?? 115200;
    let port: SerialPortStream;
    try {
      port = await openPort(opts.binding, opts.path, baudRate);
    } catch (e) {
      // A binding's own coded error stands (src/net: OQS_ERR_NET_CONNECT, OQS_ERR_NET_NEGOTIATION …).
      if (OqsError.is(e)) throw e;
      // A pseudo-terminal refuses the termios call for a non-standard rate; its rate means nothing
      // anyway. Only there do we fall back to a standard rate: on a real device the error stands.
      if (!(baudRate !== 115200 && isIoctlRefusal(e) && (opts.isPseudoTerminal ?? ((p: string) => isPseudoTerminal(p, opts.platform)))(opts.path))) {
        throw new OqsError('OQS_ERR_PORT_OPEN', opts.path, (e as Error).message);
      }
      port = await openPort(opts.binding, opts.path, 115200).catch((e2: Error) => {
        throw new OqsError('OQS_ERR_PORT_OPEN', opts.path, e2.message);
      });
    }
    const client = new ReaderClient(opts.path, new ReaderLink(port, opts.clock, opts.commandTimeoutMs));
    // Kept so whoever attaches the reader later can still trace the identification.
    const keep = (f: TraceEntry) => client.openingFrames.push(f);
    client.link.on('frame', keep);
    try {
      await client.identify(opts.host ?? 'oqs-reader');
    } catch (e) {
      await client.close();
      throw e;
    } finally {
      client.link.off('frame', keep);
    }
    return client;
  }

  async identify(host: string): Promise<ReaderIdentity> {
    let r;
    try {
      r = await this.link.request('hello', { protocolVersion: PROTOCOL_VERSION, host });
    } catch (e) {
      if (e instanceof ReaderRefusedError && e.status === 'badVersion') {
        throw new OqsError('OQS_ERR_READER_PROTOCOL', 'another', PROTOCOL_VERSION);
      }
      throw e;
    }
    if (r.protocolVersion !== PROTOCOL_VERSION) throw new OqsError('OQS_ERR_READER_PROTOCOL', r.protocolVersion, PROTOCOL_VERSION);
    this.identity = { ...r, capabilities: capabilityNames(r.capabilities) };
    return this.identity;
  }

  async setMode(mode: ModeName): Promise<void> {
    await this.link.request('setMode', { mode: Mode[mode] });
  }

  getStatus() {
    return this.link.request('getStatus', {});
  }

  async startVisualCheck(checkId: number, confirmationDate: string): Promise<void> {
    await this.link.request('startVisualCheck', { checkId, confirmationDate });
  }

  async executeVisualCheck(checkId: number): Promise<void> {
    await this.link.request('executeVisualCheck', { checkId });
  }

  async cancelVisualCheck(): Promise<void> {
    await this.link.request('cancelVisualCheck', {});
  }

  /** The facility's 目視モード用パスワード as a verifier and its wrong-entry rule (PR-3.3-8). */
  async setVisualPassword(v: { salt: string; verifier: string; maxWrong: number; lockMinutes: number }): Promise<void> {
    await this.link.request('setVisualPassword', { salt: v.salt, verifier: v.verifier, maxWrong: v.maxWrong, lockMinutes: v.lockMinutes });
  }

  async reset(): Promise<void> {
    await this.link.request('reset', {});
  }

  close(): Promise<void> {
    return this.link.close();
  }
}
