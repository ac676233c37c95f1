import { MockPortBinding, type MockPortInternal } from '@serialport/binding-mock';
import type { BindingInterface, OpenOptions, PortInfo } from '@serialport/bindings-interface';

/** Something on the far end of a serial line: gets the host's bytes, sends its own. */
export interface SerialDevice {
  connect(sink: (bytes: Buffer) => void): void;
  disconnect(): void;
  feed(bytes: Buffer): void;
}

/** binding-mock's port, with the device side it lacks: every host write reaches the device. */
export class DevicePortBinding extends MockPortBinding {
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

  private unplugged = false;

  override async write(buffer: Buffer): Promise<void> {
    if (this.unplugged) throw Object.assign(new Error('device unplugged'), { disconnected: true });
    await super.write(buffer);
    this.device.feed(Buffer.from(buffer));
  }

  override async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    if (this.unplugged) throw Object.assign(new Error('device unplugged'), { disconnected: true });
    return super.read(buffer, offset, length);
  }

  /** The cable is pulled: the pending read fails as a disconnect, so the stream closes. */
  unplug(): void {
    this.unplugged = true;
    const pending = (this as unknown as { pendingRead: ((e?: Error) => void) | null }).pendingRead;
    (this as unknown as { pendingRead: null }).pendingRead = null;
    pending?.(Object.assign(new Error('device unplugged'), { disconnected: true }));
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
  private readonly ports = new Map<string, { device: SerialDevice; open: boolean; present: boolean; info: PortInfo; port?: DevicePortBinding }>();

  addPort(path: string, device: SerialDevice, info: Partial<PortInfo> = {}): void {
    if (this.ports.has(path)) throw new Error(`port ${path} already exists on this binding`);
    this.ports.set(path, {
      device,
      open: false,
      present: true,
      info: {
        path,
        manufacturer: 'oqs-reader emulator',
        serialNumber: undefined,
        pnpId: undefined,
        locationId: undefined,
        productId: undefined,
        vendorId: undefined,
        ...info,
      },
    });
  }

  removePort(path: string): void {
    this.ports.delete(path);
  }

  /** Pulls the device's cable: the open port disconnects and the path is gone until replug. */
  unplug(path: string): void {
    const entry = this.ports.get(path);
    if (!entry) throw new Error(`port ${path} does not exist on this binding`);
    entry.present = false;
    if (entry.open) entry.port?.unplug();
  }

  /** Plugs the cable back in: the path can be opened again. */
  replug(path: string): void {
    const entry = this.ports.get(path);
    if (!entry) throw new Error(`port ${path} does not exist on this binding`);
    entry.present = true;
  }

  async list(): Promise<PortInfo[]> {
    return [...this.ports.values()].map((p) => ({ ...p.info }));
  }

  async open(options: OpenOptions): Promise<MockPortBinding> {
    if (!options || typeof options.path !== 'string') throw new TypeError('"options.path" must be a string');
    const entry = this.ports.get(options.path);
    if (!entry || !entry.present) throw new Error(`Port does not exist: ${options.path}`);
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
    entry.port = port;
    const close = port.close.bind(port);
    port.close = async () => {
      entry.open = false;
      await close();
    };
    return port;
  }
}
