import { Capability } from '../src/protocol';
import type { Clock } from '../src/time/clock';
import { LinkDevice, type LinkTiming, type ReaderIdentity } from './link-device';
import { ReaderModel, type ModelOptions } from './reader-model';
import type { Stimulus } from './stimulus';

export interface EmulatedReaderOptions extends ModelOptions {
  identity?: Partial<ReaderIdentity>;
  /** Clock of the link's own timers (ACK waits); the device clock unless given. */
  linkClock?: Clock;
  linkTiming?: Partial<LinkTiming>;
}

export const DEFAULT_IDENTITY: ReaderIdentity = {
  vendor: 'OQS Emulated',
  model: 'FACE-EMU-1',
  firmware: '1.0.0',
  serial: 'EMU-0001',
  capabilities:
    Capability.face | Capability.pin | Capability.consent | Capability.visualCheck | Capability.pinOnlyMode | Capability.consentSingleScreen,
};

/**
 * One emulated 顔認証付きカードリーダー: the device model plus its end of the link. It is a
 * SerialDevice, so any transport (binding-mock, a pty host) can carry its bytes. The stimulus
 * methods are what a patient does at the reader.
 */
export class EmulatedReader {
  readonly model: ReaderModel;
  readonly link: LinkDevice;
  readonly identity: ReaderIdentity;

  constructor(opts: EmulatedReaderOptions & { clock: Clock }) {
    this.identity = { ...DEFAULT_IDENTITY, ...opts.identity };
    this.model = new ReaderModel(opts);
    this.link = new LinkDevice(this.model, this.identity, opts.linkClock ?? opts.clock, opts.linkTiming);
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

  /** One stimulus as data (simulator/stimulus.ts: the control channel's and the API's shape): the same acts as below. */
  stimulate(s: Stimulus): void | Promise<void> {
    switch (s.action) {
      case 'placeCard':
        return this.placeCard(s.profile ?? 'normal');
      case 'chooseMethod':
        return this.chooseMethod(s.method ?? 'face');
      case 'presentFace':
        return this.presentFace(s.condition);
      case 'enterPin':
        return this.enterPin(s.pin);
      case 'enterCorrectPin':
        return this.enterCorrectPin();
      case 'enterWrongPin':
        return this.enterWrongPin();
      case 'answerConsent':
        return this.answerConsent(s.choice ?? 'all', s.items);
      case 'removeCard':
        return this.removeCard();
    }
  }

  // Stimuli
  placeCard(profile: string): void {
    this.model.placeCard(profile);
  }
  chooseMethod(method: 'face' | 'pin'): void {
    this.model.chooseMethod(method);
  }
  presentFace(condition?: string): Promise<void> {
    return this.model.presentFace(condition);
  }
  enterPin(pin: string): Promise<void> {
    return this.model.enterPin(pin);
  }
  /** Types the card's own PIN (the emulator knows it; a real patient would). */
  enterCorrectPin(): Promise<void> {
    const pin = this.model.card?.profile.pin;
    return this.model.enterPin(pin ?? '0000');
  }
  /** Types a PIN that is certainly wrong for the card on the reader. */
  enterWrongPin(): Promise<void> {
    const pin = this.model.card?.profile.pin;
    return this.model.enterPin(pin === '0000' ? '1111' : '0000');
  }
  answerConsent(choice: string, items?: number): void {
    this.model.answerConsent(choice, items);
  }
  removeCard(): void {
    this.model.removeCard();
  }
}
