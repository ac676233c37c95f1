/**
 * A pure, incremental Telnet codec (RFC 854 commands, RFC 855 option negotiation and
 * subnegotiation), just enough for RFC 2217 links: no sockets, no timers, no state outside the
 * objects. The decoder takes the byte stream in any chunking and yields data bytes (IAC IAC
 * unescaped) and events; it never throws and never holds more than `maxSubnegotiation` bytes.
 * Both sides negotiate BINARY, so there is no NVT CR/NUL translation (docs/network-links.md).
 */

export const IAC = 0xff;
export const DONT = 0xfe;
export const DO = 0xfd;
export const WONT = 0xfc;
export const WILL = 0xfb;
export const SB = 0xfa;
export const GA = 0xf9;
export const NOP = 0xf1;
export const SE = 0xf0;

export const OPT_BINARY = 0;
export const OPT_ECHO = 1;
export const OPT_SGA = 3;
export const OPT_COM_PORT = 44;

export type Verb = 'WILL' | 'WONT' | 'DO' | 'DONT';
const VERB_BYTE: Record<Verb, number> = { WILL, WONT, DO, DONT };
const BYTE_VERB: Record<number, Verb> = { [WILL]: 'WILL', [WONT]: 'WONT', [DO]: 'DO', [DONT]: 'DONT' };

/** Why the decoder could not make sense of the stream; the binding turns it into OQS_ERR_NET_TELNET. */
export type TelnetFault = 'badCommand' | 'subnegotiationOverflow' | 'badSubnegotiation' | 'truncated';

export type TelnetEvent =
  | { type: 'data'; bytes: Buffer }
  | { type: 'negotiate'; verb: Verb; option: number }
  | { type: 'subnegotiation'; option: number; payload: Buffer }
  /** A command without an option: NOP, GA, AYT, BRK, DM … (bytes 241–249). */
  | { type: 'command'; code: number }
  | { type: 'error'; fault: TelnetFault; detail: string };

type State = 'data' | 'iac' | 'verb' | 'sbOption' | 'sb' | 'sbIac' | 'sbSkip' | 'sbSkipIac';

/** Longest subnegotiation kept: an RFC 2217 SIGNATURE is free text, everything else is ≤ 5 bytes. */
export const DEFAULT_MAX_SUBNEGOTIATION = 256;

/**
 * The receiving half. `push(chunk)` returns what the chunk completes, in stream order; a sequence
 * cut by the chunk boundary is finished by the next push. Memory: the state, one pending verb and
 * at most `maxSubnegotiation` payload bytes (an overflowing subnegotiation is reported once and
 * skipped to its IAC SE, not kept).
 */
export class TelnetDecoder {
  private state: State = 'data';
  private verb = 0;
  private sbOption = 0;
  private readonly sub: Buffer;
  private subLen = 0;

  constructor(readonly maxSubnegotiation = DEFAULT_MAX_SUBNEGOTIATION) {
    this.sub = Buffer.alloc(maxSubnegotiation);
  }

  /** Bytes held for an unfinished sequence (bounded by maxSubnegotiation + 2). */
  get pending(): number {
    return this.state === 'data' ? 0 : this.subLen + 1;
  }

  push(chunk: Uint8Array): TelnetEvent[] {
    const events: TelnetEvent[] = [];
    // Data never grows: IAC IAC becomes one byte, so the chunk's length is enough.
    const out = Buffer.allocUnsafe(chunk.length);
    let outStart = 0;
    let outEnd = 0;
    const flush = () => {
      if (outEnd > outStart) events.push({ type: 'data', bytes: out.subarray(outStart, outEnd) });
      outStart = outEnd;
    };
    const emit = (e: TelnetEvent) => {
      flush();
      events.push(e);
    };
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      switch (this.state) {
        case 'data':
          if (b === IAC) this.state = 'iac';
          else out[outEnd++] = b;
          break;
        case 'iac':
          if (b === IAC) {
            out[outEnd++] = IAC;
            this.state = 'data';
          } else if (b >= WILL) {
            this.verb = b;
            this.state = 'verb';
          } else if (b === SB) {
            this.state = 'sbOption';
          } else if (b > SE) {
            this.state = 'data';
            emit({ type: 'command', code: b });
          } else {
            // 0x00–0xF0 after IAC: not a command (SE outside a subnegotiation included).
            this.state = 'data';
            emit({ type: 'error', fault: 'badCommand', detail: `IAC followed by 0x${hex(b)}, which is not a Telnet command` });
          }
          break;
        case 'verb':
          this.state = 'data';
          emit({ type: 'negotiate', verb: BYTE_VERB[this.verb]!, option: b });
          break;
        case 'sbOption':
          this.sbOption = b;
          this.subLen = 0;
          this.state = 'sb';
          break;
        case 'sb':
          if (b === IAC) this.state = 'sbIac';
          else this.keep(b, emit);
          break;
        case 'sbIac':
          if (b === IAC) {
            this.state = 'sb';
            this.keep(IAC, emit);
          } else if (b === SE) {
            this.state = 'data';
            emit({ type: 'subnegotiation', option: this.sbOption, payload: Buffer.from(this.sub.subarray(0, this.subLen)) });
            this.subLen = 0;
          } else {
            this.state = 'data';
            this.subLen = 0;
            emit({ type: 'error', fault: 'badSubnegotiation', detail: `IAC 0x${hex(b)} inside the subnegotiation of option ${this.sbOption}` });
          }
          break;
        case 'sbSkip':
          if (b === IAC) this.state = 'sbSkipIac';
          break;
        case 'sbSkipIac':
          this.state = b === SE ? 'data' : 'sbSkip';
          break;
      }
    }
    flush();
    return events;
  }

  /**
   * The stream ended (the peer closed): a sequence still open is reported as truncated. The
   * decoder is back at its start afterwards.
   */
  end(): TelnetEvent[] {
    const open = this.state !== 'data';
    const where = this.state;
    this.state = 'data';
    this.subLen = 0;
    return open ? [{ type: 'error', fault: 'truncated', detail: `the stream ended inside a Telnet sequence (${where})` }] : [];
  }

  private keep(b: number, emit: (e: TelnetEvent) => void): void {
    if (this.subLen < this.sub.length) {
      this.sub[this.subLen++] = b;
      return;
    }
    this.subLen = 0;
    this.state = 'sbSkip';
    emit({ type: 'error', fault: 'subnegotiationOverflow', detail: `the subnegotiation of option ${this.sbOption} is longer than ${this.sub.length} bytes` });
  }
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}

