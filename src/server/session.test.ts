import { test } from 'node:test';
import { expect } from 'chai';
import { request } from 'node:http';
import { AccountDirectory } from '../reader/accounts';
import { testServer } from './test-server';

// scrypt is deliberately slow: one directory of accounts for the whole file.
const shared = new AccountDirectory();
shared.add('kanri', 'kanri-password-1', 'admin');
shared.add('uketsuke', 'uketsuke-password-1', 'general');

async function setup(t: { after: (fn: () => Promise<void>) => void }, opts: { accounts?: AccountDirectory; setupToken?: string } = {}) {
  const s = await testServer(t, opts.accounts ?? shared, { setupToken: opts.setupToken ?? null });
  const call = async (method: string, url: string, o: { cookie?: string; csrf?: string; body?: unknown } = {}) => {
    const r = await s.call(method, url, {
      body: o.body,
      headers: { ...(o.cookie ? { cookie: o.cookie } : {}), ...(o.csrf ? { 'x-csrf-token': o.csrf } : {}) },
    });
    return { ...r, body: r.body as Record<string, string> };
  };
  const login = async (account: string, password: string) => {
    const r = await call('POST', '/api/session', { body: { account, password } });
    const c = r.cookies.find((x) => x.name === 'oqs_session');
    return { ...r, cookie: c ? `oqs_session=${c.value}` : undefined, csrf: r.body.csrfToken, raw: c };
  };
  return { ...s, call, login };
}

test('the first administrator is made with the setup token, once', async (t) => {
  const accounts = new AccountDirectory();
  const { call } = await setup(t, { accounts, setupToken: 'tok-123' });
  expect((await call('GET', '/api/setup')).body).to.deep.equal({ needsAdmin: true });
  const wrong = await call('POST', '/api/setup', { body: { setupToken: 'nope', account: 'kanri', password: 'kanri-password-1' } });
  expect([wrong.status, wrong.body.code]).to.deep.equal([403, 'OQS_ERR_SETUP_TOKEN']);
  expect(accounts.hasAdmin()).to.equal(false);
  const weak = await call('POST', '/api/setup', { body: { setupToken: 'tok-123', account: 'kanri', password: 'short' } });
  expect([weak.status, weak.body.code]).to.deep.equal([400, 'OQS_ERR_ACCOUNT']);
  const ok = await call('POST', '/api/setup', { body: { setupToken: 'tok-123', account: 'kanri', password: 'kanri-password-1' } });
  expect(ok.status).to.equal(200);
  expect(ok.body).to.include({ account: 'kanri', role: 'admin' });
  const again = await call('POST', '/api/setup', { body: { setupToken: 'tok-123', account: 'evil', password: 'evil-password-1' } });
  expect([again.status, again.body.code]).to.deep.equal([409, 'OQS_ERR_SETUP_DONE']);
  expect((await call('GET', '/api/setup')).body).to.deep.equal({ needsAdmin: false });
});

test('the session cookie is HttpOnly, SameSite=Strict and Secure', async (t) => {
  const { login } = await setup(t);
  const s = await login('kanri', 'kanri-password-1');
  expect(s.status).to.equal(200);
  expect(s.raw).to.include({ httpOnly: true, sameSite: 'Strict', secure: true, path: '/' });
});

test('changes need the CSRF token; without it nothing changes', async (t) => {
  const { call, login, terminal } = await setup(t);
  const s = await login('kanri', 'kanri-password-1');
  const noToken = await call('PUT', '/api/mode', { cookie: s.cookie, body: { mode: 'visual' } });
  expect([noToken.status, noToken.body.code]).to.deep.equal([403, 'OQS_ERR_CSRF']);
  const badToken = await call('PUT', '/api/mode', { cookie: s.cookie, csrf: 'x', body: { mode: 'visual' } });
  expect(badToken.body.code).to.equal('OQS_ERR_CSRF');
  expect(terminal.mode).to.equal('unattended');
  const ok = await call('PUT', '/api/mode', { cookie: s.cookie, csrf: s.csrf, body: { mode: 'visual' } });
  expect(ok.status).to.equal(200);
  expect(terminal.mode).to.equal('visual');
});

