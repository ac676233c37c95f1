import { Type } from '@fastify/type-provider-typebox';

/** Request and response schemas of the API; every route declares its own from these. */
export const ErrorBody = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String(),
  error: Type.String(),
  message: Type.String(),
  messageJa: Type.Optional(Type.String({ description: 'the same refusal in Japanese, as the screen shows staff' })),
  retryAfterSeconds: Type.Optional(Type.Integer({ minimum: 1, description: 'on 429: seconds until the account may try again (also in Retry-After)' })),
});

export const ModeName = Type.Union([Type.Literal('unattended'), Type.Literal('visual'), Type.Literal('pinOnly')]);

export const SwitchModeBody = Type.Object({ mode: Type.String({ maxLength: 32 }) }, { additionalProperties: false });

export const BeginVisualCheckBody = Type.Object(
  {
    confirmationDate: Type.Optional(Type.String({ maxLength: 32, description: '資格確認日, YYYY/MM/DD; today (JST) when left out' })),
    visuallyConfirmed: Type.Boolean({ description: '《目視で本人確認完了》 is checked' }),
  },
  { additionalProperties: false },
);

export const Stimulus = Type.Object(
  {
    action: Type.Union([
      Type.Literal('placeCard'),
      Type.Literal('chooseMethod'),
      Type.Literal('presentFace'),
      Type.Literal('enterPin'),
      Type.Literal('enterCorrectPin'),
      Type.Literal('enterWrongPin'),
      Type.Literal('answerConsent'),
      Type.Literal('removeCard'),
    ]),
    reader: Type.Optional(Type.Integer({ minimum: 0, maximum: 15 })),
    profile: Type.Optional(Type.String({ maxLength: 64 })),
    method: Type.Optional(Type.Union([Type.Literal('face'), Type.Literal('pin')])),
    condition: Type.Optional(Type.String({ maxLength: 32 })),
    pin: Type.Optional(Type.String({ pattern: '^[0-9]{4}$' })),
    choice: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('individual')])),
  },
  { additionalProperties: false },
);
