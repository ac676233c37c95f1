import { test } from 'node:test';
import { expect } from 'chai';
import { STATUS_CODES } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountDirectory } from '../reader/accounts';
import { ERRORS } from '../reader/errors';
import { basic, testServer, type Reply } from './test-server';

const accounts = new AccountDirectory();
accounts.add('kanri', 'kanri-password-1', 'admin');
const ADMIN = basic('kanri', 'kanri-password-1');

/** The documented refusal: a code from the one table, its status, its fault class, and node's status text. */
function expectRefusal(r: Pick<Reply, 'status' | 'body'>, status: number, code: string, what = '') {
  expect([r.status, r.body.code], `${what} ${JSON.stringify(r.body)}`).to.deep.equal([status, code]);
  expect(r.body).to.include({ statusCode: status, error: STATUS_CODES[status] });
  expect(r.body.message, what).to.be.a('string').and.not.be.empty;
  expect(Object.keys(ERRORS), what).to.include(code);
  const [tableStatus, fault] = (ERRORS as Record<string, readonly [number, string, string]>)[code]!;
  expect(tableStatus, `${code} status in the table`).to.equal(status);
  expect(r.body.fault, `${code} fault in the body`).to.equal(fault);
}

/** One raw HTTP exchange on loopback (for what app.inject cannot send). */
function raw(port: number, text: string): Promise<{ status: number; headers: string; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let out = '';
    s.on('data', (d) => (out += d.toString()));
    s.on('error', reject);
    s.on('close', () => {
      const [head = '', rest = ''] = out.split('\r\n\r\n');
      const body = rest.trim().startsWith('{') ? (JSON.parse(rest.trim()) as Record<string, unknown>) : { raw: rest };
      resolve({ status: Number(head.split(' ')[1]), headers: head, body });
    });
    s.end(text);
  });
}

test("413, 415, bad URL and a wrong Content-Length each have their own code and node's status text", async (t) => {
  const { call, terminal } = await testServer(t, accounts);
  expectRefusal(await call('PUT', '/api/mode', { auth: ADMIN, raw: JSON.stringify({ mode: 'x'.repeat(20_000) }) }), 413, 'OQS_ERR_BODY_TOO_LARGE', '413');
  expectRefusal(
    await call('PUT', '/api/mode', { auth: ADMIN, raw: 'mode=visual', headers: { 'content-type': 'text/plain' } }),
    415,
    'OQS_ERR_UNSUPPORTED_MEDIA_TYPE',
    '415',
  );
  expectRefusal(await call('GET', '/api/%zz'), 400, 'OQS_ERR_BAD_URL', 'bad URL');
  expectRefusal(
    await call('PUT', '/api/mode', { auth: ADMIN, raw: '{"mode":"visual"}', headers: { 'content-length': '3' } }),
    400,
    'OQS_ERR_CONTENT_LENGTH',
    'content-length',
  );
  expect(terminal.mode).to.equal('unattended');
});

