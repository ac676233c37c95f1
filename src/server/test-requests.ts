/**
 * The requests api.fuzz.test.ts sends (not a test file itself): arbitrary JSON, strings, wrong
 * types, huge bodies, malformed JSON, wrong content types and dates of every shape, to each route
 * the fuzz covers, with every kind of credential.
 */
import fc from 'fast-check';
import { basic } from './test-server';

export type AuthKind =
  'none' | 'sessionAdmin' | 'sessionStaff' | 'sessionNoCsrf' | 'sessionBadCsrf' | 'badCookie' | 'basicAdmin' | 'basicStaff' | 'basicWrong' | 'basicGarbage';

/** A huge body is described, not carried, so a counterexample stays readable. */
export type Body =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown }
  | { kind: 'raw'; text: string; type: string }
  | { kind: 'huge'; chars: number; as: 'text' | 'field'; type: string };

export interface Req {
  method: 'PUT' | 'POST' | 'DELETE';
  url: string;
  auth: AuthKind;
  /** For basicWrong / basicGarbage. */
  credential: string;
  body: Body;
}

export type Sessions = Partial<Record<'admin' | 'staff', { cookie: string; csrf: string }>>;
export type Passwords = Record<'admin' | 'staff', string>;

/** What requests are made of besides constants: the server's world. */
export interface RequestWorld {
  /** The terminal's clock: 資格確認日 around today. */
  now(): number;
  passwords: Passwords;
  /** The emulator's card profiles and face conditions, by name. */
  profiles: string[];
  conditions: string[];
  /** The stimulus body schema's acts (simulator/stimulus.ts, a union of one object per act). */
  acts: ReadonlyArray<{ properties: { action: { const: string } } }>;
}

const ACTIONS = ['placeCard', 'chooseMethod', 'presentFace', 'enterPin', 'enterCorrectPin', 'enterWrongPin', 'answerConsent', 'removeCard'];
const MODES = ['unattended', 'visual', 'pinOnly'];

const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 30, maxLength: 300 }) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\u0000', '__proto__', 'constructor', '%s%s%s', '${x}', '<script>', '../../etc/passwd', '\ud800') },
);
const wrongType = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
);
const anyJson = fc.jsonValue({ maxDepth: 3 });
/** An object with an extra key next to otherwise valid ones (removeAdditional is off). */
const withExtra = (base: fc.Arbitrary<Record<string, unknown>>) =>
  fc.tuple(base, fc.string({ minLength: 1, maxLength: 10 }), anyJson).map(([b, k, v]) => (k in b ? b : { ...b, [k]: v }));

const pad = (n: number, w: number) => String(n).padStart(w, '0');

const modeBody: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      mode: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...MODES) }, { weight: 2, arbitrary: text }, { weight: 1, arbitrary: wrongType }),
    }),
  },
  { weight: 1, arbitrary: withExtra(fc.record({ mode: fc.constantFrom(...MODES) })) },
  { weight: 1, arbitrary: anyJson },
);

const rawBody: fc.Arbitrary<Body> = fc.oneof(
  fc.record({
    kind: fc.constant('raw' as const),
    text: fc.oneof(text, fc.constantFrom('{', '{"mode":', '[', 'null', '""', '{"a":1}{', '\u0000')),
    type: fc.constant('application/json'),
  }),
  // Over the 16 KiB body limit (or just under it), as raw text or as every string field.
  fc.record({
    kind: fc.constant('huge' as const),
    chars: fc.oneof(fc.integer({ min: 5_000, max: 16_000 }), fc.integer({ min: 16_000, max: 200_000 })),
    as: fc.constantFrom('text' as const, 'field' as const),
    type: fc.constantFrom('application/json', 'text/plain'),
  }),
  fc.record({
    kind: fc.constant('raw' as const),
    text: fc.oneof(text, fc.constant('mode=visual')),
    type: fc.constantFrom(
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=utf-16',
      'application/xml',
      '',
    ),
  }),
);

