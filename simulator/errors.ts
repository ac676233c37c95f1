import type { Fault } from '../src/protocol';

/**
 * The emulator's one error table: every EMU_ERR code, with its fault class (src/protocol/shapes.ts:
 * `caller` whoever asked gave what cannot be done, `transport` the control connection or the pty,
 * `internal` the emulator itself) and its message; %s are filled in order.
 */
export const EMULATOR_ERRORS = {
  // stimuli a real patient could not perform
  EMU_ERR_UNKNOWN_PROFILE: ['caller', 'unknown card profile "%s"; expected one of: %s'],
  EMU_ERR_UNKNOWN_CONDITION: ['caller', 'unknown face condition "%s"; expected one of: %s'],
  EMU_ERR_CARD_PRESENT: ['caller', 'a card is already on the reader; remove it first'],
  EMU_ERR_NO_CARD: ['caller', 'no card is on the reader'],
  EMU_ERR_NOT_OFFERED: ['caller', '%s is not offered on the reader screen now (state %s)'],
  EMU_ERR_BAD_STATE: ['caller', '%s is not possible in reader state %s'],
  EMU_ERR_BAD_PIN_FORMAT: ['caller', 'a PIN is exactly 4 digits'],
  EMU_ERR_BAD_CONSENT: ['caller', 'consent answer must be "all" or "individual"'],
  // the control channel and the pty (docs/emulator.md); the message says what exactly
  EMU_ERR_BAD_REQUEST: ['caller', '%s'],
  EMU_ERR_UNKNOWN_OP: ['caller', '%s'],
  EMU_ERR_UNKNOWN_READER: ['caller', '%s'],
  EMU_ERR_BAD_FAULT: ['caller', '%s'],
  EMU_ERR_SHUTTING_DOWN: ['transport', 'the emulator host is shutting down'],
  EMU_ERR_CONNECTION_CLOSED: ['transport', '%s'],
  EMU_ERR_TIMEOUT: ['transport', '%s'],
  EMU_ERR_PTY: ['transport', '%s'],
  EMU_ERR_BAD_ADDRESS: ['caller', '%s'],
  EMU_ERR_INTERNAL: ['internal', '%s'],
} as const satisfies Record<string, readonly [Fault, string]>;

export type EmulatorErrorCode = keyof typeof EMULATOR_ERRORS;

/** The same refusals in Japanese, for the emulator panel on the staff screen (%s filled in order). */
export const EMULATOR_ERRORS_JA: Record<EmulatorErrorCode, string> = {
  EMU_ERR_UNKNOWN_PROFILE: 'カードの種類「%s」はありません',
  EMU_ERR_UNKNOWN_CONDITION: '顔の状態「%s」はありません',
  EMU_ERR_CARD_PRESENT: 'カードが既に置かれています。先にカードを取ってください',
  EMU_ERR_NO_CARD: 'リーダーにカードが置かれていません',
  EMU_ERR_NOT_OFFERED: 'リーダーの画面が今その操作を示していません',
  EMU_ERR_BAD_STATE: 'リーダーが今その操作をできる状態ではありません',
  EMU_ERR_BAD_PIN_FORMAT: '暗証番号は4桁の数字です',
  EMU_ERR_BAD_CONSENT: '同意の答えは「全て同意する」か「個別に同意する」です',
  EMU_ERR_BAD_REQUEST: 'エミュレーターへの要求の形式が正しくありません',
  EMU_ERR_UNKNOWN_OP: 'エミュレーターはその操作を受け付けません',
  EMU_ERR_UNKNOWN_READER: 'その番号のリーダーはありません',
  EMU_ERR_BAD_FAULT: '故障の指定が正しくありません',
  EMU_ERR_SHUTTING_DOWN: 'エミュレーターは終了処理中です',
  EMU_ERR_CONNECTION_CLOSED: 'エミュレーターとの接続が応答の前に切れました',
  EMU_ERR_TIMEOUT: 'エミュレーターが時間内に応答しませんでした',
  EMU_ERR_PTY: '疑似端末（pty）を開けません',
  EMU_ERR_BAD_ADDRESS: 'リーダーの待ち受けアドレス（tcp://ホスト:ポート または rfc2217://ホスト:ポート）の書き方が正しくありません',
  EMU_ERR_INTERNAL: 'エミュレーターで問題が起きました',
};

export class EmulatorError extends Error {
  /** Whose fault it is (the table's fault column). */
  readonly fault: Fault;
  readonly messageJa: string;

  constructor(
    readonly code: EmulatorErrorCode,
    ...args: string[]
  ) {
    const fill = (template: string) => {
      let i = 0;
      return template.replace(/%s/g, () => args[i++] ?? '');
    };
    const [fault, template] = EMULATOR_ERRORS[code];
    super(fill(template));
    this.name = 'EmulatorError';
    this.fault = fault;
    this.messageJa = fill(EMULATOR_ERRORS_JA[code]);
  }
}
