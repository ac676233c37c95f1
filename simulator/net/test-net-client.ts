import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { autoDetect } from '@serialport/bindings-cpp';
import { SerialPortStream } from '@serialport/stream';
import { FrameDecoder, decodeMessage, type Message } from '../../src/protocol';
import { TelnetDecoder, escapeIac, type TelnetEvent } from '../../src/net/telnet';

const WAIT_MS = 5000;

/**
 * A controller's end of a network line in tests: a socket (or, to compare, a pty opened through the
 * native binding), decoding the reader's frames (through a Telnet decoder on rfc2217://) and keeping
 * the Telnet events it saw. Waits are on real I/O, bounded.
 */
export class NetClient {
  readonly messages: Message[] = [];
  readonly telnet: TelnetEvent[] = [];
  readonly raw: Buffer[] = [];
  closed = false;
  private readonly frames = new FrameDecoder((f) => this.messages.push(decodeMessage(f)));
  private readonly decoder = new TelnetDecoder();
  private waiters = new Set<() => void>();

  private constructor(
    readonly socket: Duplex,
    readonly telnetMode: boolean,
  ) {
    socket.on('data', (b: Buffer) => {
      this.raw.push(b);
      if (!telnetMode) this.frames.push(b);
      else
        for (const e of this.decoder.push(b)) {
          if (e.type === 'data') this.frames.push(e.bytes);
          else this.telnet.push(e);
        }
      this.wake();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static open(url: string): Promise<NetClient> {
    const m = /^(tcp|rfc2217):\/\/([^:]+):(\d+)$/.exec(url);
    if (!m) throw new Error(`not a listen URL: ${url}`);
    return new Promise((resolve, reject) => {
      const s = connect(Number(m[3]), m[2]!, () => resolve(new NetClient(s, m[1] === 'rfc2217')));
      s.once('error', reject);
    });
  }

  /** A pty (or any tty) through serialport's native binding: raw bytes. */
  static openPty(path: string): Promise<NetClient> {
    const port = new SerialPortStream({ binding: autoDetect(), path, baudRate: 115200, autoOpen: false });
    return new Promise((resolve, reject) => port.open((err) => (err ? reject(err) : resolve(new NetClient(port, false)))));
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Bytes as they are (Telnet commands included). */
  sendRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The controller's data: 0xFF doubled on rfc2217://. */
  send(bytes: Buffer): void {
    this.socket.write(this.telnetMode ? escapeIac(bytes) : bytes);
  }

  /** Resolves once `ready()` returns something, waiting on real I/O at most `waitMs` (default WAIT_MS). */
  until<T>(ready: () => T | undefined | false, what: string, waitMs = WAIT_MS): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const v = ready();
        if (v === undefined || v === false) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(v);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        const telnet = this.telnet.length ? `; ${this.telnet.length} Telnet events, ${this.raw.reduce((n, b) => n + b.length, 0)} bytes in` : '';
        reject(
          new Error(`no ${what} within ${waitMs} ms (messages: ${this.messages.map((r) => ('name' in r ? r.name : r.kind)).join(', ') || 'none'}${telnet})`),
        );
      }, waitMs);
      this.waiters.add(check);
      check();
    });
  }

  response(name: string): Promise<Extract<Message, { kind: 'response' }>> {
    return this.until(
      () => this.messages.find((m): m is Extract<Message, { kind: 'response' }> => m.kind === 'response' && m.name === name),
      `${name} response`,
    );
  }

  /**
   * A new client that sends `command` and gets its `name` response. One client at a time, as
   * ser2net: right after the last client went, the emulator may not have seen it close yet and
   * turns the new one away; it is then tried again (a few times).
   */
  static async ask(
    url: string,
    command: Buffer,
    name: string,
    waitMs = WAIT_MS,
  ): Promise<{ client: NetClient; response: Extract<Message, { kind: 'response' }> }> {
    for (let attempt = 1; ; attempt++) {
      const client = await NetClient.open(url);
      client.send(command);
      const found = () => client.messages.find((m): m is Extract<Message, { kind: 'response' }> => m.kind === 'response' && m.name === name);
      const got = await client.until(() => found() ?? (client.closed ? 'turned away' : undefined), `a ${name} response or a refusal`, waitMs);
      if (got !== 'turned away') return { client, response: got };
      if (attempt >= 5) throw new Error(`turned away ${attempt} times: the reader still has a client`);
    }
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      if (this.socket instanceof SerialPortStream) this.socket.close(() => undefined);
      else this.socket.end();
    });
  }
}
