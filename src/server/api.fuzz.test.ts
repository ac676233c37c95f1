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
import { CARD_PROFILES, EmulatedReader, EmulatorBinding, EmulatorError, FACE_CONDITIONS, Stimulus, stimulusProblem } from '../../simulator';
import { AccountDirectory } from '../reader/accounts';
import { ERRORS } from '../reader/errors';
import { ReaderClient } from '../reader/reader-client';
import { Terminal } from '../reader/terminal';
import { VirtualClock } from '../time/virtual-clock';
import { buildServer, type EmulatorControls } from './app';
import { ErrorBody } from './schemas';
import { describeRequest as describe, headersFor as headersOf, payloadOf, requests, type Req, type Sessions } from './test-requests';

const SCALE = (() => {
  const v = process.env.OQS_FUZZ_RUNS;
  const n = v ? Number(v) : 1;
  if (!Number.isFinite(n) || n <= 0) throw new RangeError(`OQS_FUZZ_RUNS must be a positive number (a multiplier), got "${v}"`);
  return n;
})();
const SEED = process.env.OQS_FUZZ_SEED ? Number(process.env.OQS_FUZZ_SEED) : undefined;

const PASSWORDS = { admin: 'admin-secret-1', staff: 'staff-secret-1' } as const;

// ---- the server under test (once per file) -----------------------------------------------------

const accounts = new AccountDirectory();
accounts.add('admin', PASSWORDS.admin, 'admin');
accounts.add('staff', PASSWORDS.staff, 'general');

/** The terminal and the emulated reader run on one virtual clock; logins and sessions on another. */
const clock = new VirtualClock(Date.UTC(2026, 10, 24, 1, 0));
const authClock = new VirtualClock(Date.UTC(2026, 10, 24, 1, 0));
let terminal: Terminal;
let app: ReturnType<typeof buildServer>;
const sessions: Sessions = {};

/** What src/main.ts gives the API for its embedded emulator (the same mapping). */
function controls(reader: EmulatedReader): EmulatorControls<typeof Stimulus> {
  return {
    stimulus: Stimulus,
    problem: stimulusProblem,
    profiles: () => Object.entries(CARD_PROFILES).map(([name, p]) => ({ name, label: p.label })),
    conditions: () => Object.entries(FACE_CONDITIONS).map(([name, c]) => ({ name, label: c.label })),
    stimulate: async (s) => reader.stimulate(s),
    refusal: (e) => (e instanceof EmulatorError ? e : undefined),
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

// ---- requests (test-requests.ts) --------------------------------------------------------------------

const request = requests({
  now: () => clock.now(),
  passwords: PASSWORDS,
  profiles: Object.keys(CARD_PROFILES),
  conditions: Object.keys(FACE_CONDITIONS),
  acts: Stimulus.anyOf,
});
const headersFor = (r: Req) => headersOf(r, sessions, PASSWORDS);

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
  return (
    !STRICT && KNOWN.some((k) => k.route === `${r.method} ${r.url}` && k.status === status && k.code === body.code && k.message.test(String(body.message)))
  );
}

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
          throw new Error(`${describe(r)} crashed: ${(e as Error).stack}`, { cause: e });
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
  t.diagnostic(
    `API fuzz: ${requests} requests in ${Date.now() - t0} ms; ${loginFailures} failed logins; final mode ${terminal.mode}, ${terminal.records().length} records`,
  );
  for (const [k, n] of [...statuses.entries()].sort()) t.diagnostic(`  ${k} ×${n}`);
  if (knownHits) t.diagnostic(`KNOWN DEVIATION allowed ${knownHits}× (see KNOWN; OQS_FUZZ_STRICT=1 fails on it)`);
  // The mix must reach the success paths of each route too, not only refusals.
  for (const route of ['PUT /api/mode', 'POST /api/visual-check', 'POST /api/session', 'POST /api/emulator/stimulus']) {
    expect(
      [...statuses.keys()].some((k) => k.startsWith(`${route} 200`)),
      `no 200 from ${route}`,
    ).to.equal(true);
  }
});

test('starting a visual check while the reader is busy with the last patient is a coded 409, not a 502', async () => {
  const admin = sessions.admin!;
  const call = async (method: 'PUT' | 'POST' | 'DELETE', url: string, body?: unknown) => {
    const res = await clock.resolve(
      app.inject({
        method,
        url,
        headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, ...(body ? { 'content-type': 'application/json' } : {}) },
        payload: body ? JSON.stringify(body) : undefined,
      }),
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
});