/** Data for the wire: every 0xFF doubled (the same buffer back when there is none). */
export function escapeIac(data: Uint8Array): Buffer {
  let count = 0;
  for (let i = 0; i < data.length; i++) if (data[i] === IAC) count++;
  if (count === 0) return Buffer.isBuffer(data) ? data : Buffer.from(data);
  const out = Buffer.allocUnsafe(data.length + count);
  let j = 0;
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    out[j++] = b;
    if (b === IAC) out[j++] = IAC;
  }
  return out;
}

export function negotiation(verb: Verb, option: number): Buffer {
  return Buffer.of(IAC, VERB_BYTE[verb], option & 0xff);
}

export function command(code: number): Buffer {
  return Buffer.of(IAC, code & 0xff);
}

/** IAC SB option <payload, 0xFF doubled> IAC SE. */
export function subnegotiation(option: number, payload: Uint8Array): Buffer {
  return Buffer.concat([Buffer.of(IAC, SB, option & 0xff), escapeIac(payload), Buffer.of(IAC, SE)]);
}

/** Which options each side may enable: `local` we offer (WILL), `remote` we want of the peer (DO). */
export interface OptionPolicy {
  local: readonly number[];
  remote: readonly number[];
}

/**
 * Option negotiation without loops (RFC 854's rule, simplified from RFC 1143): a request that
 * would not change an option's state is not answered, an option we did not ask for is refused,
 * and the answer to our own request is not answered again. Pure: `receive` returns the reply.
 */
export class TelnetOptions {
  readonly localOn = new Set<number>();
  readonly remoteOn = new Set<number>();
  /** Options we asked for and heard nothing about yet. */
  readonly pendingLocal = new Set<number>();
  readonly pendingRemote = new Set<number>();
  /** Options the peer refused (answered WONT/DONT to our request). */
  readonly refused = new Set<string>();

  constructor(private readonly policy: OptionPolicy) {}

  /** Our opening requests: WILL each local option, DO each remote one. */
  request(): Buffer {
    const parts: Buffer[] = [];
    for (const o of this.policy.local) {
      this.pendingLocal.add(o);
      parts.push(negotiation('WILL', o));
    }
    for (const o of this.policy.remote) {
      this.pendingRemote.add(o);
      parts.push(negotiation('DO', o));
    }
    return Buffer.concat(parts);
  }

  /** The reply to one negotiation from the peer (null: none is due). */
  receive(verb: Verb, option: number): Buffer | null {
    switch (verb) {
      case 'WILL':
        return this.enable(this.remoteOn, this.pendingRemote, this.policy.remote, option, 'DO', 'DONT');
      case 'DO':
        return this.enable(this.localOn, this.pendingLocal, this.policy.local, option, 'WILL', 'WONT');
      case 'WONT':
        return this.disable(this.remoteOn, this.pendingRemote, option, 'DONT', 'remote');
      case 'DONT':
        return this.disable(this.localOn, this.pendingLocal, option, 'WONT', 'local');
    }
  }

  private enable(on: Set<number>, pending: Set<number>, allowed: readonly number[], option: number, yes: Verb, no: Verb): Buffer | null {
    if (!allowed.includes(option)) return negotiation(no, option);
    if (on.has(option)) return null;
    on.add(option);
    // The answer to our own request needs no answer; an offer we had not asked for does.
    return pending.delete(option) ? null : negotiation(yes, option);
  }

  private disable(on: Set<number>, pending: Set<number>, option: number, ack: Verb, side: string): Buffer | null {
    if (pending.delete(option)) {
      this.refused.add(`${side}:${option}`);
      return null;
    }
    if (!on.delete(option)) return null;
    return negotiation(ack, option);
  }
}
