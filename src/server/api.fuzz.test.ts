/**
 * Property-based tests of the HTTP API's inputs (issue 5, "Bad input"): random sequences of
 * requests — arbitrary JSON, strings, wrong types, huge bodies, malformed JSON, wrong content
 * types, dates of every shape — to PUT /api/mode, POST /api/visual-check, POST /api/session and
 * POST /api/emulator/stimulus (plus confirm/complete/cancel, so the visual check's states are
 * reached), with no credentials, HTTP Basic (right, wrong, garbage), or a session cookie (with and
 * without its CSRF token).
 *
 * Properties, for every response: the status is 2xx or 4xx, never 5xx, and the process does not
 * crash; a 4xx has the body {statusCode, code, error, message} with a code from the one table in
 * src/reader/errors.ts; and a 4xx changes nothing: the terminal's status (mode, readers, visual
 * check, alerts), its records and its mode-change log are exactly as before the request.
 *
 * One server for the whole file (scrypt makes logins slow, so Basic logins are rare in the mix);
 * its state carries over between runs, so runs explore the modes and the visual check's states.
 * About 2,700 requests in a few seconds; `OQS_FUZZ_RUNS=<n>` multiplies the runs.
 */
import { after, before, test } from 'node:test';
import { expect } from 'chai';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { CARD_PROFILES, EmulatedReader, EmulatorBinding, FACE_CONDITIONS, Stimulus } from '../../simulator';
import { AccountDirectory } from '../reader/accounts';
import { ERRORS } from '../reader/errors';
import { ReaderClient } from '../reader/reader-client';
import { Terminal } from '../reader/terminal';
import { VirtualClock } from '../time/virtual-clock';
import { buildServer, type EmulatorControls } from './app';
import { ErrorBody } from './schemas';

const SCALE = (() => {
  const v = process.env.OQS_FUZZ_RUNS;
  const n = v ? Number(v) : 1;
  if (!Number.isFinite(n) || n <= 0) throw new RangeError(`OQS_FUZZ_RUNS must be a positive number (a multiplier), got "${v}"`);
  return n;
})();
const SEED = process.env.OQS_FUZZ_SEED ? Number(process.env.OQS_FUZZ_SEED) : undefined;

const PASSWORDS = { admin: 'admin-secret-1', staff: 'staff-secret-1' } as const;
const basic = (user: string, pass: string) => 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');

// ---- the server under test (once per file) -----------------------------------------------------

const accounts = new AccountDirectory();
accounts.add('admin', PASSWORDS.admin, 'admin');
accounts.add('staff', PASSWORDS.staff, 'general');

/** The terminal and the emulated reader run on one virtual clock; logins and sessions on another. */
const clock = new VirtualClock(Date.UTC(2026, 10, 24, 1, 0));
const authClock = new VirtualClock(Date.UTC(2026, 10, 24, 1, 0));
let terminal: Terminal;
let app: ReturnType<typeof buildServer>;
const sessions: Partial<Record<'admin' | 'staff', { cookie: string; csrf: string }>> = {};

/** What src/main.ts gives the API for its embedded emulator (the same mapping). */
function controls(reader: EmulatedReader): EmulatorControls<typeof Stimulus> {
  return {
    stimulus: Stimulus,
    profiles: () => Object.entries(CARD_PROFILES).map(([name, p]) => ({ name, label: p.label })),
    conditions: () => Object.entries(FACE_CONDITIONS).map(([name, c]) => ({ name, label: c.label })),
    stimulate: async (s) => reader.stimulate(s),
  };
}

async function login(account: 'admin' | 'staff'): Promise<void> {
  const res = await clock.resolve(app.inject({ method: 'POST', url: '/api/session', payload: { account, password: PASSWORDS[account] } }));
  expect(res.statusCode, res.body).to.equal(200);
  const cookie = res.cookies.find((c) => c.name === 'oqs_session');
  if (!cookie) throw new Error('login set no session cookie');
  sessions[account] = { cookie: `oqs_session=${cookie.value}`, csrf: (res.json() as { csrfToken: string }).csrfToken };
}

