import { Type, type Static, type TProperties } from 'typebox';
import type { Validator } from 'typebox/compile';
import { schemaProblem } from './schema-problem';

/**
 * A patient's act at an emulated reader, defined once: the API body (POST /api/emulator/stimulus,
 * handed to the server by src/assembly.ts), the control channel's `stimulus` op, EmulatedReader
 * and the suite's steps all use this union. Its limits are shapes only; whether the reader can do
 * the act now (a card on it, the screen offering it, a known profile) is the reader's refusal
 * (simulator/errors.ts).
 */

/** At most this many readers on one host or terminal; `reader` names one of them. */
export const MAX_READERS = 16;

const reader = Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_READERS - 1, description: 'which reader (default 0)' }));
const name = (description: string) => Type.String({ maxLength: 64, description });

/** One act: its `action` tells the variants apart; every other field belongs to that action. */
const act = <const A extends string, P extends TProperties>(action: A, props: P, description: string) =>
  Type.Object({ action: Type.Literal(action), reader, ...props }, { additionalProperties: false, description });

export const PlaceCard = act(
  'placeCard',
  { profile: Type.Optional(name('card profile (GET /api/emulator lists them); default normal')) },
  'put a card on the reader',
);
export const ChooseMethod = act(
  'chooseMethod',
  { method: Type.Optional(Type.Union([Type.Literal('face'), Type.Literal('pin')], { description: 'default face' })) },
  'choose face or PIN',
);
export const PresentFace = act(
  'presentFace',
  { condition: Type.Optional(name("face condition (GET /api/emulator lists them); default the card's own")) },
  'face the camera',
);
export const EnterPin = act('enterPin', { pin: Type.String({ pattern: '^[0-9]{4}$', description: 'the 4 digits typed' }) }, 'type a PIN');
export const EnterCorrectPin = act('enterCorrectPin', {}, "type the card's own PIN");
export const EnterWrongPin = act('enterWrongPin', {}, 'type a PIN certainly wrong for the card');
export const AnswerConsent = act(
  'answerConsent',
  {
    choice: Type.Optional(Type.Union([Type.Literal('all'), Type.Literal('individual')], { description: 'default all' })),
    items: Type.Optional(Type.Integer({ minimum: 0, maximum: 7, description: 'with individual: 1 medication, 2 checkups, 4 highCost' })),
  },
  'answer the consent screen',
);
export const RemoveCard = act('removeCard', {}, 'take the card away');
export const ChooseVisualCheck = act('chooseVisualCheck', {}, 'staff choose 目視確認 on the reader (the 2025 reader-side flow)');
export const EnterFacilityPassword = act(
  'enterFacilityPassword',
  { password: Type.String({ minLength: 1, maxLength: 64, description: "the facility's 目視モード用パスワード typed on the reader (never logged)" }) },
  'staff type the 目視モード用パスワード on the reader',
);
export const ConfirmVisually = act('confirmVisually', {}, 'staff have checked the patient by sight and confirm on the reader');

const VARIANTS = [
  PlaceCard,
  ChooseMethod,
  PresentFace,
  EnterPin,
  EnterCorrectPin,
  EnterWrongPin,
  AnswerConsent,
  RemoveCard,
  ChooseVisualCheck,
  EnterFacilityPassword,
  ConfirmVisually,
] as const;

export const Stimulus = Type.Union([...VARIANTS], { description: "a patient's act at the emulated reader" });
export type Stimulus = Static<typeof Stimulus>;
export type StimulusAction = Stimulus['action'];

export const STIMULUS_ACTIONS: readonly StimulusAction[] = VARIANTS.map((v) => v.properties.action.const);

// Compiled at the first check, not at load: compiling nine validators costs a product that embeds
// the emulator ~0.1 s of CPU at every start, before any patient acts.
let compiled: { check: Validator; byAction: Map<string, Validator> } | null = null;
const validators = () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded with the first check (typebox/compile is ~80 ms of ESM to load)
  const { Compile } = require('typebox/compile') as typeof import('typebox/compile');
  return (compiled ??= { check: Compile(Stimulus), byAction: new Map<string, Validator>(VARIANTS.map((v) => [v.properties.action.const, Compile(v)])) });
};

/**
 * Why `value` is not a Stimulus (a message for a developer), or null when it is one. The compiled
 * checker decides; the message comes from the variant its `action` names, so it speaks of that
 * act's fields rather than of all eight.
 */
export function stimulusProblem(value: unknown): string | null {
  const { check, byAction } = validators();
  if (check.Check(value)) return null;
  const action = (value as { action?: unknown } | null)?.action;
  const variant = typeof action === 'string' ? byAction.get(action) : undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'a stimulus is an object with an "action"';
  if (!variant) return `"action" must be one of ${STIMULUS_ACTIONS.join(', ')}, got ${JSON.stringify(action)}`;
  return schemaProblem(variant, value, action as string);
}
