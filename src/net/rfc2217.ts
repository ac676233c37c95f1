/**
 * RFC 2217, the Telnet COM Port Control Option (option 44): its commands as typed values, their
 * encoding, and the server's side as a small pure negotiator that acknowledges every command it
 * receives (`oqs-reader emulate --listen rfc2217://` runs on it). The client's side is
 * rfc2217-binding.ts. A server answers a client command with the same command code + 100.
 */
import { OPT_BINARY, OPT_COM_PORT, OPT_SGA, TelnetDecoder, TelnetOptions, escapeIac, subnegotiation, type OptionPolicy, type TelnetFault } from './telnet';

export { OPT_COM_PORT } from './telnet';

/** Client-to-server codes; the server's are these + SERVER_OFFSET. */
export const COM_PORT = {
  signature: 0,
  baudRate: 1,
  dataSize: 2,
  parity: 3,
  stopSize: 4,
  control: 5,
  notifyLineState: 6,
  notifyModemState: 7,
  flowSuspend: 8,
  flowResume: 9,
  lineStateMask: 10,
  modemStateMask: 11,
  purge: 12,
} as const;
export const SERVER_OFFSET = 100;

export type ComPortKind = keyof typeof COM_PORT;
const KIND_BY_CODE = Object.fromEntries(Object.entries(COM_PORT).map(([k, v]) => [v, k])) as Record<number, ComPortKind>;

/** SET-PARITY values (0 asks for the current one). */
export const PARITY = { request: 0, none: 1, odd: 2, even: 3, mark: 4, space: 5 } as const;
/** SET-STOPSIZE values: 3 is 1.5 stop bits. */
export const STOP_SIZE = { request: 0, one: 1, two: 2, onePointFive: 3 } as const;
/** SET-CONTROL values. */
export const CONTROL = {
  requestFlow: 0,
  flowNone: 1,
  flowXonXoff: 2,
  flowHardware: 3,
  requestBreak: 4,
  breakOn: 5,
  breakOff: 6,
  requestDtr: 7,
  dtrOn: 8,
  dtrOff: 9,
  requestRts: 10,
  rtsOn: 11,
  rtsOff: 12,
  requestInboundFlow: 13,
  inboundFlowNone: 14,
  inboundFlowXonXoff: 15,
  inboundFlowHardware: 16,
} as const;
/** PURGE-DATA values: 1 the access server's receive buffer, 2 its transmit buffer, 3 both. */
export const PURGE = { receive: 1, transmit: 2, both: 3 } as const;
/** NOTIFY-LINESTATE bits. */
export const LINE_STATE = {
  timeout: 128,
  shiftEmpty: 64,
  holdingEmpty: 32,
  breakDetect: 16,
  framingError: 8,
  parityError: 4,
  overrunError: 2,
  dataReady: 1,
} as const;
/** NOTIFY-MODEMSTATE bits. */
export const MODEM_STATE = { dcd: 128, ri: 64, dsr: 32, cts: 16, deltaDcd: 8, trailingRi: 4, deltaDsr: 2, deltaCts: 1 } as const;
/** The line errors a client reports (a mask a client sends with SET-LINESTATE-MASK). */
export const LINE_ERRORS = LINE_STATE.timeout | LINE_STATE.breakDetect | LINE_STATE.framingError | LINE_STATE.parityError | LINE_STATE.overrunError;

/**
 * One COM-PORT-OPTION command. `value` is the command's one number (BAUDRATE: 4 bytes, network
 * order; the others 1 byte); 0 asks for the current setting where the RFC says so.
 */
export type ComPortCommand =
  | { kind: 'signature'; text: string }
  | { kind: 'flowSuspend' | 'flowResume' }
  | { kind: Exclude<ComPortKind, 'signature' | 'flowSuspend' | 'flowResume'>; value: number };

export interface ComPortMessage {
  /** true: sent by the access server (code + 100). */
  fromServer: boolean;
  command: ComPortCommand;
}

/** The subnegotiation payload (without IAC SB 44 … IAC SE). */
export function encodeComPortPayload(command: ComPortCommand, fromServer = false): Buffer {
  const code = COM_PORT[command.kind] + (fromServer ? SERVER_OFFSET : 0);
  if (command.kind === 'signature') return Buffer.concat([Buffer.of(code), Buffer.from(command.text, 'latin1')]);
  if (!('value' in command)) return Buffer.of(code);
  if (command.kind === 'baudRate') {
    const b = Buffer.alloc(5);
    b[0] = code;
    b.writeUInt32BE(command.value >>> 0, 1);
    return b;
  }
  return Buffer.of(code, command.value & 0xff);
}