/** Keeps both sessions alive (a GET refreshes them) or logs in again. */
async function refreshSessions(): Promise<void> {
  for (const account of ['admin', 'staff'] as const) {
    const s = sessions[account];
    const res = s ? await clock.resolve(app.inject({ method: 'GET', url: '/api/session', headers: { cookie: s.cookie } })) : null;
    if (!res || res.statusCode !== 200) await login(account);
  }
}

before(async () => {
  const reader = new EmulatedReader({ clock });
  const binding = new EmulatorBinding();
  binding.addPort('/dev/ttyEMU0', reader);
  terminal = new Terminal({ clock });
  await terminal.attachReader(await clock.resolve(ReaderClient.open({ path: '/dev/ttyEMU0', binding, clock })));
  app = buildServer({ terminal, accounts, emulator: controls(reader), clock: authClock, publicDir: false });
  await app.ready();
  await refreshSessions();
});

after(async () => {
  await app?.close();
  await terminal?.close();
});

// ---- requests ---------------------------------------------------------------------------------------

type AuthKind = 'none' | 'sessionAdmin' | 'sessionStaff' | 'sessionNoCsrf' | 'sessionBadCsrf' | 'badCookie' | 'basicAdmin' | 'basicStaff' | 'basicWrong' | 'basicGarbage';

/** A huge body is described, not carried, so a counterexample stays readable. */
type Body =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown }
  | { kind: 'raw'; text: string; type: string }
  | { kind: 'huge'; chars: number; as: 'text' | 'field'; type: string };

interface Req {
  method: 'PUT' | 'POST' | 'DELETE';
  url: string;
  auth: AuthKind;
  /** For basicWrong / basicGarbage. */
  credential: string;
  body: Body;
}

const ACTIONS = ['placeCard', 'chooseMethod', 'presentFace', 'enterPin', 'enterCorrectPin', 'enterWrongPin', 'answerConsent', 'removeCard'];
const MODES = ['unattended', 'visual', 'pinOnly'];

const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 30, maxLength: 300 }) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '\u0000', '__proto__', 'constructor', '%s%s%s', '${x}', '<script>', '../../etc/passwd', '\ud800') },
);
const wrongType = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }), fc.object({ maxDepth: 1 }));
const anyJson = fc.jsonValue({ maxDepth: 3 });
/** An object with an extra key next to otherwise valid ones (removeAdditional is off). */
const withExtra = (base: fc.Arbitrary<Record<string, unknown>>) =>
  fc.tuple(base, fc.string({ minLength: 1, maxLength: 10 }), anyJson).map(([b, k, v]) => (k in b ? b : { ...b, [k]: v }));

const pad = (n: number, w: number) => String(n).padStart(w, '0');
/** 資格確認日 of every shape: valid (past, today, future), impossible, and mis-written. */
const dateText = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.integer({ min: 1890, max: 2100 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 })).map(([y, m, d]) => `${pad(y, 4)}/${pad(m, 2)}/${pad(d, 2)}`) },
  { weight: 3, arbitrary: fc.integer({ min: -400, max: 3 }).map((days) => new Date(clock.now() + 9 * 3600_000 + days * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '/')) },
  { weight: 1, arbitrary: fc.constantFrom('2024/02/29', '2025/02/29', '2026/2/3', '2026-11-24', '20261124', '2026/11/24 ', ' 2026/11/24', '２０２６/１１/２４', '2026／11／24', '令和8/11/24', '0000/01/01', '9999/12/31', '2026/11/24\n', '') },
  { weight: 1, arbitrary: text },
  { weight: 1, arbitrary: wrongType },
);

const modeBody: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ mode: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...MODES) }, { weight: 2, arbitrary: text }, { weight: 1, arbitrary: wrongType }) }) },
  { weight: 1, arbitrary: withExtra(fc.record({ mode: fc.constantFrom(...MODES) })) },
  { weight: 1, arbitrary: anyJson },
);

const visualBody: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record(
      { confirmationDate: dateText, visuallyConfirmed: fc.oneof({ weight: 6, arbitrary: fc.constant(true) }, { weight: 2, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: wrongType }) },
      { requiredKeys: ['visuallyConfirmed'] },
    ),
  },
  { weight: 2, arbitrary: fc.record({ confirmationDate: dateText, visuallyConfirmed: fc.boolean() }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: withExtra(fc.record({ visuallyConfirmed: fc.constant(true) })) },
  { weight: 1, arbitrary: anyJson },
);

