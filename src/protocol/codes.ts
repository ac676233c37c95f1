/**
 * Numeric codes that cross the link. Names are the code identifiers of docs/glossary.md;
 * numbers are wire values and never change meaning once published.
 */
function table<T extends Record<string, number>>(t: T) {
  const names = new Map<number, keyof T & string>();
  for (const [k, v] of Object.entries(t)) names.set(v, k);
  return Object.assign(t, {
    nameOf(code: number): (keyof T & string) | undefined {
      return names.get(code);
    },
  });
}

export const PROTOCOL_VERSION = 1;

/** 運転モード: 無人運転, 目視確認, 暗証番号認証固定. */
export const Mode = table({ unattended: 1, visual: 2, pinOnly: 3 });
export type ModeName = 'unattended' | 'visual' | 'pinOnly';

/** Response status. */
export const Status = table({
  ok: 0x00,
  badState: 0x01,
  badArgument: 0x02,
  unsupported: 0x03,
  busy: 0x04,
  unknownCommand: 0x05,
  badVersion: 0x06,
  malformed: 0x07,
});
export type StatusName = Exclude<keyof typeof Status, 'nameOf'>;

/** Where the reader's patient flow is. */
export const ReaderState = table({
  idle: 0,
  methodSelect: 1,
  faceCapture: 2,
  pinEntry: 3,
  consent: 4,
  awaitingStaff: 5,
  complete: 6,
  halted: 7,
  /** 目視確認 on the reader: staff type the facility's 目視モード用パスワード. */
  visualPassword: 8,
  /** 目視確認 on the reader: the password was right; staff check the patient by sight and confirm. */
  visualConfirm: 9,
});
export type ReaderStateName = Exclude<keyof typeof ReaderState, 'nameOf'>;

/** 本人確認の方法. */
/** `visualOnReader`: 目視確認 done on the reader itself (the 2025 flow); the host records it as visual, reader-side. */
export const Method = table({ face: 1, pin: 2, visual: 3, visualOnReader: 4 });
export type MethodName = 'face' | 'pin' | 'visual';

/** `unrecognised`: something with an IC the reader could not read as a card (code 001). */
export const CardKind = table({ myNumber: 1, faceAuthCard: 2, notMyNumber: 3, unrecognised: 4 });
export type CardKindName = 'myNumber' | 'faceAuthCard' | 'notMyNumber' | 'unrecognised';

/** Why an identity check failed. */
export const FailReason = table({
  faceMismatch: 1,
  pinLocked: 2,
  certExpired: 3,
  notMyNumberCard: 4,
  staffRequired: 5,
  cardRemoved: 6,
  cancelled: 7,
  /** The flow needs a PIN and the card has none (顔認証マイナンバーカード in 暗証番号認証固定). */
  noPin: 8,
  /** The reader could not recognise the card (its code 001). */
  cardUnreadable: 9,
});
export type FailReasonName = Exclude<keyof typeof FailReason, 'nameOf'>;

/** 同意 answers: the single-screen choice, and item bits for 個別に同意する. */
export const ConsentChoice = table({ all: 1, individual: 2 });
export const ConsentItem = { medication: 1, checkups: 2, highCost: 4 } as const;

/** Capability bits in the hello response. */
export const Capability = { face: 1, pin: 2, consent: 4, visualCheck: 8, pinOnlyMode: 16, consentSingleScreen: 32, readerVisualCheck: 64 } as const;

export type CapabilityName = keyof typeof Capability;

export function capabilityNames(bits: number): CapabilityName[] {
  return (Object.entries(Capability) as Array<[CapabilityName, number]>).filter(([, b]) => (bits & b) !== 0).map(([n]) => n);
}

/** The hello response's bit mask for these names (the inverse of capabilityNames); unknown names are dropped. */
export function capabilityBits(names: readonly string[]): number {
  return names.reduce((bits, n) => bits | (Object.hasOwn(Capability, n) ? Capability[n as CapabilityName] : 0), 0);
}

/** Reader-side error codes carried by the readerError event. */
export const ReaderErrorCode = table({ cameraFault: 1, cardReadFailed: 2, internal: 3 });