/** The whole Telnet subnegotiation for the wire, 0xFF doubled. */
export function encodeComPort(command: ComPortCommand, fromServer = false): Buffer {
  return subnegotiation(OPT_COM_PORT, encodeComPortPayload(command, fromServer));
}

/** A payload back as a message; a string says why it is not one (unknown code, wrong length). */
export function decodeComPort(payload: Uint8Array): ComPortMessage | string {
  if (payload.length === 0) return 'empty COM-PORT-OPTION subnegotiation';
  const raw = payload[0]!;
  const fromServer = raw >= SERVER_OFFSET;
  const code = fromServer ? raw - SERVER_OFFSET : raw;
  const kind = KIND_BY_CODE[code];
  if (kind === undefined) return `unknown COM-PORT-OPTION command ${raw}`;
  const rest = payload.subarray(1);
  if (kind === 'signature') return { fromServer, command: { kind, text: Buffer.from(rest).toString('latin1') } };
  if (kind === 'flowSuspend' || kind === 'flowResume') {
    return rest.length === 0 ? { fromServer, command: { kind } } : `${kind} takes no value, got ${rest.length} bytes`;
  }
  const want = kind === 'baudRate' ? 4 : 1;
  if (rest.length !== want) return `${kind} takes ${want} byte(s), got ${rest.length}`;
  const value = kind === 'baudRate' ? Buffer.from(rest).readUInt32BE(0) : rest[0]!;
  return { fromServer, command: { kind, value } };
}

/** The line settings a client sends after negotiation; also what a server reports. */
export interface LineSettings {
  baudRate: number;
  dataSize: number;
  parity: number;
  stopSize: number;
}

export const DEFAULT_LINE: LineSettings = { baudRate: 115200, dataSize: 8, parity: PARITY.none, stopSize: STOP_SIZE.one };

/** What a client sends to set the line: baud, data bits, parity, stop bits, no flow control. */
export function lineCommands(line: LineSettings): ComPortCommand[] {
  return [
    { kind: 'baudRate', value: line.baudRate },
    { kind: 'dataSize', value: line.dataSize },
    { kind: 'parity', value: line.parity },
    { kind: 'stopSize', value: line.stopSize },
    { kind: 'control', value: CONTROL.flowNone },
  ];
}

/**
 * Whether a server message answers a client command. SET-CONTROL has families (a DTR answer
 * answers a DTR request, whatever the state it reports), the others answer by kind.
 */
export function answers(sent: ComPortCommand, got: ComPortMessage): boolean {
  if (!got.fromServer || got.command.kind !== sent.kind) return false;
  if (sent.kind !== 'control' || got.command.kind !== 'control') return true;
  return controlFamily(sent.value) === controlFamily(got.command.value);
}

function controlFamily(v: number): string {
  if (v <= 3) return 'flow';
  if (v <= 6) return 'break';
  if (v <= 9) return 'dtr';
  if (v <= 12) return 'rts';
  if (v <= 16) return 'inbound';
  return 'flow';
}

/** Both sides of an RFC 2217 session want BINARY, SGA and COM-PORT-OPTION both ways (as pyserial asks). */
export const CLIENT_OPTIONS: OptionPolicy = { local: [OPT_BINARY, OPT_SGA, OPT_COM_PORT], remote: [OPT_BINARY, OPT_SGA, OPT_COM_PORT] };
export const SERVER_OPTIONS: OptionPolicy = { local: [OPT_BINARY, OPT_SGA, OPT_COM_PORT], remote: [OPT_BINARY, OPT_SGA, OPT_COM_PORT] };

/** The control lines and settings a server holds for its (emulated) port. */
export interface ServerPortState extends LineSettings {
  dtr: boolean;
  rts: boolean;
  brk: boolean;
  flow: number;
  inboundFlow: number;
  lineStateMask: number;
  modemStateMask: number;
}

/** What one chunk from the client amounts to at the server. */
export interface ServerStep {
  /** Bytes for the device behind the server (IAC IAC unescaped). */
  data: Buffer[];
  /** Bytes to send back to the client: negotiation answers and COM-PORT acknowledgements. */
  reply: Buffer[];
  /** COM-PORT commands received, in order (a purge is only reported here: the caller acts on it). */
  commands: ComPortCommand[];
  /** Bad Telnet or COM-PORT input, as text; the session carries on. */
  errors: Array<{ fault: TelnetFault | 'badComPort'; detail: string }>;
}

/**
 * The access server's side of RFC 2217, pure: feed it what the client sent, send back `reply`,
 * give `data` to the device, and pass device bytes through `encodeData`. It answers every
 * COM-PORT command with the value now in force (a request, value 0, with the current one),
 * and offers BINARY, SGA and COM-PORT-OPTION.
 */