const sessionBody: fc.Arbitrary<unknown> = fc.oneof(
  // Logins that reach scrypt (about 30 ms each) are kept rare.
  { weight: 1, arbitrary: fc.record({ account: fc.constantFrom('admin', 'staff', 'ghost'), password: fc.oneof(fc.constantFrom(PASSWORDS.admin, PASSWORDS.staff), text) }) },
  { weight: 8, arbitrary: fc.record({ account: fc.oneof(fc.constantFrom('', 'x'.repeat(33)), wrongType), password: fc.oneof(text, wrongType) }, { requiredKeys: [] }) },
  { weight: 2, arbitrary: fc.record({ account: fc.constant('admin'), password: fc.oneof(fc.constant(''), fc.constant('p'.repeat(257)), wrongType) }) },
  { weight: 1, arbitrary: withExtra(fc.record({ account: fc.constant('admin'), password: fc.constant(PASSWORDS.admin) })) },
  { weight: 2, arbitrary: anyJson },
);

const stimulusFields: Record<string, fc.Arbitrary<unknown>> = {
  reader: fc.oneof(fc.integer({ min: 0, max: 15 }), fc.integer(), wrongType),
  profile: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...Object.keys(CARD_PROFILES)) }, { weight: 1, arbitrary: text }, { weight: 1, arbitrary: wrongType }),
  method: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('face', 'pin') }, { weight: 1, arbitrary: text }),
  condition: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...Object.keys(FACE_CONDITIONS)) }, { weight: 1, arbitrary: text }),
  pin: fc.oneof({ weight: 2, arbitrary: fc.constantFrom('0000', '9999') }, { weight: 2, arbitrary: fc.integer({ min: 0, max: 9999 }).map((n) => pad(n, 4)) }, { weight: 1, arbitrary: text }, { weight: 1, arbitrary: wrongType }),
  choice: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('all', 'individual') }, { weight: 1, arbitrary: text }),
  items: fc.oneof(fc.integer({ min: 0, max: 7 }), fc.integer(), wrongType),
};
/** The fields an act takes, from the one stimulus schema (simulator/stimulus.ts): any other is refused. */
const actBody = fc.constantFrom(...Stimulus.anyOf).chain((act) =>
  fc.record(
    { ...Object.fromEntries(Object.keys(act.properties).filter((k) => k !== 'action').map((k) => [k, stimulusFields[k]!])), action: fc.constant(act.properties.action.const) },
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

const rawBody: fc.Arbitrary<Body> = fc.oneof(
  fc.record({ kind: fc.constant('raw' as const), text: fc.oneof(text, fc.constantFrom('{', '{"mode":', '[', 'null', '""', '{"a":1}{', '\u0000')), type: fc.constant('application/json') }),
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
    type: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/xml', ''),
  }),
);

const json = (value: fc.Arbitrary<unknown>): fc.Arbitrary<Body> =>
  fc.oneof({ weight: 6, arbitrary: value.map((v) => ({ kind: 'json' as const, value: v })) }, { weight: 1, arbitrary: rawBody }, { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) });

const route = fc.oneof(
  { weight: 4, arbitrary: json(modeBody).map((body) => ({ method: 'PUT' as const, url: '/api/mode', body })) },
  { weight: 5, arbitrary: json(visualBody).map((body) => ({ method: 'POST' as const, url: '/api/visual-check', body })) },
  { weight: 3, arbitrary: json(sessionBody).map((body) => ({ method: 'POST' as const, url: '/api/session', body })) },
  { weight: 6, arbitrary: json(stimulusBody).map((body) => ({ method: 'POST' as const, url: '/api/emulator/stimulus', body })) },
  { weight: 2, arbitrary: fc.constantFrom('/api/visual-check/confirm', '/api/visual-check/complete').map((url) => ({ method: 'POST' as const, url, body: { kind: 'none' as const } })) },
  { weight: 1, arbitrary: fc.constant({ method: 'DELETE' as const, url: '/api/visual-check', body: { kind: 'none' as const } }) },
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

const request: fc.Arbitrary<Req> = fc
  .tuple(route, authKind, fc.oneof(text, fc.base64String({ maxLength: 40 })))
  .map(([r, auth, credential]) => ({ ...r, auth, credential }));

function headersFor(r: Req): Record<string, string> {
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
      h.authorization = basic('admin', PASSWORDS.admin);
      break;
    case 'basicStaff':
      h.authorization = basic('staff', PASSWORDS.staff);
      break;
    case 'basicWrong':
      h.authorization = basic(r.credential.length % 2 ? 'admin' : 'staff', `${r.credential}-wrong`);
      break;
    case 'basicGarbage':
      // No colon after the account, or not Basic at all: refused before any password check.
      h.authorization = r.credential.length % 2 ? `Basic ${Buffer.from(r.credential.replace(/:/g, '')).toString('base64')}` : `Bearer ${r.credential.replace(/[^\x21-\x7e]/g, '')}`;
      break;
  }
  if (r.body.kind === 'json') h['content-type'] = 'application/json';
  if ((r.body.kind === 'raw' || r.body.kind === 'huge') && r.body.type) h['content-type'] = r.body.type;
  return h;
}

