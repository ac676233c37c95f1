import { PROTOCOL_VERSION, capabilityBits, type ReaderIdentity } from '../src/protocol';
import type { Clock } from '../src/time/clock';
import { BehaviorStack, type ReaderBehavior } from './behaviors';
import { DEFAULT_BEHAVIORS } from './default-behaviors';
import { wrongStatusRule } from './faults';
import { LinkDevice, type LinkTiming } from './link-device';
import { ReaderModel, type ModelOptions } from './reader-model';
import type { Stimulus } from './stimulus';

export interface EmulatedReaderOptions extends ModelOptions {
  identity?: Partial<ReaderIdentity>;
  /** Clock of the link's own timers (ACK waits); the device clock unless given. */
  linkClock?: Clock;
  linkTiming?: Partial<LinkTiming>;
}

export const DEFAULT_IDENTITY: ReaderIdentity = {
  protocolVersion: PROTOCOL_VERSION,
  vendor: 'OQS Emulated',
  model: 'FACE-EMU-1',
  firmware: '1.0.0',
  serial: 'EMU-0001',
  capabilities: ['face', 'pin', 'consent', 'visualCheck', 'pinOnlyMode', 'consentSingleScreen', 'readerVisualCheck'],
};

/**
 * One emulated 顔認証付きカードリーダー: the device model, its behaviours and its end of the link.
 * It is a SerialDevice, so any transport (binding-mock, a pty host) can carry its bytes. The
 * stimulus methods are what a patient does at the reader. Commands and acts go through the
 * behaviour stack (simulator/behaviors.ts): `defineBehavior` puts an override in front.
 */
export class EmulatedReader {
  readonly model: ReaderModel;
  readonly link: LinkDevice;
  readonly identity: ReaderIdentity;
  private readonly behaviors = new BehaviorStack(DEFAULT_BEHAVIORS);

  constructor(opts: EmulatedReaderOptions & { clock: Clock }) {
    this.identity = { ...DEFAULT_IDENTITY, ...opts.identity };
    this.model = new ReaderModel(opts);
    this.link = new LinkDevice(opts.linkClock ?? opts.clock, opts.linkTiming, (cmd, reply) => this.behaviors.command(this, cmd, reply));
    this.model.attach((name, fields) => this.link.sendEvent(name, fields));
    // An armed wrongStatus fault rule answers before the defaults (it passes while none is armed).
    this.behaviors.define(wrongStatusRule);
  }

  /**
   * Puts behaviours in front of this reader's others (the first that handles an input wins);
   * returns what takes them away again.
   *
   *   const restore = reader.defineBehavior({ onCommand: (r, cmd, reply) => cmd.name === 'getStatus' && (reply.respond('getStatus', 'busy'), true) });
   */
  defineBehavior(...behaviors: ReaderBehavior[]): () => void {
    return this.behaviors.define(...behaviors);
  }

  /** The reader reports this capability bit in hello, so it acts on it (PR-4.9-1). */
  can(capability: number): boolean {
    return (capabilityBits(this.identity.capabilities) & capability) !== 0;
  }

  // SerialDevice
  connect(sink: (bytes: Buffer) => void): void {
    this.link.connect(sink);
  }
  disconnect(): void {
    this.link.disconnect();
  }
  feed(bytes: Buffer): void {
    this.link.feed(bytes);
  }

  private boots = 0;

  /** The reader restarts mid-whatever: link state is lost, the device announces itself again. */
  reboot(): void {
    this.link.reboot();
    this.model.powerOn(Math.floor(this.model.txId / 1000) * 1000 + ++this.boots);
  }

  /** One stimulus as data (simulator/stimulus.ts: the control channel's and the API's shape), through the behaviours. */
  stimulate(s: Stimulus): void | Promise<void> {
    return this.behaviors.stimulus(this, s);
  }

  // Stimuli, one method each (the same acts as stimulate)
  placeCard(profile: string): void | Promise<void> {
    return this.stimulate({ action: 'placeCard', profile });
  }
  chooseMethod(method: 'face' | 'pin'): void | Promise<void> {
    return this.stimulate({ action: 'chooseMethod', method });
  }
  async presentFace(condition?: string): Promise<void> {
    return this.stimulate({ action: 'presentFace', ...(condition === undefined ? {} : { condition }) });
  }
  async enterPin(pin: string): Promise<void> {
    return this.stimulate({ action: 'enterPin', pin });
  }
  /** Types the card's own PIN (the emulator knows it; a real patient would). */
  async enterCorrectPin(): Promise<void> {
    return this.stimulate({ action: 'enterCorrectPin' });
  }
  /** Types a PIN that is certainly wrong for the card on the reader. */
  async enterWrongPin(): Promise<void> {
    return this.stimulate({ action: 'enterWrongPin' });
  }
  answerConsent(choice: 'all' | 'individual', items?: number): void | Promise<void> {
    return this.stimulate({ action: 'answerConsent', choice, ...(items === undefined ? {} : { items }) });
  }
  removeCard(): void | Promise<void> {
    return this.stimulate({ action: 'removeCard' });
  }
}