test('a general account session is refused mode switches and account management', async (t) => {
  const { call, login, terminal } = await setup(t);
  const s = await login('uketsuke', 'uketsuke-password-1');
  const r = await call('PUT', '/api/mode', { cookie: s.cookie, csrf: s.csrf, body: { mode: 'visual' } });
  expect([r.status, r.body.code]).to.deep.equal([403, 'OQS_ERR_ADMIN_REQUIRED']);
  expect(terminal.mode).to.equal('unattended');
  expect((await call('GET', '/api/accounts', { cookie: s.cookie })).body.code).to.equal('OQS_ERR_ADMIN_REQUIRED');
});

// Login limits (a doubling wait per account, never per address) are in login-limits.test.ts.

test('logout needs the CSRF token, then the session is gone', async (t) => {
  const { call, login } = await setup(t);
  const s = await login('kanri', 'kanri-password-1');
  expect((await call('DELETE', '/api/session', { cookie: s.cookie })).body.code).to.equal('OQS_ERR_CSRF');
  expect((await call('GET', '/api/session', { cookie: s.cookie })).status).to.equal(200);
  expect((await call('DELETE', '/api/session', { cookie: s.cookie, csrf: s.csrf })).status).to.equal(200);
  expect((await call('GET', '/api/session', { cookie: s.cookie })).body.code).to.equal('OQS_ERR_UNAUTHENTICATED');
});

test('an administrator adds a general account; duplicates and bad names are coded errors', async (t) => {
  const accounts = new AccountDirectory();
  accounts.add('kanri', 'kanri-password-1', 'admin');
  const { call, login } = await setup(t, { accounts });
  const s = await login('kanri', 'kanri-password-1');
  const add = (body: unknown) => call('POST', '/api/accounts', { cookie: s.cookie, csrf: s.csrf, body });
  expect((await add({ account: 'staff2', password: 'staff2-password', role: 'general' })).status).to.equal(200);
  expect((await add({ account: 'staff2', password: 'staff2-password', role: 'general' })).body.code).to.equal('OQS_ERR_ACCOUNT');
  expect((await add({ account: 'a b', password: 'staff2-password', role: 'general' })).body.code).to.equal('OQS_ERR_ACCOUNT');
  expect((await add({ account: 'x', password: 'staff2-password', role: 'root' })).body.code).to.equal('OQS_ERR_BAD_REQUEST');
  expect(accounts.verify('staff2', 'staff2-password')).to.deep.equal({ account: 'staff2', role: 'general' });
});

test('OpenAPI documents every route with its schemas; responses carry security headers', async (t) => {
  const { call } = await setup(t);
  const r = await call('GET', '/api/openapi.json');
  const doc = r.body as unknown as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown }>> };
  expect(doc.openapi).to.match(/^3\./);
  for (const p of ['/api/status', '/api/mode', '/api/visual-check', '/api/session', '/api/setup', '/api/records']) expect(doc.paths).to.have.property(p);
  expect(doc.paths['/api/mode']!.put!.requestBody).to.exist;
  expect(r.headers['content-security-policy']).to.match(/default-src 'self'/);
  expect(r.headers['x-content-type-options']).to.equal('nosniff');
});

test('live events: refused without a session; with one, the status then each change, never frames', async (t) => {
  const { app, login, terminal, clock } = await setup(t);
  const s = await login('kanri', 'kanri-password-1');
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const open = (cookie?: string) =>
    new Promise<import('node:http').IncomingMessage>((resolve, reject) =>
      request(`${address}/api/events`, { headers: cookie ? { cookie } : {} }, resolve)
        .on('error', reject)
        .end(),
    );
  const refused = await open();
  expect(refused.statusCode).to.equal(401);
  refused.resume();
  const res = await open(s.cookie);
  expect(res.headers['content-type']).to.match(/^text\/event-stream/);
  let text = '';
  const seen = new Promise<void>((resolve) =>
    res.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes('event: modeChanged')) resolve();
    }),
  );
  await clock.resolve(terminal.switchMode({ account: 'kanri', role: 'admin' }, 'pinOnly'));
  await seen;
  expect(text).to.match(/^retry: 2000\nevent: status\ndata: \{/);
  expect(text).to.include('"to":"pinOnly"');
  expect(text).not.to.include('event: frame');
  res.destroy();
});
