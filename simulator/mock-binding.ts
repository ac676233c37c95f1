import { MockPortBinding, type MockPortInternal } from '@serialport/binding-mock';
import type { BindingInterface, OpenOptions, PortInfo } from '@serialport/bindings-interface';

/** Something on the far end of a serial line: gets the host's bytes, sends its own. */
export interface SerialDevice {
  connect(sink: (bytes: Buffer) => void): void;
  disconnect(): void;
  feed(bytes: Buffer): void;
}

/** binding-mock's port, with the device side it lacks: every host write reaches the device. */
class DevicePortBinding extends MockPortBinding {
  constructor(
    port: MockPortInternal,
    openOptions: Required<OpenOptions>,
    private readonly device: SerialDevice,
  ) {
    super(port, openOptions);
    device.connect((bytes) => {
      if (this.isOpen) this.emitData(bytes);
    });
  }

  override async write(buffer: Buffer): Promise<void> {
    await super.write(buffer);
    this.device.feed(Buffer.from(buffer));
  }

  override async close(): Promise<void> {
    this.device.disconnect();
    await super.close();
  }
}

/**
 * A serialport binding whose ports are emulated devices. Unlike MockBinding, the port table
 * belongs to this instance, so any number of emulators and controllers share one process.
 */
export class EmulatorBinding implements BindingInterface<MockPortBinding> {
  private readonly ports = new Map<string, { device: SerialDevice; open: boolean; info: PortInfo }>();

  addPort(path: string, device: SerialDevice, info: Partial<PortInfo> = {}): void {
    if (this.ports.has(path)) throw new Error(`port ${path} already exists on this binding`);
    this.ports.set(path, {
      device,
      open: false,
      info: { path, manufacturer: 'oqs-reader emulator', serialNumber: undefined, pnpId: undefined, locationId: undefined, productId: undefined, vendorId: undefined, ...info },
    });
  }

  removePort(path: string): void {
    this.ports.delete(path);
  }

  async list(): Promise<PortInfo[]> {
    return [...this.ports.values()].map((p) => ({ ...p.info }));
  }

  async open(options: OpenOptions): Promise<MockPortBinding> {
    if (!options || typeof options.path !== 'string') throw new TypeError('"options.path" must be a string');
    const entry = this.ports.get(options.path);
    if (!entry) throw new Error(`Port does not exist: ${options.path}`);
    if (entry.open) throw new Error('Port is locked cannot open');
    const openOptions: Required<OpenOptions> = {
      dataBits: 8,
      lock: true,
      stopBits: 1,
      parity: 'none',
      rtscts: false,
      xon: false,
      xoff: false,
      xany: false,
      hupcl: true,
      ...options,
    } as Required<OpenOptions>;
    const internal: MockPortInternal = {
      data: Buffer.alloc(0),
      echo: false,
      record: false,
      info: entry.info,
      maxReadSize: 1024,
      openOpt: openOptions,
    };
    entry.open = true;
    const port = new DevicePortBinding(internal, openOptions, entry.device);
    const close = port.close.bind(port);
    port.close = async () => {
      entry.open = false;
      await close();
    };
    return port;
  }
}