function payloadOf(b: Body): string | undefined {
  if (b.kind === 'json') return JSON.stringify(b.value) ?? 'null';
  if (b.kind === 'raw') return b.text;
  if (b.kind === 'huge') {
    const h = 'あ'.repeat(Math.ceil(b.chars / 3));
    return b.as === 'text' ? h : JSON.stringify({ mode: h, confirmationDate: h, visuallyConfirmed: true, action: h, account: h, password: h });
  }
  return undefined;
}

/** What a refused request must leave exactly as it was. */
function snapshot(): string {
  // Counters that move with the reader's own traffic (events published, link statistics) are not state a request changes.
  const { published: _published, readers, ...status } = terminal.status();
  const state = { ...status, readers: readers.map(({ link: _link, ...r }) => r) };
  return JSON.stringify({ status: state, records: terminal.records(), modeChanges: terminal.modeChanges() });
}

/**
 * Known violations, allowed so the suite stays usable until the product is fixed, counted and
 * printed on every run; OQS_FUZZ_STRICT=1 turns them back into failures.
 *
 * (None at present. Starting a visual check while the reader was busy with the last patient used
 *  to answer 502; it is now 409 OQS_ERR_READER_BUSY, proved by the test below.)
 */
const KNOWN: Array<{ route: string; status: number; code: string; message: RegExp }> = [];
const STRICT = process.env.OQS_FUZZ_STRICT === '1';

function known(r: Req, status: number, body: Record<string, unknown>): boolean {
  return !STRICT && KNOWN.some((k) => k.route === `${r.method} ${r.url}` && k.status === status && k.code === body.code && k.message.test(String(body.message)));
}

const describe = (r: Req) => `${r.method} ${r.url} auth=${r.auth} body=${r.body.kind === 'huge' ? JSON.stringify(r.body) : (payloadOf(r.body) ?? '(none)').slice(0, 300)}`;

// ---- the property -------------------------------------------------------------------------------------

