/**
 * The product's one table of error codes (reader link, terminal rules, API). Each code has an
 * HTTP status for the API and a message that says what was expected; %s are filled in order.
 */
export const ERRORS = {
  // reader link
  OQS_ERR_READER_TIMEOUT: [504, 'the reader did not answer "%s" within %s ms'],
  OQS_ERR_READER_REFUSED: [502, 'the reader refused "%s" with status %s'],
  OQS_ERR_READER_DISCONNECTED: [503, 'the reader link is closed; "%s" was not sent'],
  OQS_ERR_READER_PROTOCOL: [502, 'the reader speaks protocol version %s; this terminal needs version %s'],
  OQS_ERR_READER_BUSY: [409, 'the reader is in the middle of a patient\'s check; try again when the patient has finished or removed the card'],
  OQS_ERR_PORT_OPEN: [503, 'could not open serial port %s: %s'],
  // terminal rules
  OQS_ERR_NO_READER: [409, 'no face-auth card reader is connected; 本人認証用カードリーダーソフト must be installed and a reader connected'],
  OQS_ERR_READER_SOFTWARE_MISSING: [404, '《顔認証付きカードリーダー操作》 is shown only when 本人認証用カードリーダーソフト is installed'],
  OQS_ERR_ADMIN_REQUIRED: [403, 'only an administrator account (管理者アカウント) may %s; %s is a %s account'],
  OQS_ERR_UNKNOWN_MODE: [400, 'mode must be one of unattended (無人運転), visual (目視確認), pinOnly (暗証番号認証固定); got "%s"'],
  OQS_ERR_VISUAL_SINGLE_READER: [409, '目視確認 needs exactly one face-auth reader on this terminal (1 terminal : 1 reader); %s are connected'],
  OQS_ERR_PATTERN_NOT_ALLOWED: [409, 'connection pattern %s does not allow 目視確認 (see docs/connection-patterns.md)'],
  OQS_ERR_NOT_VISUAL_MODE: [409, 'a visual check needs 目視確認 mode; the current mode is %s'],
  OQS_ERR_DATE_FORMAT: [400, '資格確認日 must be a calendar date written YYYY/MM/DD with slashes (e.g. 2020/10/30); got "%s"'],
  OQS_ERR_DATE_FUTURE: [400, '資格確認日 %s is in the future; use today (%s) or an earlier date'],
  OQS_ERR_NOT_VISUALLY_CONFIRMED: [400, '《目視で本人確認完了》 must be checked (☑) before the card is read'],
  OQS_ERR_VISUAL_CHECK_STATE: [409, 'the visual check is %s; %s is not possible now'],
  OQS_ERR_MENU_PATTERN: [404, '資格情報照会（マイナンバーカード） is offered from the menu only in connection pattern 2; this terminal is pattern %s'],
  // API
  OQS_ERR_UNAUTHENTICATED: [401, 'log in first (a session cookie from POST /api/session, or HTTP Basic)'],
  OQS_ERR_BAD_CREDENTIALS: [401, 'account name or password is wrong'],
  OQS_ERR_TOO_MANY_ATTEMPTS: [429, 'too many failed logins; try again in %s s'],
  OQS_ERR_CSRF: [403, 'this request changes state and needs the session\'s CSRF token in the x-csrf-token header'],
  OQS_ERR_SETUP_DONE: [409, 'an administrator already exists; log in instead'],
  OQS_ERR_SETUP_TOKEN: [403, 'the setup token is wrong; use the one oqs-reader printed when it started'],
  OQS_ERR_ACCOUNT: [400, '%s'],
  OQS_ERR_BAD_REQUEST: [400, '%s'],
  OQS_ERR_STIMULUS_REFUSED: [409, 'the emulated reader refused the stimulus (%s): %s'],
  OQS_ERR_NOT_FOUND: [404, 'no route %s %s'],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrorCode = keyof typeof ERRORS;

export class OqsError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    ...args: Array<string | number>
  ) {
    const [status, template] = ERRORS[code];
    let i = 0;
    super(template.replace(/%s/g, () => String(args[i++] ?? '')));
    this.name = 'OqsError';
    this.statusCode = status;
  }

  static is(e: unknown, ...codes: ErrorCode[]): e is OqsError {
    return e instanceof OqsError && (codes.length === 0 || codes.includes(e.code));
  }
}