test('refusals made before fastify sees a request (431, a broken request) are coded JSON too', async (t) => {
  const { app, terminal } = await testServer(t, accounts);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  const big = await raw(port, `GET /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
  expectRefusal(big, 431, 'OQS_ERR_HEADERS_TOO_LARGE', '431');
  const short = await raw(
    port,
    `PUT /api/mode HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${ADMIN}\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n{"mode":"visual"}`,
  );
  expect(short.status).to.equal(400);
  expect(short.body.code).to.be.oneOf(['OQS_ERR_BAD_REQUEST', 'OQS_ERR_CONTENT_LENGTH']);
  expect(short.body).to.include({ statusCode: 400, error: 'Bad Request' });
  const twice = await raw(port, `PUT /api/mode HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n{}`);
  expectRefusal(twice, 400, 'OQS_ERR_CONTENT_LENGTH', 'two Content-Lengths');
  const garbage = await raw(port, 'BLAH\r\n\r\n');
  expectRefusal(garbage, 400, 'OQS_ERR_BAD_REQUEST', 'not HTTP');
  // HTTP/1.1 without Host: node would answer a bare 400 itself; the Host guard gives the coded body.
  const hostless = await raw(port, `GET /api/status HTTP/1.1\r\n\r\n`);
  expectRefusal(hostless, 403, 'OQS_ERR_FOREIGN_HOST', 'no Host header');
  // The body ends (the client closes) before Content-Length says: the table's own code.
  const cut = await raw(
    port,
    `PUT /api/mode HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${ADMIN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"mode":"visual"}`,
  );
  expectRefusal(cut, 400, 'OQS_ERR_CONTENT_LENGTH', 'a body shorter than Content-Length');
  expect(terminal.mode).to.equal('unattended');
});

test('a wrong method is 405 with Allow, not 404', async (t) => {
  const { call } = await testServer(t, accounts);
  const r = await call('GET', '/api/mode');
  expectRefusal(r, 405, 'OQS_ERR_METHOD_NOT_ALLOWED');
  expect(r.headers.allow).to.equal('PUT');
  const status = await call('DELETE', '/api/status');
  expectRefusal(status, 405, 'OQS_ERR_METHOD_NOT_ALLOWED');
  expect(status.headers.allow).to.equal('GET, HEAD');
  expectRefusal(await call('GET', '/api/nothing'), 404, 'OQS_ERR_NOT_FOUND');
});

test("401 carries WWW-Authenticate (Basic for scripts; no Basic for the screen's fetch, so no browser dialog)", async (t) => {
  const { call } = await testServer(t, accounts);
  const script = await call('GET', '/api/records');
  expectRefusal(script, 401, 'OQS_ERR_UNAUTHENTICATED');
  expect(script.headers['www-authenticate']).to.match(/^Basic realm="oqs-reader"/);
  const wrong = await call('GET', '/api/records', { auth: basic('kanri', 'nope-nope') });
  expect(wrong.headers['www-authenticate']).to.match(/Basic realm="oqs-reader"/);
  const page = await call('GET', '/api/session', { headers: { 'sec-fetch-mode': 'cors', 'sec-fetch-site': 'same-origin', 'sec-fetch-dest': 'empty' } });
  expectRefusal(page, 401, 'OQS_ERR_UNAUTHENTICATED');
  expect(page.headers['www-authenticate']).to.be.a('string').and.not.match(/basic/i);
  const nodeFetch = await call('GET', '/api/records', { headers: { 'sec-fetch-mode': 'cors' } });
  expect(nodeFetch.headers['www-authenticate'], "node's fetch is a script").to.match(/^Basic /);
  const opened = await call('GET', '/api/records', { headers: { 'sec-fetch-mode': 'navigate', 'sec-fetch-site': 'none' } });
  expect(opened.headers['www-authenticate'], 'typed into the address bar').to.match(/^Basic /);
});

test('a foreign Host or Origin is refused with a coded 403 and changes nothing (DNS rebinding)', async (t) => {
  const { call, terminal } = await testServer(t, accounts);
  const mode = { auth: ADMIN, body: { mode: 'visual' } };
  expectRefusal(
    await call('PUT', '/api/mode', { ...mode, headers: { host: 'evil.example', origin: 'http://evil.example' } }),
    403,
    'OQS_ERR_FOREIGN_HOST',
    'host',
  );
  expectRefusal(await call('PUT', '/api/mode', { ...mode, headers: { host: 'evil.example:8080' } }), 403, 'OQS_ERR_FOREIGN_HOST', 'host only');
  expectRefusal(await call('GET', '/api/status', { headers: { host: 'evil.example' } }), 403, 'OQS_ERR_FOREIGN_HOST', 'a read');
  expectRefusal(
    await call('PUT', '/api/mode', { ...mode, headers: { host: '127.0.0.1:8080', origin: 'http://evil.example' } }),
    403,
    'OQS_ERR_FOREIGN_ORIGIN',
    'origin',
  );
  expectRefusal(
    await call('PUT', '/api/mode', { ...mode, headers: { host: '127.0.0.1:8080', origin: 'http://127.0.0.1:3000' } }),
    403,
    'OQS_ERR_FOREIGN_ORIGIN',
    'another local port',
  );
  expectRefusal(
    await call('PUT', '/api/mode', { ...mode, headers: { host: '127.0.0.1:8080', origin: 'null' } }),
    403,
    'OQS_ERR_FOREIGN_ORIGIN',
    'opaque origin',
  );
  expect(terminal.mode).to.equal('unattended');
  for (const host of ['127.0.0.1:8080', 'localhost:8080', '[::1]:8080', 'LOCALHOST', '127.0.0.2']) {
    const r = await call('GET', '/api/status', { headers: { host } });
    expect(r.status, host).to.equal(200);
  }
  const same = await call('PUT', '/api/mode', { ...mode, headers: { host: 'localhost:8080', origin: 'http://localhost:8080' } });
  expect(same.status, JSON.stringify(same.body)).to.equal(200);
});

test('allowedHosts adds the names the terminal is reached by (a --host other than loopback)', async (t) => {
  const { call } = await testServer(t, accounts, { allowedHosts: ['192.168.10.5', 'Uketsuke-PC'] });
  expect((await call('GET', '/api/status', { headers: { host: '192.168.10.5:8080' } })).status).to.equal(200);
  expect((await call('GET', '/api/status', { headers: { host: 'uketsuke-pc:8080' } })).status).to.equal(200);
  expect((await call('GET', '/api/status', { headers: { host: '127.0.0.1' } })).status).to.equal(200);
  expectRefusal(await call('GET', '/api/status', { headers: { host: '192.168.10.6:8080' } }), 403, 'OQS_ERR_FOREIGN_HOST');
});

test('static files: a dotfile or a path send refuses is a coded 403, not a file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'oqs-public-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
  writeFileSync(join(dir, '.env'), 'SECRET=1');
  const { call } = await testServer(t, accounts, { publicDir: dir });
  expect((await call('GET', '/')).status).to.equal(200);
  for (const url of ['/.env', '/%00', '/a%5c..%5c..%5cetc']) {
    const r = await call('GET', url);
    expectRefusal(r, 403, 'OQS_ERR_FORBIDDEN_PATH', url);
    expect(r.text, url).not.to.include('SECRET');
  }
});
