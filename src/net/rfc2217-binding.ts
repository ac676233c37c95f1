import type { BindingInterface, OpenOptions, PortInfo, PortStatus, SetOptions, UpdateOptions } from '@serialport/bindings-interface';
import { OqsError } from '../reader/errors';
import { parseNetPath } from './net-path';
import {
  CLIENT_OPTIONS,
  CONTROL,
  LINE_ERRORS,
  MODEM_STATE,
  PARITY,
  PURGE,
  STOP_SIZE,
  answers,
  decodeComPort,
  encodeComPort,
  lineCommands,
  type ComPortCommand,
  type LineSettings,
} from './rfc2217';
import { NET_DEFAULTS, SocketPort, connectSocket, type NetDeps } from './socket-port';
import { OPT_COM_PORT, TelnetDecoder, TelnetOptions, escapeIac } from './telnet';
import { fullOptions } from './tcp-binding';

/** A command's name in reports and in the per-address memory: the RFC's, SET-CONTROL by family. */
export function commandName(c: ComPortCommand): string {
  if (c.kind !== 'control') return c.kind;
  const v = c.value;
  return v <= CONTROL.flowHardware
    ? 'control:flow'
    : v <= CONTROL.breakOff
      ? 'control:break'
      : v <= CONTROL.dtrOff
        ? 'control:dtr'
        : v <= CONTROL.rtsOff
          ? 'control:rts'
          : 'control:inbound';
}

/** serialport's open options as RFC 2217 line settings. */
export function lineSettings(o: Required<OpenOptions>): LineSettings {
  const parity = PARITY[o.parity as keyof typeof PARITY] ?? PARITY.none;
  const stopSize = o.stopBits === 2 ? STOP_SIZE.two : o.stopBits === 1.5 ? STOP_SIZE.onePointFive : STOP_SIZE.one;
  return { baudRate: o.baudRate, dataSize: o.dataBits, parity, stopSize };
}

interface AckWait {
  sent: ComPortCommand;
  name: string;
  got: boolean;
}

/**
 * One RFC 2217 connection, the client's side. After `start()` (negotiation, then the line
 * settings and DTR/RTS on) it is a serial port: data both ways with 0xFF doubled, set() as
 * SET-CONTROL, update() as SET-BAUDRATE, flush() as PURGE-DATA, get() from NOTIFY-MODEMSTATE.
 * A command the server does not acknowledge within ackMs is reported once and not waited for
 * again at this address (`unacked`, kept by the binding): ser2net before a pty never answers
 * DTR/RTS, and that must cost one bounded wait, not every open.
 */
export class Rfc2217Port extends SocketPort {
  private readonly decoder = new TelnetDecoder();
  readonly options = new TelnetOptions(CLIENT_OPTIONS);
  private readonly waiters = new Set<() => void>();
  private acks: AckWait[] = [];
  modemState = 0;
  lineState = 0;

  constructor(
    socket: ConstructorParameters<typeof SocketPort>[0],
    openOptions: Required<OpenOptions>,
    deps: NetDeps,
    private readonly unacked: Set<string>,
  ) {
    super(socket, openOptions, deps);
  }

  protected receive(chunk: Buffer): void {
    for (const e of this.decoder.push(chunk)) {
      if (this.failure) return;
      if (e.type === 'data') this.deliver(e.bytes);
      else if (e.type === 'negotiate') {
        const reply = this.options.receive(e.verb, e.option);
        if (reply) this.send(reply).catch(() => undefined);
      } else if (e.type === 'subnegotiation') {
        if (e.option === OPT_COM_PORT) this.comPort(e.payload);
      } else if (e.type === 'error') this.fail(new OqsError('OQS_ERR_NET_TELNET', this.path, e.fault, e.detail));
    }
    this.wake();
  }

  protected encode(data: Buffer): Buffer {
    return escapeIac(data);
  }

  protected override endError(): OqsError {
    const [truncated] = this.decoder.end();
    return truncated?.type === 'error' ? new OqsError('OQS_ERR_NET_TELNET', this.path, truncated.fault, truncated.detail) : super.endError();
  }