const json = (value: fc.Arbitrary<unknown>): fc.Arbitrary<Body> =>
  fc.oneof(
    { weight: 6, arbitrary: value.map((v) => ({ kind: 'json' as const, value: v })) },
    { weight: 1, arbitrary: rawBody },
    { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
  );

const authKind: fc.Arbitrary<AuthKind> = fc.oneof(
  { weight: 8, arbitrary: fc.constant('none' as const) },
  { weight: 24, arbitrary: fc.constant('sessionAdmin' as const) },
  { weight: 20, arbitrary: fc.constant('sessionStaff' as const) },
  { weight: 2, arbitrary: fc.constant('sessionNoCsrf' as const) },
  { weight: 2, arbitrary: fc.constant('sessionBadCsrf' as const) },
  { weight: 2, arbitrary: fc.constant('badCookie' as const) },
  // These three cost a scrypt each.
  { weight: 1, arbitrary: fc.constant('basicAdmin' as const) },
  { weight: 1, arbitrary: fc.constant('basicStaff' as const) },
  { weight: 1, arbitrary: fc.constant('basicWrong' as const) },
  { weight: 3, arbitrary: fc.constant('basicGarbage' as const) },
);

/** One request to any of the fuzzed routes, with any credential. */
export function requests(w: RequestWorld): fc.Arbitrary<Req> {
  /** 資格確認日 of every shape: valid (past, today, future), impossible, and mis-written. */
  const dateText = fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .tuple(fc.integer({ min: 1890, max: 2100 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }))
        .map(([y, m, d]) => `${pad(y, 4)}/${pad(m, 2)}/${pad(d, 2)}`),
    },
    {
      weight: 3,
      arbitrary: fc
        .integer({ min: -400, max: 3 })
        .map((days) => new Date(w.now() + 9 * 3600_000 + days * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '/')),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '2024/02/29',
        '2025/02/29',
        '2026/2/3',
        '2026-11-24',
        '20261124',
        '2026/11/24 ',
        ' 2026/11/24',
        '２０２６/１１/２４',
        '2026／11／24',
        '令和8/11/24',
        '0000/01/01',
        '9999/12/31',
        '2026/11/24\n',
        '',
      ),
    },
    { weight: 1, arbitrary: text },
    { weight: 1, arbitrary: wrongType },
  );

  const visualBody: fc.Arbitrary<unknown> = fc.oneof(
    {
      weight: 10,
      arbitrary: fc.record(
        {
          confirmationDate: dateText,
          visuallyConfirmed: fc.oneof(
            { weight: 6, arbitrary: fc.constant(true) },
            { weight: 2, arbitrary: fc.constant(false) },
            { weight: 1, arbitrary: wrongType },
          ),
        },
        { requiredKeys: ['visuallyConfirmed'] },
      ),
    },
    { weight: 2, arbitrary: fc.record({ confirmationDate: dateText, visuallyConfirmed: fc.boolean() }, { requiredKeys: [] }) },
    { weight: 1, arbitrary: withExtra(fc.record({ visuallyConfirmed: fc.constant(true) })) },
    { weight: 1, arbitrary: anyJson },
  );

  const sessionBody: fc.Arbitrary<unknown> = fc.oneof(
    // Logins that reach scrypt (about 30 ms each) are kept rare; right ones often enough that every
    // run logs in (with only the mix above, about 1 run in 15 had no successful login at all).
    {
      weight: 1,
      arbitrary: fc.record({
        account: fc.constantFrom('admin', 'staff', 'ghost'),
        password: fc.oneof(fc.constantFrom(w.passwords.admin, w.passwords.staff), text),
      }),
    },
    { weight: 1, arbitrary: fc.constantFrom('admin' as const, 'staff' as const).map((account) => ({ account, password: w.passwords[account] })) },
    {
      weight: 8,
      arbitrary: fc.record({ account: fc.oneof(fc.constantFrom('', 'x'.repeat(33)), wrongType), password: fc.oneof(text, wrongType) }, { requiredKeys: [] }),
    },
    { weight: 2, arbitrary: fc.record({ account: fc.constant('admin'), password: fc.oneof(fc.constant(''), fc.constant('p'.repeat(257)), wrongType) }) },
    { weight: 1, arbitrary: withExtra(fc.record({ account: fc.constant('admin'), password: fc.constant(w.passwords.admin) })) },
    { weight: 2, arbitrary: anyJson },
  );

  const stimulusFields: Record<string, fc.Arbitrary<unknown>> = {
    reader: fc.oneof(fc.integer({ min: 0, max: 15 }), fc.integer(), wrongType),
    profile: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...w.profiles) }, { weight: 1, arbitrary: text }, { weight: 1, arbitrary: wrongType }),
    method: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('face', 'pin') }, { weight: 1, arbitrary: text }),
    condition: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...w.conditions) }, { weight: 1, arbitrary: text }),
    pin: fc.oneof(
      { weight: 2, arbitrary: fc.constantFrom('0000', '9999') },
      { weight: 2, arbitrary: fc.integer({ min: 0, max: 9999 }).map((n) => pad(n, 4)) },
      { weight: 1, arbitrary: text },
      { weight: 1, arbitrary: wrongType },
    ),
    choice: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('all', 'individual') }, { weight: 1, arbitrary: text }),
    items: fc.oneof(fc.integer({ min: 0, max: 7 }), fc.integer(), wrongType),
    password: fc.oneof({ weight: 2, arbitrary: fc.constantFrom('Fuzz-Facility-1', 'x') }, { weight: 1, arbitrary: text }, { weight: 1, arbitrary: wrongType }),
  };
  /** The fields an act takes, from the one stimulus schema (simulator/stimulus.ts): any other is refused. */
  const actBody = fc.constantFrom(...w.acts).chain((act) =>
    fc.record(
      {
        ...Object.fromEntries(
          Object.keys(act.properties)
            .filter((k) => k !== 'action')
            .map((k) => [k, stimulusFields[k]!]),
        ),
        action: fc.constant(act.properties.action.const),
      },
      { requiredKeys: ['action'] },
    ),
  );

  const stimulusBody: fc.Arbitrary<unknown> = fc.oneof(
    { weight: 6, arbitrary: actBody },
    {
      weight: 3,
      arbitrary: fc.record(
        {
          action: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...ACTIONS) }, { weight: 1, arbitrary: text }, { weight: 1, arbitrary: wrongType }),
          ...stimulusFields,
        },
        { requiredKeys: ['action'] },
      ),
    },
    { weight: 1, arbitrary: withExtra(fc.record({ action: fc.constantFrom(...ACTIONS) })) },
    { weight: 1, arbitrary: anyJson },
  );

  const route = fc.oneof(
    { weight: 4, arbitrary: json(modeBody).map((body) => ({ method: 'PUT' as const, url: '/api/mode', body })) },
    { weight: 5, arbitrary: json(visualBody).map((body) => ({ method: 'POST' as const, url: '/api/visual-check', body })) },
    { weight: 3, arbitrary: json(sessionBody).map((body) => ({ method: 'POST' as const, url: '/api/session', body })) },
    { weight: 6, arbitrary: json(stimulusBody).map((body) => ({ method: 'POST' as const, url: '/api/emulator/stimulus', body })) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom('/api/visual-check/confirm', '/api/visual-check/complete')
        .map((url) => ({ method: 'POST' as const, url, body: { kind: 'none' as const } })),
    },
    { weight: 1, arbitrary: fc.constant({ method: 'DELETE' as const, url: '/api/visual-check', body: { kind: 'none' as const } }) },
  );

  return fc.tuple(route, authKind, fc.oneof(text, fc.base64String({ maxLength: 40 }))).map(([r, auth, credential]) => ({ ...r, auth, credential }));
}