test('API: arbitrary bodies, types, dates, sizes and credentials get 2xx or a coded 4xx, and a 4xx changes nothing', async (t) => {
  const statuses = new Map<string, number>();
  let requests = 0;
  let loginFailures = 0;
  let knownHits = 0;
  const t0 = Date.now();
  // The server keeps its state between runs, so a failure is explained by the requests before it.
  const history: string[] = [];
  await fc.assert(
    fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 10 }), async (reqs) => {
      for (const r of reqs) {
        const before = snapshot();
        let res: LightMyRequestResponse;
        try {
          res = await clock.resolve(app.inject({ method: r.method, url: r.url, headers: headersFor(r), payload: payloadOf(r.body) }));
          await clock.runUntilIdle();
        } catch (e) {
          throw new Error(`${describe(r)} crashed: ${(e as Error).stack}`);
        }
        requests++;
        let body: Record<string, unknown> = {};
        try {
          body = res.json() as Record<string, unknown>;
        } catch {
          /* checked below for 4xx */
        }
        const code = typeof body.code === 'string' ? body.code : '';
        const key = `${r.method} ${r.url} ${res.statusCode}${code ? ' ' + code : ''}`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        history.push(`${describe(r).slice(0, 200)} → ${res.statusCode} ${code}`);
        if (history.length > 40) history.shift();
        const what = `${describe(r)} → ${res.statusCode} ${res.body.slice(0, 300)}\n  after:\n    ${history.slice(0, -1).join('\n    ')}\n `;
        if (known(r, res.statusCode, body)) {
          knownHits++;
          continue;
        }
        expect(res.statusCode, what).to.be.within(200, 499);
        expect(res.statusCode, what).not.to.be.within(300, 399);
        if (res.statusCode >= 400) {
          // The documented error body (ErrorBody): its required fields, and nothing it does not name.
          expect(body, what).to.include.keys(ErrorBody.required as string[]);
          expect(Object.keys(ErrorBody.properties), what).to.include.members(Object.keys(body));
          if (res.statusCode === 429) expect(res.headers['retry-after'], what).to.equal(String(body.retryAfterSeconds));
          expect(body.statusCode, what).to.equal(res.statusCode);
          expect(Object.keys(ERRORS), what).to.include(code);
          expect(body.error, what).to.be.a('string').and.not.be.empty;
          expect(body.message, what).to.be.a('string').and.not.be.empty;
          expect(snapshot(), `${what}: a refusal changed the terminal`).to.equal(before);
          if (code === 'OQS_ERR_BAD_CREDENTIALS' || code === 'OQS_ERR_TOO_MANY_ATTEMPTS') loginFailures++;
        }
        // Past the login limiter's window after a failed login, so right credentials keep being
        // tried; sessions are refreshed so they never idle out.
        if (code === 'OQS_ERR_BAD_CREDENTIALS' || code === 'OQS_ERR_TOO_MANY_ATTEMPTS') {
          authClock.set(authClock.now() + 16 * 60_000);
          await refreshSessions();
        }
      }
    }),
    { numRuns: Math.max(1, Math.round(500 * SCALE)), endOnFailure: true, ...(SEED === undefined ? {} : { seed: SEED }) },
  );
  t.diagnostic(`API fuzz: ${requests} requests in ${Date.now() - t0} ms; ${loginFailures} failed logins; final mode ${terminal.mode}, ${terminal.records().length} records`);
  for (const [k, n] of [...statuses.entries()].sort()) t.diagnostic(`  ${k} ×${n}`);
  if (knownHits) t.diagnostic(`KNOWN DEVIATION allowed ${knownHits}× (see KNOWN; OQS_FUZZ_STRICT=1 fails on it)`);
  // The mix must reach the success paths of each route too, not only refusals.
  for (const route of ['PUT /api/mode', 'POST /api/visual-check', 'POST /api/session', 'POST /api/emulator/stimulus']) {
    expect([...statuses.keys()].some((k) => k.startsWith(`${route} 200`)), `no 200 from ${route}`).to.equal(true);
  }
});

test(
  'starting a visual check while the reader is busy with the last patient is a coded 409, not a 502',
  async () => {
    const admin = sessions.admin!;
    const call = async (method: 'PUT' | 'POST' | 'DELETE', url: string, body?: unknown) => {
      const res = await clock.resolve(
        app.inject({ method, url, headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, ...(body ? { 'content-type': 'application/json' } : {}) }, payload: body ? JSON.stringify(body) : undefined }),
      );
      await clock.runUntilIdle();
      return res;
    };
    await refreshSessions();
    // From whatever the fuzz left: no check, no card, 目視確認.
    await call('DELETE', '/api/visual-check');
    await call('POST', '/api/emulator/stimulus', { action: 'removeCard' });
    expect((await call('PUT', '/api/mode', { mode: 'visual' })).statusCode).to.equal(200);
    expect((await call('POST', '/api/visual-check', { visuallyConfirmed: true })).statusCode).to.equal(200);
    expect((await call('POST', '/api/emulator/stimulus', { action: 'placeCard', profile: 'normal' })).statusCode).to.equal(200);
    expect((await call('POST', '/api/visual-check/confirm')).statusCode).to.equal(200);
    // Staff cancel instead of 本人確認を完了する while the patient is still on the consent screen.
    expect((await call('DELETE', '/api/visual-check')).statusCode).to.equal(200);
    const before = snapshot();
    const res = await call('POST', '/api/visual-check', { visuallyConfirmed: true });
    expect(res.statusCode, res.body).to.equal(409);
    expect(snapshot()).to.equal(before);
  },
);
