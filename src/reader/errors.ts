import type { CommandName, Fault, StatusName } from '../protocol';

/**
 * The product's one table of error codes (reader link, terminal rules, API). Each code has an
 * HTTP status for the API, a fault class (whose fault it is: `peer` the reader misbehaved or
 * refused, `caller` bad input or auth from the API's user, `transport` the serial line or port,
 * `internal` this terminal failed) and a message that says what was expected; %s are filled in order.
 * One code per line, however long its message: prettier leaves the table as written.
 */
// prettier-ignore
export const ERRORS = {
  // reader link
  OQS_ERR_READER_TIMEOUT: [504, 'peer', 'the reader did not answer "%s" within %s ms'],
  OQS_ERR_READER_REFUSED: [502, 'peer', 'the reader refused "%s" with status %s'],
  OQS_ERR_READER_DISCONNECTED: [503, 'transport', 'the reader link is closed; "%s" was not sent'],
  OQS_ERR_READER_PROTOCOL: [502, 'peer', 'the reader speaks protocol version %s; this terminal needs version %s'],
  OQS_ERR_READER_BUSY: [409, 'peer', 'the reader is in the middle of a patient\'s check; try again when the patient has finished or removed the card'],
  OQS_ERR_PORT_OPEN: [503, 'transport', 'could not open serial port %s: %s'],
  /** On the link's 'linkError' stream only (not an API answer): the open port reported an error. */
  OQS_ERR_PORT: [503, 'transport', 'the serial port reported an error: %s'],
  // network links (docs/network-links.md): tcp:// and rfc2217:// reader ports
  OQS_ERR_NET_ADDRESS: [400, 'caller', 'the reader port %s is not a network address this terminal understands (%s); write tcp://HOST:PORT or rfc2217://HOST:PORT'],
  OQS_ERR_NET_CONNECT: [503, 'transport', 'could not connect to the reader at %s: %s'],
  OQS_ERR_NET_CLOSED: [503, 'transport', 'the peer at %s closed the connection (%s)'],
  OQS_ERR_NET_TELNET: [502, 'peer', 'the peer at %s sent bad Telnet (%s): %s; the connection is dropped'],
  OQS_ERR_NET_NEGOTIATION: [504, 'peer', 'the peer at %s did not agree to RFC 2217 (COM-PORT-OPTION): %s; is it a serial server with RFC 2217 on, or a raw port (tcp://)?'],
  OQS_ERR_NET_NOISE: [502, 'peer', 'the peer at %s sent %s bytes of 0xFF in a row (line noise or a broken serial server); the connection is dropped'],
  // terminal rules
  OQS_ERR_NO_READER: [409, 'transport', 'no face-auth card reader is connected; 本人認証用カードリーダーソフト must be installed and a reader connected'],
  OQS_ERR_READER_SOFTWARE_MISSING: [404, 'caller', '《顔認証付きカードリーダー操作》 is shown only when 本人認証用カードリーダーソフト is installed'],
  OQS_ERR_ADMIN_REQUIRED: [403, 'caller', 'only an administrator account (管理者アカウント) may %s; %s is a %s account'],
  OQS_ERR_UNKNOWN_MODE: [400, 'caller', 'mode must be one of unattended (無人運転), visual (目視確認), pinOnly (暗証番号認証固定); got "%s"'],
  OQS_ERR_VISUAL_SINGLE_READER: [409, 'caller', '目視確認 needs exactly one face-auth reader on this terminal (1 terminal : 1 reader); %s are connected'],
  OQS_ERR_PATTERN_NOT_ALLOWED: [409, 'caller', 'connection pattern %s does not allow 目視確認 (see docs/connection-patterns.md)'],
  OQS_ERR_NOT_VISUAL_MODE: [409, 'caller', 'a visual check needs 目視確認 mode; the current mode is %s'],
  OQS_ERR_DATE_FORMAT: [400, 'caller', '資格確認日 must be a calendar date written YYYY/MM/DD with slashes (e.g. 2020/10/30); got "%s": %s'],
  OQS_ERR_DATE_FUTURE: [400, 'caller', '資格確認日 %s is in the future; use today (%s) or an earlier date'],
  OQS_ERR_DATE_RANGE: [400, 'caller', '資格確認日 %s is out of range; the accepted range is 1900/01/01 to today (%s)'],
  OQS_ERR_NOT_VISUALLY_CONFIRMED: [400, 'caller', '《目視で本人確認完了》 must be checked (☑) before the card is read'],
  OQS_ERR_VISUAL_CHECK_STATE: [409, 'caller', 'the visual check is %s; %s is not possible now'],
  OQS_ERR_MENU_PATTERN: [404, 'caller', '資格情報照会（マイナンバーカード） is offered from the menu only in connection pattern 2; this terminal is pattern %s'],
  // result files for the レセコン (docs/result-files.md)
  OQS_ERR_RESULT_CONFIG: [400, 'caller', 'result files: %s'],
  OQS_ERR_RESULT_WRITE: [500, 'internal', 'could not write the result file %s: %s'],
  // store
  OQS_ERR_BAD_CURSOR: [400, 'caller', 'the page cursor "%s" is not one this terminal gave out (for this order); start again without a cursor'],
  OQS_ERR_STORE_OPEN: [500, 'internal', 'could not open the record store %s: %s'],
  OQS_ERR_STORE_WRITE: [500, 'internal', 'could not save to the record store %s: %s'],
  // records API (docs/api.md: paging, export, retention)
  OQS_ERR_RECORDS_RANGE: [400, 'caller', 'the range is not valid: %s; from and to are each a day in Japan (YYYY-MM-DD, to includes that day) or an instant (ISO 8601 with Z or an offset), from before to, and day=today goes alone'],
  OQS_ERR_PAGE_LIMIT: [400, 'caller', 'limit must be a whole number from 1 to %s; got "%s"'],
  OQS_ERR_PAGE_ORDER: [400, 'caller', 'order must be oldest or newest; got "%s"'],
  OQS_ERR_EXPORT_FORMAT: [400, 'caller', 'the export %s must be one of %s; got "%s"'],
  OQS_ERR_RETENTION: [400, 'caller', 'the retention period must be a whole number of days from %s to %s; got "%s"'],
  // API
  OQS_ERR_UNAUTHENTICATED: [401, 'caller', 'log in first (a session cookie from POST /api/session, or HTTP Basic)'],
  OQS_ERR_BAD_CREDENTIALS: [401, 'caller', 'account name or password is wrong'],
  OQS_ERR_TOO_MANY_ATTEMPTS: [429, 'caller', 'too many failed logins; try again in %s s'],
  OQS_ERR_CSRF: [403, 'caller', 'this request changes state and needs the session\'s CSRF token in the x-csrf-token header'],
  OQS_ERR_SETUP_DONE: [409, 'caller', 'an administrator already exists; log in instead'],
  OQS_ERR_SETUP_TOKEN: [403, 'caller', 'the setup token is wrong; use the one oqs-reader printed when it started'],
  OQS_ERR_ACCOUNT: [400, 'caller', '%s'],
  OQS_ERR_BAD_REQUEST: [400, 'caller', '%s'],
  OQS_ERR_STIMULUS_REFUSED: [409, 'caller', 'the emulated reader refused the stimulus (%s): %s'],
  OQS_ERR_NOT_FOUND: [404, 'caller', 'no route %s %s'],
  OQS_ERR_METHOD_NOT_ALLOWED: [405, 'caller', '%s is not allowed on %s; allowed: %s'],
  OQS_ERR_BODY_TOO_LARGE: [413, 'caller', 'the request body is larger than %s bytes'],
  OQS_ERR_UNSUPPORTED_MEDIA_TYPE: [415, 'caller', 'send the body as application/json; got "%s"'],
  OQS_ERR_CONTENT_LENGTH: [400, 'caller', 'the request body does not match its Content-Length header (%s)'],
  OQS_ERR_BAD_URL: [400, 'caller', 'the URL %s is not valid (bad percent-encoding)'],
  OQS_ERR_HEADERS_TOO_LARGE: [431, 'caller', 'the request headers are larger than %s bytes; send fewer or smaller cookies or headers'],
  OQS_ERR_REQUEST_TIMEOUT: [408, 'caller', 'the request did not arrive in time'],
  OQS_ERR_FORBIDDEN_PATH: [403, 'caller', 'the file %s may not be served'],
  OQS_ERR_FOREIGN_HOST: [403, 'caller', 'this terminal does not answer to host "%s" (a guard against DNS rebinding); use 127.0.0.1 or localhost, or start it with that name allowed'],
  OQS_ERR_FOREIGN_ORIGIN: [403, 'caller', 'a change from origin "%s" is refused; changes come only from pages at %s'],
  OQS_ERR_INTERNAL: [500, 'internal', 'internal error; see the terminal log'],
  /** Printed by scripts/build.cjs, which runs before anything is compiled and so cannot read this table. */
  OQS_ERR_NOT_BUILT: [500, 'internal', 'TypeScript is not installed and there is no dist/; run npm ci with the devDependencies'],
} as const satisfies Record<string, readonly [number, Fault, string]>;

