import { test } from 'node:test';
import { expect } from 'chai';
import { EmulatedReader, EmulatorBinding } from '../../simulator';
import { AccountDirectory } from '../reader/accounts';
import { ReaderClient } from '../reader/reader-client';
import type { ScreenView } from '../reader/screen-view';
import { Terminal } from '../reader/terminal';
import { VirtualClock } from '../time/virtual-clock';
import { buildServer } from './app';

const accounts = new AccountDirectory();
accounts.add('admin', 'admin-secret-1', 'admin');
accounts.add('staff', 'staff-secret-1', 'general');
const basic = (user: string, pass: string) => 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');

/** The API over one emulated reader, on a virtual clock; `login` gives a cookie session. */
async function setup(t: { after: (fn: () => Promise<void>) => void }) {
  const clock = new VirtualClock(Date.UTC(2026, 10, 24, 1, 0));
  const reader = new EmulatedReader({ clock, txIdSeed: 0 });
  const binding = new EmulatorBinding();
  binding.addPort('/dev/ttyEMU0', reader);
  const terminal = new Terminal({ clock });
  await terminal.attachReader(await clock.resolve(ReaderClient.open({ path: '/dev/ttyEMU0', binding, clock })));
  const app = buildServer({ terminal, accounts, secureCookie: false });
  t.after(async () => {
    await app.close();
    await terminal.close();
  });
  const call = async (method: 'GET' | 'POST' | 'PUT', url: string, opts: { headers?: Record<string, string>; body?: unknown } = {}) => {
    const res = await clock.resolve(
      app.inject({
        method,
        url,
        headers: { ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
        payload: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      }),
    );
    await clock.runUntilIdle();
    return { status: res.statusCode, body: res.json() as Record<string, unknown>, headers: res.headers };
  };
  const login = async (account: string, password: string) => {
    const r = await call('POST', '/api/session', { body: { account, password } });
    expect(r.status).to.equal(200);
    const cookie = String(r.headers['set-cookie']).split(';')[0]!;
    const csrf = String(r.body.csrfToken);
    return {
      view: async () => (await call('GET', '/api/screen', { headers: { cookie } })).body as unknown as ScreenView,
      act: async (body: unknown, headers: Record<string, string> = { 'x-csrf-token': csrf }) =>
        call('POST', '/api/screen/actions', { headers: { cookie, ...headers }, body }),
    };
  };
  return { clock, reader, terminal, call, login };
}

test('GET /api/screen needs a login', async (t) => {
  const { call } = await setup(t);
  const r = await call('GET', '/api/screen');
  expect(r.status).to.equal(401);
  expect(r.body.code).to.equal('OQS_ERR_UNAUTHENTICATED');
  expect(r.body.messageJa).to.equal('ログインしてください。');
});

test('P104 over the screen API: click, OK, OK; the view says what the page shows', async (t) => {
  const { login, terminal } = await setup(t);
  const admin = await login('admin', 'admin-secret-1');
  const v0 = await admin.view();
  expect(v0.mode).to.equal('unattended');
  expect(v0.buttons.map((b) => [b.label, b.green, b.enabled])).to.deep.equal([
    ['無人運転', true, true],
    ['目視確認', false, true],
    ['暗証番号認証固定', false, true],
  ]);
  let r = await admin.act({ action: 'clickMode', mode: 'visual' });
  expect(r.status).to.equal(200);
  expect((r.body as unknown as ScreenView).dialog).to.include({ kind: 'confirmSwitch', title: '確認' });
  r = await admin.act({ action: 'ok' });
  expect((r.body as unknown as ScreenView).dialog).to.include({ kind: 'switchDone', message: '目視確認モードへの切替えが完了しました' });
  r = await admin.act({ action: 'ok' });
  const v = r.body as unknown as ScreenView;
  expect(v.dialog).to.equal(null);
  expect(v.mode).to.equal('visual');
  expect(v.visualItems).to.include({ enabled: true, date: '2026/11/24', visuallyConfirmed: false, state: 'idle' });
  expect(v.alerts.map((a) => a.code)).to.deep.equal(['visualModeOn']);
  expect(terminal.mode).to.equal('visual');
});

test('each session has its own screen; a 一般 session sees disabled buttons and gets no dialog', async (t) => {
  const { login } = await setup(t);
  const admin = await login('admin', 'admin-secret-1');
  const staff = await login('staff', 'staff-secret-1');
  await admin.act({ action: 'clickMode', mode: 'pinOnly' });
  const sv = await staff.view();
  expect(sv.dialog).to.equal(null);
  expect(sv.buttons.every((b) => !b.enabled)).to.equal(true);
  const r = await staff.act({ action: 'clickMode', mode: 'visual' });
  const v = r.body as unknown as ScreenView;
  expect(v.dialog).to.equal(null);
  expect(v.error).to.include({ code: 'OQS_ERR_ADMIN_REQUIRED', field: 'mode' });
  expect(v.error?.message).to.include('管理者アカウントでのみ');
  expect((await admin.view()).dialog?.kind).to.equal('confirmSwitch');
});

test('actions need the CSRF token and a body from the union; refusals change nothing', async (t) => {
  const { login, terminal } = await setup(t);
  const admin = await login('admin', 'admin-secret-1');
  let r = await admin.act({ action: 'clickMode', mode: 'visual' }, {});
  expect(r.status).to.equal(403);
  expect(r.body.code).to.equal('OQS_ERR_CSRF');
  expect(r.body.messageJa).to.be.a('string');
  expect((await admin.view()).dialog).to.equal(null);
  for (const body of [{ action: 'explode' }, { action: 'ok', extra: 1 }, { action: 'setDate' }, { action: 'setVisuallyConfirmed', value: 'yes' }]) {
    r = await admin.act(body);
    expect(r.status, JSON.stringify(body)).to.equal(400);
    expect(r.body.code).to.equal('OQS_ERR_BAD_REQUEST');
  }
  expect(terminal.modeChanges()).to.deep.equal([]);
});

test('PUT /api/mode with the mode in force: 200, changed:false, no record', async (t) => {
  const { call, terminal } = await setup(t);
  const r = await call('PUT', '/api/mode', { headers: { authorization: basic('admin', 'admin-secret-1') }, body: { mode: 'unattended' } });
  expect(r.status).to.equal(200);
  expect(r.body).to.deep.include({ mode: 'unattended', changed: false, change: null });
  expect(terminal.modeChanges()).to.deep.equal([]);
  const r2 = await call('PUT', '/api/mode', { headers: { authorization: basic('admin', 'admin-secret-1') }, body: { mode: 'pinOnly' } });
  expect(r2.body).to.include({ mode: 'pinOnly', changed: true });
});

test('HTTP Basic scripts get one screen per account', async (t) => {
  const { call } = await setup(t);
  const auth = { authorization: basic('admin', 'admin-secret-1') };
  await call('POST', '/api/screen/actions', { headers: auth, body: { action: 'clickMode', mode: 'visual' } });
  const v = (await call('GET', '/api/screen', { headers: auth })).body as unknown as ScreenView;
  expect(v.dialog?.kind).to.equal('confirmSwitch');
});

test('screens are bounded (32, least recently used first) and go with their session', async (t) => {
  const { login, terminal, clock } = await setup(t);
  const base = terminal.listenerCount('event');
  const sessions = [];
  for (let i = 0; i < 34; i++) {
    const s = await login('admin', 'admin-secret-1');
    await s.view();
    sessions.push(s);
  }
  expect(terminal.listenerCount('event') - base).to.equal(32);
  // A session idle past its expiry (8 h) takes its screen with it at the next request.
  clock.set(clock.now() + 8 * 3600_000 + 1);
  const fresh = await login('admin', 'admin-secret-1');
  await fresh.view();
  expect(terminal.listenerCount('event') - base).to.equal(1);
});

test('/favicon.ico is served (no 404 in the browser console)', async (t) => {
  const { clock, terminal } = await setup(t);
  const app = buildServer({ terminal, accounts });
  t.after(() => app.close());
  const r = await clock.resolve(app.inject({ method: 'GET', url: '/favicon.ico' }));
  expect(r.statusCode).to.equal(200);
  expect(r.headers['content-type']).to.match(/image\/(x-icon|vnd\.microsoft\.icon)/);
  expect(r.rawPayload.readUInt16LE(2)).to.equal(1); // ICO header: type 1
});
