import { Type, type TSchema } from 'typebox';

/** A string enum with its type, as client generators want it. */
export const strings = <const V extends readonly string[]>(values: V, opts: Record<string, unknown> = {}) =>
  Type.Unsafe<V[number]>({ type: 'string', enum: [...values], ...opts });

/**
 * Request and response schemas of the API; every route declares its own from these. The ones with
 * an $id are shared: registered once (COMPONENTS), referenced with ref(), and listed under
 * components.schemas in the OpenAPI document.
 */
export const ErrorBody = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.String(),
    error: Type.String(),
    message: Type.String(),
    messageJa: Type.Optional(Type.String({ description: 'the same refusal in Japanese, as the screen shows staff' })),
    fault: Type.Union([Type.Literal('peer'), Type.Literal('caller'), Type.Literal('transport'), Type.Literal('internal')], {
      description:
        "whose fault: peer = the reader misbehaved or refused, caller = this request (input, login), transport = the reader's serial line or port, internal = the terminal",
    }),
    retryAfterSeconds: Type.Optional(Type.Integer({ minimum: 1, description: 'on 429: seconds until the account may try again (also in Retry-After)' })),
  },
  { $id: 'Error', description: 'Every refusal: code is from the one table (src/reader/errors.ts); nothing was changed.' },
);

export const MODES = ['unattended', 'visual', 'pinOnly'] as const;

export const ModeName = strings(MODES, { $id: 'Mode', description: 'unattended = 無人運転, visual = 目視確認, pinOnly = 暗証番号認証固定' });

export const SwitchModeBody = Type.Object(
  { mode: strings(MODES, { description: 'the mode to switch to (administrator only)' }) },
  { additionalProperties: false },
);

export const BeginVisualCheckBody = Type.Object(
  {
    confirmationDate: Type.Optional(Type.String({ maxLength: 32, description: '資格確認日, YYYY/MM/DD; today (JST) when left out' })),
    visuallyConfirmed: Type.Boolean({ description: '《目視で本人確認完了》 is checked' }),
  },
  { additionalProperties: false },
);

export const VisualPasswordBody = Type.Object(
  {
    password: Type.String({ minLength: 6, maxLength: 64, description: "the facility's 目視モード用パスワード (kept only as a verifier; never logged)" }),
    maxWrong: Type.Optional(Type.Integer({ minimum: 1, maximum: 10, description: 'wrong entries in a row that lock the reader-side 目視確認 (default 5)' })),
    lockMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 240, description: 'how long the lock lasts, in minutes (default 10)' })),
  },
  { additionalProperties: false },
);

const nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const iso = (description: string) => Type.String({ format: 'date-time', description });

// Response objects are open (additionalProperties: true): a field the terminal adds later is sent,
// not silently dropped by the serializer; the fields named here are always there.

/** A reference to a shared schema (its static type is left to the route's handler). */
export const ref = (schema: TSchema & { $id?: string }) => Type.Unsafe<unknown>({ $ref: `${schema.$id}#` });

export const ModeChange = Type.Object(
  { from: ref(ModeName), to: ref(ModeName), by: Type.String({ description: 'account' }), at: iso('when') },
  { additionalProperties: true, $id: 'ModeChange', description: 'one entry of the mode-change audit trail' },
);

export const ConfirmationRecord = Type.Object(
  {
    id: Type.String({ description: '<reader serial>:<txId>' }),
    outcome: strings(['confirmed', 'failed']),
    method: nullable(strings(['face', 'pin', 'visual'])),
    failReason: nullable(Type.String()),
    confirmationDate: Type.String({ description: '資格確認日, YYYY/MM/DD' }),
    operator: nullable(Type.String({ description: 'the account that confirmed by sight (visual checks)' })),
    reader: Type.Object({ vendor: Type.String(), model: Type.String(), serial: Type.String() }),
    cardId: nullable(Type.String({ description: "the reader's one-way card id (never a 個人番号)" })),
    consent: nullable(strings(['all', 'individual'])),
    readerSide: Type.Optional(Type.Literal(true, { description: '目視確認 done on the reader itself (the 2025 flow); absent otherwise' })),
    startedAt: iso('start of the check'),
    finishedAt: iso('end of the check'),
  },
  { additionalProperties: true, $id: 'ConfirmationRecord', description: 'one identity confirmation; never a PIN, an image, 照合番号 or 個人番号' },
);