export type ErrorCode = keyof typeof ERRORS;

/**
 * The table's Japanese column: what clinic staff read for each code (the screen shows it, with the
 * code small beside it). %1, %2 … are the same arguments as the English message's %s, by position.
 */
export const ERRORS_JA: { readonly [C in ErrorCode]: string } = {
  OQS_ERR_READER_TIMEOUT: '顔認証付きカードリーダーが応答しません。ケーブルと電源を確認してください。',
  OQS_ERR_READER_REFUSED: '顔認証付きカードリーダーが操作を受け付けませんでした。',
  OQS_ERR_READER_DISCONNECTED: '顔認証付きカードリーダーとの接続が切れています。',
  OQS_ERR_READER_PROTOCOL: 'この顔認証付きカードリーダーの通信方式（バージョン %1）には対応していません。',
  OQS_ERR_READER_BUSY: 'リーダーで患者が本人確認中です。終わってから（またはカードが取り外されてから）操作してください。',
  OQS_ERR_PORT_OPEN: 'シリアルポート %1 を開けません。',
  OQS_ERR_PORT: 'シリアルポートでエラーが起きました。ケーブルを確認してください。',
  OQS_ERR_NET_ADDRESS: 'リーダーの接続先 %1 の書き方が正しくありません（tcp://ホスト:ポート または rfc2217://ホスト:ポート）。',
  OQS_ERR_NET_CONNECT: 'ネットワーク上の顔認証付きカードリーダー（%1）に接続できません。シリアルサーバーの電源とネットワークを確認してください。',
  OQS_ERR_NET_CLOSED: 'ネットワーク上の顔認証付きカードリーダー（%1）との接続が切れました。',
  OQS_ERR_NET_TELNET: 'ネットワーク上の顔認証付きカードリーダー（%1）から正しくないデータを受信したため、接続し直します。',
  OQS_ERR_NET_NEGOTIATION: 'シリアルサーバー（%1）が RFC 2217 の接続手順に応答しません。シリアルサーバーの設定を確認してください。',
  OQS_ERR_NET_NOISE: 'ネットワーク上の顔認証付きカードリーダー（%1）から雑音のようなデータが続いたため、接続し直します。',
  OQS_ERR_NO_READER: '顔認証付きカードリーダーが接続されていません。',
  OQS_ERR_READER_SOFTWARE_MISSING: '本人認証用カードリーダーソフトがインストールされていないため、《顔認証付きカードリーダー操作》は使用できません。',
  OQS_ERR_ADMIN_REQUIRED: 'この操作は管理者アカウントでのみ行えます（%2 は一般アカウントです）。',
  OQS_ERR_UNKNOWN_MODE: '運転モードは 無人運転・目視確認・暗証番号認証固定 のいずれかです。',
  OQS_ERR_VISUAL_SINGLE_READER: '目視確認モードは、資格確認端末1台に顔認証付きカードリーダー1台のときだけ使用できます（接続中：%1台）。',
  OQS_ERR_PATTERN_NOT_ALLOWED: 'この接続パターン（%1）では目視確認モードを使用できません。',
  OQS_ERR_NOT_VISUAL_MODE: '目視確認モードではありません（現在のモード：%1）。',
  OQS_ERR_DATE_FORMAT: '資格確認日「%1」は受け付けられません。%2',
  OQS_ERR_DATE_FUTURE: '資格確認日「%1」は未来の日付です。本日（%2）以前の日付を入力してください。',
  OQS_ERR_DATE_RANGE: '資格確認日「%1」は範囲外です。1900/01/01 から本日（%2）までの日付を入力してください。',
  OQS_ERR_NOT_VISUALLY_CONFIRMED: '《目視で本人確認完了》をチェック（☑）してください。',
  OQS_ERR_VISUAL_CHECK_STATE: '今はこの操作はできません。画面の表示を確認してください。',
  OQS_ERR_MENU_PATTERN: '資格情報照会（マイナンバーカード）は、接続パターン2のときだけメニューから使用できます（この端末：パターン%1）。',
  OQS_ERR_RESULT_CONFIG: 'レセコン向け結果ファイルの設定が正しくありません（%1）。',
  OQS_ERR_RESULT_WRITE: 'レセコン向け結果ファイル %1 を書き込めませんでした。出力先フォルダを確認してください。',
  OQS_ERR_BAD_CURSOR: 'ページの指定が正しくありません。最初のページから表示し直してください。',
  OQS_ERR_STORE_OPEN: '本人確認の記録を保存するファイル（%1）を開けません。端末の管理者に連絡してください。',
  OQS_ERR_STORE_WRITE: '記録を保存できません（%1）。ディスクの空きを確認し、端末の管理者に連絡してください。',
  OQS_ERR_RECORDS_RANGE: '期間の指定が正しくありません。日付は YYYY-MM-DD（日本時間の日）か ISO 8601 の時刻で書き、開始を終了より前にしてください。',
  OQS_ERR_PAGE_LIMIT: '一度に表示する件数は 1 から %1 件までです。',
  OQS_ERR_PAGE_ORDER: '表示順の指定が正しくありません（oldest：古い順、newest：新しい順）。',
  OQS_ERR_EXPORT_FORMAT: '出力形式の指定が正しくありません（%2 のいずれか）。',
  OQS_ERR_RETENTION: '記録の保存期間は %1 日から %2 日までの日数で指定してください。',
  OQS_ERR_UNAUTHENTICATED: 'ログインしてください。',
  OQS_ERR_BAD_CREDENTIALS: 'アカウントまたはパスワードが違います。',
  OQS_ERR_TOO_MANY_ATTEMPTS: 'ログインの失敗が続いたため、あと %1 秒はログインできません。',
  OQS_ERR_CSRF: '画面を読み込み直してから、もう一度操作してください。',
  OQS_ERR_SETUP_DONE: '管理者アカウントは作成済みです。ログインしてください。',
  OQS_ERR_SETUP_TOKEN: 'セットアップトークンが違います。端末の起動時に表示されたトークンを入力してください。',
  OQS_ERR_ACCOUNT: 'このアカウントは作成できません（アカウント名は半角英数字と . _ - で32文字まで、パスワードは8文字以上）。',
  OQS_ERR_BAD_REQUEST: '入力の形式が正しくありません。',
  OQS_ERR_STIMULUS_REFUSED: 'リーダーは今その操作を受け付けません：%2',
  OQS_ERR_NOT_FOUND: 'そのページはありません。',
  OQS_ERR_METHOD_NOT_ALLOWED: 'この操作はできません。',
  OQS_ERR_BODY_TOO_LARGE: '送信された内容が大きすぎます。',
  OQS_ERR_UNSUPPORTED_MEDIA_TYPE: '送信された内容の形式には対応していません。',
  OQS_ERR_CONTENT_LENGTH: '送信された内容が途中で途切れたか、長さが合いません。もう一度操作してください。',
  OQS_ERR_BAD_URL: 'そのアドレスは正しくありません。',
  OQS_ERR_HEADERS_TOO_LARGE: '要求が大きすぎます。ブラウザのCookieを削除してから、もう一度操作してください。',
  OQS_ERR_REQUEST_TIMEOUT: '通信が時間内に終わりませんでした。もう一度操作してください。',
  OQS_ERR_FORBIDDEN_PATH: 'このファイルは表示できません。',
  OQS_ERR_FOREIGN_HOST: 'このアドレス（%1）からは操作できません。資格確認端末で操作画面を開いてください。',
  OQS_ERR_FOREIGN_ORIGIN: 'ほかの画面やサイトからの操作は受け付けません。操作画面から操作してください。',
  OQS_ERR_INTERNAL: '端末で問題が起きました。もう一度操作してください。',
  OQS_ERR_NOT_BUILT: 'oqs-reader がビルドされていません。開発用の依存パッケージを入れて npm ci を実行してください。',
};

