import {
  COMMANDS,
  FrameDecoder,
  PROTOCOL_VERSION,
  RESPONSE_BIT,
  Status,
  decodeMessage,
  encodeFrame,
  encodeEvent,
  encodeResponse,
  type CommandName,
  type CommandResponse,
  type EventFields,
  type EventName,
  type StatusName,
} from '../src/protocol';
import type { ReaderModel } from './reader-model';

export interface ReaderIdentity {
  vendor: string;
  model: string;
  firmware: string;
  serial: string;
  capabilities: number;
}

export interface LinkStats {
  framesIn: number;
  framesOut: number;
  badFrames: number;
  acksIn: number;
}

/**
 * The reader's end of the link: bytes in, frames decoded, commands dispatched to the model,
 * responses and events encoded out. Events stay in `unacked` until the host acknowledges them,
 * which is where retransmission will hook in.
 */
export class LinkDevice {
  readonly stats: LinkStats = { framesIn: 0, framesOut: 0, badFrames: 0, acksIn: 0 };
  readonly unacked = new Map<number, Buffer>();
  private seq = 0;
  private readonly decoder: FrameDecoder;
  private sink: (bytes: Buffer) => void = () => undefined;

  constructor(
    readonly model: ReaderModel,
    readonly identity: ReaderIdentity,
  ) {
    this.decoder = new FrameDecoder(
      (frame) => this.onFrame(frame),
      () => this.stats.badFrames++,
    );
    model.attach((name, fields) => this.sendEvent(name, fields));
  }

  /** Where the reader's bytes go (the port's receive side). */
  connect(sink: (bytes: Buffer) => void): void {
    this.sink = sink;
  }

  disconnect(): void {
    this.sink = () => undefined;
    this.decoder.reset();
  }

  /** Bytes the host wrote to the reader. */
  feed(bytes: Buffer): void {
    this.decoder.push(bytes);
  }

  private nextSeq(): number {
    const s = this.seq;
    this.seq = (this.seq + 1) & 0xff;
    return s;
  }

  private write(frame: Buffer): void {
    this.stats.framesOut++;
    this.sink(frame);
  }

  private sendEvent<N extends EventName>(name: N, fields: EventFields<N>): void {
    const seq = this.nextSeq();
    const frame = encodeEvent(name, seq, fields);
    this.unacked.set(seq, frame);
    this.write(frame);
  }

  private respond<N extends CommandName>(name: N, reqSeq: number, status: StatusName, fields?: CommandResponse<N>): void {
    this.write(encodeResponse(name, this.nextSeq(), reqSeq, status, fields));
  }

  private onFrame(frame: { seq: number; type: number; payload: Buffer }): void {
    this.stats.framesIn++;
    let msg;
    try {
      msg = decodeMessage(frame);
    } catch {
      this.stats.badFrames++;
      const name = (Object.keys(COMMANDS) as CommandName[]).find((n) => COMMANDS[n].type === frame.type);
      if (name) this.respond(name, frame.seq, 'malformed');
      else if (frame.type >= 0x10 && frame.type <= 0x3f) {
        // A command this reader does not implement: say so rather than let the host time out.
        const payload = Buffer.from([frame.seq, Status.unknownCommand]);
        this.write(encodeFrame({ seq: this.nextSeq(), type: frame.type | RESPONSE_BIT, payload }));
      }
      return;
    }
    if (msg.kind === 'ack') {
      this.stats.acksIn++;
      this.unacked.delete(msg.ackSeq);
      return;
    }
    if (msg.kind !== 'command') return;
    const m = this.model;
    const num = (k: string) => Number(msg.fields[k]);
    switch (msg.name) {
      case 'hello': {
        if (num('protocolVersion') !== PROTOCOL_VERSION) return this.respond('hello', msg.seq, 'badVersion');
        const { vendor, model, firmware, serial, capabilities } = this.identity;
        return this.respond('hello', msg.seq, 'ok', {
          protocolVersion: PROTOCOL_VERSION,
          vendor,
          model,
          firmware,
          serial,
          capabilities,
        });
      }
      case 'getStatus':
        return this.respond('getStatus', msg.seq, 'ok', m.status());
      case 'setMode': {
        const status = m.setMode(num('mode'));
        return this.respond('setMode', msg.seq, status, status === 'ok' ? { mode: num('mode') } : undefined);
      }
      case 'startVisualCheck':
        return this.respond('startVisualCheck', msg.seq, m.startVisualCheck(num('checkId'), String(msg.fields.confirmationDate)));
      case 'executeVisualCheck':
        return this.respond('executeVisualCheck', msg.seq, m.executeVisualCheck(num('checkId')));
      case 'cancelVisualCheck':
        return this.respond('cancelVisualCheck', msg.seq, m.cancelVisualCheck());
      case 'reset':
        return this.respond('reset', msg.seq, m.reset());
    }
  }
}