export const VisualCheckView = Type.Object(
  {
    state: strings(['idle', 'awaitingCard', 'awaitingConfirmation', 'executing', 'completed']),
    checkId: Type.Integer(),
    confirmationDate: nullable(Type.String()),
    operator: nullable(Type.String()),
    txId: nullable(Type.Integer()),
    record: nullable(ref(ConfirmationRecord)),
    lastFailure: nullable(Type.String({ description: 'why the last card did not go through, in Japanese' })),
  },
  { additionalProperties: true, $id: 'VisualCheck', description: 'the visual check (目視確認) in progress' },
);

export const Alert = Type.Object(
  {
    code: Type.String(),
    message: Type.String({ description: 'Japanese, for staff' }),
    path: Type.Optional(Type.String({ description: 'the reader port' })),
    until: Type.Optional(iso('when it ends by itself (visualPasswordLocked)')),
    cause: Type.Optional(
      Type.Object(
        {
          code: Type.String({ description: 'an error code of the one table (src/reader/errors.ts; listed in docs/steps.md)' }),
          message: Type.String({ description: 'Japanese, for staff' }),
        },
        { description: 'why: the reader cannot be reached (readerNotConnected, readerDisconnected), or an outcome could not be saved (recordNotSaved)' },
      ),
    ),
  },
  { additionalProperties: true, $id: 'Alert' },
);

export const VisualPasswordView = Type.Object(
  {
    set: Type.Boolean({ description: 'a 目視モード用パスワード is set' }),
    maxWrong: Type.Integer(),
    lockMinutes: Type.Integer(),
    setBy: nullable(Type.String()),
    setAt: nullable(iso('when it was set')),
  },
  {
    additionalProperties: true,
    $id: 'VisualPassword',
    description: 'the reader-side 目視確認 password: whether set, and its wrong-entry rule (never the password or its verifier)',
  },
);

const ReaderIdentity = {
  protocolVersion: Type.Integer(),
  vendor: Type.String(),
  model: Type.String(),
  firmware: Type.String(),
  serial: Type.String(),
  capabilities: Type.Array(Type.String()),
};

export const Status = Type.Object(
  {
    mode: ref(ModeName),
    modeLabel: Type.String({ description: 'the mode in Japanese' }),
    readerSoftwareInstalled: Type.Boolean(),
    readers: Type.Array(
      Type.Object(
        {
          path: Type.String(),
          ...ReaderIdentity,
          screen: nullable(Type.String()),
          modePending: Type.Boolean(),
          link: Type.Optional(
            Type.Object(
              { commandRetries: Type.Integer(), duplicateEvents: Type.Integer(), badFrames: Type.Integer() },
              { additionalProperties: true, description: 'link statistics since the reader was attached' },
            ),
          ),
        },
        { additionalProperties: true },
      ),
    ),
    published: Type.Integer({ description: "events published so far (the live stream's last event id)" }),
    connectionPattern: Type.Object({ id: Type.Integer(), label: Type.String(), visualCheckAllowed: Type.Boolean(), qualificationInquiryMenu: Type.Boolean() }),
    menu: Type.Object({ readerOperation: Type.Boolean(), qualificationInquiry: Type.Boolean() }),
    visualCheck: ref(VisualCheckView),
    alerts: Type.Array(ref(Alert)),
    visualPassword: Type.Optional(ref(VisualPasswordView)),
    today: Type.Optional(Type.String({ description: 'today in Japan, YYYY/MM/DD (GET /api/status and the first event)' })),
    emulated: Type.Optional(Type.Boolean({ description: 'the reader is the embedded emulator (GET /api/status and the first event)' })),
  },
  { additionalProperties: true, $id: 'Status', description: "the terminal's mode, readers, visual check and alerts" },
);

export const SessionBody = Type.Object(
  { account: Type.String(), role: strings(['admin', 'general']), csrfToken: Type.String({ description: 'send it back in x-csrf-token on every change' }) },
  { additionalProperties: true, $id: 'Session' },
);

export const Account = Type.Object({ account: Type.String(), role: strings(['admin', 'general']) }, { additionalProperties: true, $id: 'Account' });

/** The shared schemas, registered with app.addSchema() before any route. */
export const COMPONENTS = [ErrorBody, ModeName, ModeChange, ConfirmationRecord, VisualCheckView, Alert, VisualPasswordView, Status, SessionBody, Account];
