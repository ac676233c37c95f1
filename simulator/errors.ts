/** The emulator's error table: stimuli a real patient could not perform get one of these codes. */
export const EMULATOR_ERRORS = {
  EMU_ERR_UNKNOWN_PROFILE: 'unknown card profile "%s"; expected one of: %s',
  EMU_ERR_UNKNOWN_CONDITION: 'unknown face condition "%s"; expected one of: %s',
  EMU_ERR_CARD_PRESENT: 'a card is already on the reader; remove it first',
  EMU_ERR_NO_CARD: 'no card is on the reader',
  EMU_ERR_NOT_OFFERED: '%s is not offered on the reader screen now (state %s)',
  EMU_ERR_BAD_STATE: '%s is not possible in reader state %s',
  EMU_ERR_BAD_PIN_FORMAT: 'a PIN is exactly 4 digits',
  EMU_ERR_BAD_CONSENT: 'consent answer must be "all" or "individual"',
} as const;

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
};

export class EmulatorError extends Error {
  constructor(
    readonly code: EmulatorErrorCode,
    ...args: string[]
  ) {
    const fill = (template: string) => {
      let i = 0;
      return template.replace(/%s/g, () => args[i++] ?? '');
    };
    super(fill(EMULATOR_ERRORS[code]));
    this.name = 'EmulatorError';
    this.messageJa = fill(EMULATOR_ERRORS_JA[code]);
  }

  readonly messageJa: string;
}