export class ComPortServer {
  readonly decoder = new TelnetDecoder();
  readonly options = new TelnetOptions(SERVER_OPTIONS);
  readonly port: ServerPortState;

  constructor(
    initial: Partial<ServerPortState> = {},
    readonly signature = 'oqs-reader emulator',
  ) {
    this.port = {
      ...DEFAULT_LINE,
      dtr: true,
      rts: true,
      brk: false,
      flow: CONTROL.flowNone,
      inboundFlow: CONTROL.inboundFlowNone,
      lineStateMask: 0,
      modemStateMask: 255,
      ...initial,
    };
  }

  /** The server's opening: it offers its options at once, as ser2net does. */
  greeting(): Buffer {
    return this.options.request();
  }

  receive(chunk: Uint8Array): ServerStep {
    const step: ServerStep = { data: [], reply: [], commands: [], errors: [] };
    for (const e of this.decoder.push(chunk)) {
      if (e.type === 'data') step.data.push(e.bytes);
      else if (e.type === 'negotiate') {
        const r = this.options.receive(e.verb, e.option);
        if (r) step.reply.push(r);
      } else if (e.type === 'error') step.errors.push({ fault: e.fault, detail: e.detail });
      else if (e.type === 'subnegotiation' && e.option === OPT_COM_PORT) {
        const m = decodeComPort(e.payload);
        if (typeof m === 'string') step.errors.push({ fault: 'badComPort', detail: m });
        else if (!m.fromServer) {
          step.commands.push(m.command);
          const answer = this.apply(m.command);
          if (answer) step.reply.push(encodeComPort(answer, true));
        }
      }
    }
    return step;
  }

  /** Device bytes for the client: 0xFF doubled. */
  encodeData(data: Uint8Array): Buffer {
    return escapeIac(data);
  }

  /** A NOTIFY-MODEMSTATE for the client (bits of MODEM_STATE; masked by what the client asked for). */
  notifyModemState(bits: number): Buffer {
    return encodeComPort({ kind: 'notifyModemState', value: bits & this.port.modemStateMask }, true);
  }

  /** A NOTIFY-LINESTATE for the client. */
  notifyLineState(bits: number): Buffer {
    return encodeComPort({ kind: 'notifyLineState', value: bits & this.port.lineStateMask }, true);
  }

  /** Applies a client command and returns the acknowledgement (null: the RFC defines none). */
  private apply(c: ComPortCommand): ComPortCommand | null {
    const p = this.port;
    switch (c.kind) {
      case 'signature':
        return c.text === '' ? { kind: 'signature', text: this.signature } : { kind: 'signature', text: c.text };
      case 'flowSuspend':
      case 'flowResume':
        return null;
      case 'baudRate':
        if (c.value) p.baudRate = c.value;
        return { kind: 'baudRate', value: p.baudRate };
      case 'dataSize':
        if (c.value >= 5 && c.value <= 8) p.dataSize = c.value;
        return { kind: 'dataSize', value: p.dataSize };
      case 'parity':
        if (c.value >= 1 && c.value <= 5) p.parity = c.value;
        return { kind: 'parity', value: p.parity };
      case 'stopSize':
        if (c.value >= 1 && c.value <= 3) p.stopSize = c.value;
        return { kind: 'stopSize', value: p.stopSize };
      case 'control':
        return { kind: 'control', value: this.control(c.value) };
      case 'lineStateMask':
        p.lineStateMask = c.value;
        return c;
      case 'modemStateMask':
        p.modemStateMask = c.value;
        return c;
      case 'purge':
        return c;
      case 'notifyLineState':
      case 'notifyModemState':
        // A client has no business sending these; answered with the state all the same.
        return c.kind === 'notifyModemState' ? { kind: 'notifyModemState', value: 0 } : { kind: 'notifyLineState', value: 0 };
    }
  }

  private control(v: number): number {
    const p = this.port;
    const C = CONTROL;
    if (v === C.requestFlow) return p.flow;
    if (v <= C.flowHardware || v >= 17) return (p.flow = v);
    if (v === C.requestBreak) return p.brk ? C.breakOn : C.breakOff;
    if (v <= C.breakOff) p.brk = v === C.breakOn;
    else if (v === C.requestDtr) return p.dtr ? C.dtrOn : C.dtrOff;
    else if (v <= C.dtrOff) p.dtr = v === C.dtrOn;
    else if (v === C.requestRts) return p.rts ? C.rtsOn : C.rtsOff;
    else if (v <= C.rtsOff) p.rts = v === C.rtsOn;
    else if (v === C.requestInboundFlow) return p.inboundFlow;
    else p.inboundFlow = v;
    return v;
  }
}
