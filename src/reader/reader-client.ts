import { SerialPortStream } from '@serialport/stream';
import type { BindingInterface } from '@serialport/bindings-interface';
import type { Clock } from '../time/clock';
import { Mode, PROTOCOL_VERSION, capabilityNames, type ModeName } from '../protocol';
import { OqsError } from './errors';
import { ReaderLink } from './link';

export interface ReaderIdentity {
  protocolVersion: number;
  vendor: string;
  model: string;
  firmware: string;
  serial: string;
  capabilities: string[];
}

export interface OpenReaderOptions {
  path: string;
  binding: BindingInterface;
  clock: Clock;
  baudRate?: number;
  commandTimeoutMs?: number;
  /** Name this terminal gives in hello. */
  host?: string;
}

/**
 * A connected, identified reader: typed commands over the link. Opens any port path through
 * serialport with whichever binding it is given (native, emulated), so it never knows which.
 */
export class ReaderClient {
  identity: ReaderIdentity | null = null;

  constructor(
    readonly path: string,
    readonly link: ReaderLink,
  ) {}

  static async open(opts: OpenReaderOptions): Promise<ReaderClient> {
    const port = new SerialPortStream({ binding: opts.binding, path: opts.path, baudRate: opts.baudRate ?? 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) =>
      port.open((err) => (err ? reject(new OqsError('OQS_ERR_PORT_OPEN', opts.path, err.message)) : resolve())),
    );
    const client = new ReaderClient(opts.path, new ReaderLink(port, opts.clock, opts.commandTimeoutMs));
    try {
      await client.identify(opts.host ?? 'oqs-reader');
    } catch (e) {
      await client.close();
      throw e;
    }
    return client;
  }

  async identify(host: string): Promise<ReaderIdentity> {
    let r;
    try {
      r = await this.link.request('hello', { protocolVersion: PROTOCOL_VERSION, host });
    } catch (e) {
      if (OqsError.is(e, 'OQS_ERR_READER_REFUSED') && (e as { status?: string }).status === 'badVersion') {
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

  async reset(): Promise<void> {
    await this.link.request('reset', {});
  }

  close(): Promise<void> {
    return this.link.close();
  }
}
