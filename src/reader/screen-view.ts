import { Type, type Static } from 'typebox';

/**
 * What the 顔認証付きカードリーダー操作 screen shows, as data: OperationScreen.view() builds it,
 * GET /api/screen serves it, and the browser only renders it. Every Japanese word the page shows
 * (beyond its static chrome in index.html) is in here. The schema is the shape, defined once.
 */
const Mode = Type.Union([Type.Literal('unattended'), Type.Literal('visual'), Type.Literal('pinOnly')]);

export const ScreenModeButton = Type.Object({
  mode: Mode,
  label: Type.String({ description: '無人運転 / 目視確認 / 暗証番号認証固定' }),
  green: Type.Boolean({ description: 'the mode in force (P104-2)' }),
  enabled: Type.Boolean({ description: 'false for a 一般 account: only 管理者 may switch' }),
});

export const ScreenDialogAction = Type.Union([Type.Literal('ok'), Type.Literal('cancel')]);

export const ScreenDialog = Type.Object({
  kind: Type.Union([Type.Literal('confirmSwitch'), Type.Literal('switchDone'), Type.Literal('confirmVisual'), Type.Literal('visualDone')]),
  mode: Type.Union([Mode, Type.Null()]),
  title: Type.String(),
  message: Type.String({ description: "the manual's wording" }),
  detail: Type.Union([Type.String(), Type.Null()]),
  warning: Type.Union([Type.String({ description: 'e.g. an armed visual check that switching cancels' }), Type.Null()]),
  actions: Type.Array(ScreenDialogAction, { description: "['ok'] or ['ok','cancel']: a dialog without cancel is not dismissed" }),
  busy: Type.Boolean({ description: 'the reader is answering; OK/cancel wait' }),
});

export const ScreenError = Type.Object({
  code: Type.String({ description: 'from src/reader/errors.ts' }),
  message: Type.String({ description: 'Japanese, for staff (ERRORS_JA)' }),
  field: Type.Union([Type.Union([Type.Literal('mode'), Type.Literal('date'), Type.Literal('check'), Type.Literal('visualPassword')]), Type.Null()]),
});

export const ScreenAlert = Type.Object({
  code: Type.String(),
  message: Type.String(),
  level: Type.Union([Type.Literal('warn'), Type.Literal('alarm')]),
  cause: Type.Optional(Type.Object({ code: Type.String(), message: Type.String({ description: 'Japanese, for staff' }) })),
});

export const ScreenEvent = Type.Object({
  at: Type.String({ description: 'HH:MM:SS JST' }),
  text: Type.String(),
  tone: Type.Union([Type.Literal(''), Type.Literal('good'), Type.Literal('bad')]),
});

export const ScreenRecord = Type.Object({
  id: Type.String(),
  at: Type.String({ description: 'HH:MM:SS JST' }),
  method: Type.String(),
  result: Type.String(),
  confirmationDate: Type.String(),
  operator: Type.String(),
  consent: Type.String(),
  failed: Type.Boolean(),
});

export const ScreenView = Type.Object({
  user: Type.Object({ account: Type.String(), role: Type.String(), roleLabel: Type.String() }),
  mode: Mode,
  modeText: Type.String({ description: '現在のモード：…モード' }),
  buttons: Type.Array(ScreenModeButton),
  dialog: Type.Union([ScreenDialog, Type.Null()]),
  visualItems: Type.Object({
    enabled: Type.Boolean({ description: 'only in 目視確認 mode' }),
    date: Type.String({ description: '資格確認日 as the field shows it' }),
    today: Type.String({ description: "today's JST date, the calendar's maximum" }),
    earliest: Type.String({ description: "the calendar's minimum" }),
    visuallyConfirmed: Type.Boolean(),
    state: Type.Union([
      Type.Literal('idle'),
      Type.Literal('awaitingCard'),
      Type.Literal('awaitingConfirmation'),
      Type.Literal('executing'),
      Type.Literal('completed'),
    ]),
    status: Type.String({ description: 'a line for staff on where the check is' }),
  }),
  visualPassword: Type.Object(
    {
      set: Type.Boolean(),
      text: Type.String({ description: 'whether the 目視モード用パスワード is set, and its wrong-entry rule, in Japanese' }),
      canSet: Type.Boolean({ description: 'only 管理者 may set it' }),
    },
    { description: 'the reader-side 目視確認 (the 2025 flow)' },
  ),
  error: Type.Union([ScreenError, Type.Null()]),
  notice: Type.Union([Type.String(), Type.Null()]),
  alerts: Type.Array(ScreenAlert),
  reader: Type.Object({ identity: Type.String(), screen: Type.String() }),
  events: Type.Array(ScreenEvent, { description: 'newest first, at most 40' }),
  eventsEmpty: Type.String(),
  records: Type.Array(ScreenRecord, { description: "today's confirmations, newest first" }),
  recordsEmpty: Type.String(),
});
export type ScreenView = Static<typeof ScreenView>;
export type ScreenDialogView = Static<typeof ScreenDialog>;
export type ScreenModeButtonView = Static<typeof ScreenModeButton>;

/** POST /api/screen/actions: one of OperationScreen's methods, by name. */
export const ScreenAction = Type.Union([
  Type.Object({ action: Type.Literal('clickMode'), mode: Type.String({ maxLength: 32 }) }, { additionalProperties: false }),
  Type.Object({ action: Type.Literal('ok') }, { additionalProperties: false }),
  Type.Object({ action: Type.Literal('cancel') }, { additionalProperties: false }),
  Type.Object({ action: Type.Literal('setDate'), text: Type.String({ maxLength: 32 }) }, { additionalProperties: false }),
  Type.Object({ action: Type.Literal('setVisuallyConfirmed'), value: Type.Boolean() }, { additionalProperties: false }),
  // The terminal checks the password and the rule (OQS_ERR_BAD_REQUEST shown on the screen); it keeps a verifier only.
  Type.Object(
    {
      action: Type.Literal('setVisualPassword'),
      password: Type.String({ maxLength: 256 }),
      maxWrong: Type.Optional(Type.Integer()),
      lockMinutes: Type.Optional(Type.Integer()),
    },
    { additionalProperties: false },
  ),
]);
export type ScreenAction = Static<typeof ScreenAction>;
