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

export class EmulatorError extends Error {
  constructor(
    readonly code: EmulatorErrorCode,
    ...args: string[]
  ) {
    let i = 0;
    super(EMULATOR_ERRORS[code].replace(/%s/g, () => args[i++] ?? ''));
    this.name = 'EmulatorError';
  }
}