export function headersFor(r: Req, sessions: Sessions, passwords: Passwords): Record<string, string> {
  const h: Record<string, string> = {};
  switch (r.auth) {
    case 'none':
      break;
    case 'sessionAdmin':
    case 'sessionStaff': {
      const s = sessions[r.auth === 'sessionAdmin' ? 'admin' : 'staff']!;
      h.cookie = s.cookie;
      h['x-csrf-token'] = s.csrf;
      break;
    }
    case 'sessionNoCsrf':
      h.cookie = sessions.admin!.cookie;
      break;
    case 'sessionBadCsrf':
      h.cookie = sessions.admin!.cookie;
      h['x-csrf-token'] = r.credential.replace(/[^\x21-\x7e]/g, '') || 'x';
      break;
    case 'badCookie':
      h.cookie = `oqs_session=${Buffer.from(r.credential).toString('base64url')}`;
      break;
    case 'basicAdmin':
      h.authorization = basic('admin', passwords.admin);
      break;
    case 'basicStaff':
      h.authorization = basic('staff', passwords.staff);
      break;
    case 'basicWrong':
      h.authorization = basic(r.credential.length % 2 ? 'admin' : 'staff', `${r.credential}-wrong`);
      break;
    case 'basicGarbage':
      // No colon after the account, or not Basic at all: refused before any password check.
      h.authorization =
        r.credential.length % 2
          ? `Basic ${Buffer.from(r.credential.replace(/:/g, '')).toString('base64')}`
          : `Bearer ${r.credential.replace(/[^\x21-\x7e]/g, '')}`;
      break;
  }
  if (r.body.kind === 'json') h['content-type'] = 'application/json';
  if ((r.body.kind === 'raw' || r.body.kind === 'huge') && r.body.type) h['content-type'] = r.body.type;
  return h;
}

export function payloadOf(b: Body): string | undefined {
  if (b.kind === 'json') return JSON.stringify(b.value) ?? 'null';
  if (b.kind === 'raw') return b.text;
  if (b.kind === 'huge') {
    const h = 'あ'.repeat(Math.ceil(b.chars / 3));
    return b.as === 'text' ? h : JSON.stringify({ mode: h, confirmationDate: h, visuallyConfirmed: true, action: h, account: h, password: h });
  }
  return undefined;
}

export const describeRequest = (r: Req) =>
  `${r.method} ${r.url} auth=${r.auth} body=${r.body.kind === 'huge' ? JSON.stringify(r.body) : (payloadOf(r.body) ?? '(none)').slice(0, 300)}`;