/** An argument of a message; one with both languages fills each message with its own. */
export type ErrorArg = string | number | { en: string; ja: string };

function fill(template: string, args: ErrorArg[], lang: 'en' | 'ja'): string {
  const text = (a: ErrorArg | undefined) => (a === undefined ? '' : typeof a === 'object' ? a[lang] : String(a));
  let i = 0;
  return template.replace(/%(s|[1-9])/g, (_m, p: string) => text(p === 's' ? args[i++] : args[Number(p) - 1]));
}

export class OqsError extends Error {
  readonly statusCode: number;
  /** Whose fault it is (the table's fault column). */
  readonly fault: Fault;
  /** The same refusal in Japanese, for staff (ERRORS_JA). */
  readonly messageJa: string;
  constructor(
    readonly code: ErrorCode,
    ...args: ErrorArg[]
  ) {
    const [status, fault, template] = ERRORS[code];
    super(fill(template, args, 'en'));
    this.name = 'OqsError';
    this.statusCode = status;
    this.fault = fault;
    this.messageJa = fill(ERRORS_JA[code], args, 'ja');
  }

  /** A refusal another process sent in its API body, as the same typed error (code and texts kept). */
  static fromBody(body: { code: string; message: string; messageJa?: string }): OqsError {
    const e = new OqsError(Object.hasOwn(ERRORS, body.code) ? (body.code as ErrorCode) : 'OQS_ERR_INTERNAL');
    return Object.assign(e, { message: body.message, messageJa: body.messageJa ?? e.messageJa });
  }

  static is(e: unknown, ...codes: ErrorCode[]): e is OqsError {
    return e instanceof OqsError && (codes.length === 0 || codes.includes(e.code));
  }
}

/** The reader answered a command with a status other than ok: the status is typed, so no caller casts. */
export class ReaderRefusedError extends OqsError {
  declare readonly code: 'OQS_ERR_READER_REFUSED';
  constructor(
    readonly command: CommandName,
    readonly status: Exclude<StatusName, 'ok'>,
  ) {
    super('OQS_ERR_READER_REFUSED', command, status);
    this.name = 'ReaderRefusedError';
  }
}
