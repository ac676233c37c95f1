import type { BindingInterface, OpenOptions, PortInfo } from '@serialport/bindings-interface';
import { OqsError } from '../reader/errors';
import { parseNetPath } from './net-path';
import { SocketPort, connectSocket, type NetDeps } from './socket-port';

/** `tcp://HOST:PORT`: the bytes as they are, both ways (a serial server's raw port). */
export class TcpPort extends SocketPort {
  protected receive(chunk: Buffer): void {
    this.deliver(chunk);
  }
  protected encode(data: Buffer): Buffer {
    return data;
  }
}

/** Full open options, as serialport's stream passes them (a direct caller may pass fewer). */
export function fullOptions(options: OpenOptions): Required<OpenOptions> {
  return { dataBits: 8, lock: true, stopBits: 1, parity: 'none', rtscts: false, xon: false, xoff: false, xany: false, hupcl: true, ...options };
}

/**
 * The raw TCP binding: a serialport BindingInterface whose ports are `tcp://HOST:PORT`. No module
 * state: each instance has its dependencies (the clock bounds the connection attempt).
 */
export class TcpBinding implements BindingInterface<TcpPort> {
  constructor(private readonly deps: NetDeps) {}

  async list(): Promise<PortInfo[]> {
    return [];
  }

  async open(options: OpenOptions): Promise<TcpPort> {
    const addr = parseNetPath(options.path);
    if (addr?.scheme !== 'tcp') throw new OqsError('OQS_ERR_NET_ADDRESS', options.path, 'not tcp://');
    const socket = await connectSocket(addr, options.path, this.deps);
    return new TcpPort(socket, fullOptions(options), this.deps);
  }
}