  protected override onFailure(): void {
    this.wake();
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  private comPort(payload: Buffer): void {
    const m = decodeComPort(payload);
    if (typeof m === 'string') return this.fail(new OqsError('OQS_ERR_NET_TELNET', this.path, 'badComPort', m));
    // A client's command coming from the server means nothing to a client.
    if (!m.fromServer) return;
    const c = m.command;
    if (c.kind === 'notifyLineState' || c.kind === 'notifyModemState') {
      if (c.kind === 'notifyLineState') this.lineState = c.value;
      else this.modemState = c.value;
      this.deps.observe?.(this.path, { kind: c.kind === 'notifyLineState' ? 'lineState' : 'modemState', bits: c.value });
      return;
    }
    if (c.kind === 'baudRate' && c.value) this.baudRate = c.value;
    const wait = this.acks.find((a) => !a.got && answers(a.sent, m));
    if (wait) {
      wait.got = true;
      this.unacked.delete(wait.name);
    }
  }

  /** Resolves true once `check` holds; false after `ms` on the injected clock or when the port fails. */
  private until(check: () => boolean, ms: number, name: string): Promise<boolean> {
    if (check()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        this.waiters.delete(watch);
        timer.cancel();
        resolve(ok);
      };
      const watch = () => {
        if (check()) done(true);
        else if (this.failure || !this.isOpen) done(false);
      };
      const timer = this.deps.clock.setTimer(name, ms, () => done(false));
      this.waiters.add(watch);
    });
  }

  /** Negotiation, then the line: rejects with a coded error when the server will not do RFC 2217. */
  async start(): Promise<void> {
    const ms = this.deps.negotiationMs ?? NET_DEFAULTS.negotiationMs;
    await this.send(this.options.request());
    const { localOn, refused } = this.options;
    const answered = await this.until(() => localOn.has(OPT_COM_PORT) || refused.has(`local:${OPT_COM_PORT}`), ms, 'rfc2217 negotiation');
    if (this.failure) throw this.failure;
    if (!localOn.has(OPT_COM_PORT)) {
      throw new OqsError(
        'OQS_ERR_NET_NEGOTIATION',
        this.path,
        answered ? 'it refused COM-PORT-OPTION (DONT 44)' : `no answer to WILL COM-PORT-OPTION within ${ms} ms`,
      );
    }
    await this.commands([
      ...lineCommands(lineSettings(this.openOptions)),
      { kind: 'lineStateMask', value: LINE_ERRORS },
      { kind: 'control', value: CONTROL.dtrOn },
      { kind: 'control', value: CONTROL.rtsOn },
    ]);
  }

  /**
   * Sends the commands at once and waits, bounded by ackMs, for the acknowledgements not already
   * known to stay away; those still missing are reported and remembered. Never fails for a
   * missing acknowledgement; fails only if the connection does.
   */
  async commands(cmds: ComPortCommand[]): Promise<void> {
    const waits = cmds.map((sent) => ({ sent, name: commandName(sent), got: false }));
    this.acks.push(...waits);
    try {
      await this.send(Buffer.concat(cmds.map((c) => encodeComPort(c))));
      const expected = waits.filter((w) => !this.unacked.has(w.name));
      await this.until(() => expected.every((w) => w.got), this.deps.ackMs ?? NET_DEFAULTS.ackMs, 'rfc2217 acknowledgements');
      if (this.failure) throw this.failure;
      const missing = [...new Set(expected.filter((w) => !w.got).map((w) => w.name))];
      if (missing.length > 0) {
        for (const n of missing) this.unacked.add(n);
        this.deps.observe?.(this.path, { kind: 'unacknowledged', commands: missing });
      }
    } finally {
      this.acks = this.acks.filter((a) => !waits.includes(a));
    }
  }

  override async update(options: UpdateOptions): Promise<void> {
    await this.commands([{ kind: 'baudRate', value: options.baudRate }]);
    this.baudRate = options.baudRate;
  }

  override async set(o: SetOptions): Promise<void> {
    const cmds: ComPortCommand[] = [];
    if (o.dtr !== undefined) cmds.push({ kind: 'control', value: o.dtr ? CONTROL.dtrOn : CONTROL.dtrOff });
    if (o.rts !== undefined) cmds.push({ kind: 'control', value: o.rts ? CONTROL.rtsOn : CONTROL.rtsOff });
    if (o.brk !== undefined) cmds.push({ kind: 'control', value: o.brk ? CONTROL.breakOn : CONTROL.breakOff });
    if (cmds.length) await this.commands(cmds);
  }

  override async get(): Promise<PortStatus> {
    const m = this.modemState;
    return { cts: (m & MODEM_STATE.cts) !== 0, dsr: (m & MODEM_STATE.dsr) !== 0, dcd: (m & MODEM_STATE.dcd) !== 0 };
  }

  /** Our unread data is dropped here; the server is asked to purge both of its buffers. */
  override async flush(): Promise<void> {
    await super.flush();
    await this.commands([{ kind: 'purge', value: PURGE.both }]);
  }
}

/**
 * The RFC 2217 binding: ports are `rfc2217://HOST:PORT`. No module state: what it learns (which
 * commands a server at an address never acknowledges) lives in the instance.
 */
export class Rfc2217Binding implements BindingInterface<Rfc2217Port> {
  private readonly unackedByAddress = new Map<string, Set<string>>();

  constructor(private readonly deps: NetDeps) {}

  async list(): Promise<PortInfo[]> {
    return [];
  }

  async open(options: OpenOptions): Promise<Rfc2217Port> {
    const addr = parseNetPath(options.path);
    if (addr?.scheme !== 'rfc2217') throw new OqsError('OQS_ERR_NET_ADDRESS', options.path, 'not rfc2217://');
    const key = `${addr.host}:${addr.port}`;
    let unacked = this.unackedByAddress.get(key);
    if (!unacked) this.unackedByAddress.set(key, (unacked = new Set()));
    const socket = await connectSocket(addr, options.path, this.deps);
    const port = new Rfc2217Port(socket, fullOptions(options), this.deps, unacked);
    try {
      await port.start();
    } catch (e) {
      await port.close();
      throw e;
    }
    return port;
  }
}
