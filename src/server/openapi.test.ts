import { test } from 'node:test';
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountDirectory } from '../reader/accounts';
import { basic, testServer } from './test-server';

const accounts = new AccountDirectory();
accounts.add('kanri', 'kanri-password-1', 'admin');
const ROOT = join(__dirname, '..', '..');

interface Operation {
  summary?: string;
  operationId?: string;
  security?: unknown[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
}
interface Doc {
  openapi: string;
  security?: unknown[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { anyOf?: Array<{ properties: { event: { const?: string; enum?: string[] } } }> }> };
}

async function documentOf(t: Parameters<typeof testServer>[0]) {
  const s = await testServer(t, accounts, { emulated: true });
  return { ...s, doc: (await s.call('GET', '/api/openapi.json')).body as unknown as Doc };
}

test('redocly lint (recommended rules, redocly.yaml) finds no error and no warning in /api/openapi.json', async (t) => {
  const { doc } = await documentOf(t);
  const dir = mkdtempSync(join(tmpdir(), 'oqs-openapi-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'openapi.json');
  writeFileSync(file, JSON.stringify(doc, null, 2));
  let out: string;
  try {
    out = execFileSync(
      process.execPath,
      [join(ROOT, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js'), 'lint', '--config', join(ROOT, 'redocly.yaml'), '--format=json', file],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
  } catch (e) {
    out = String((e as { stdout?: string }).stdout ?? ''); // lint exits 1 on errors; the JSON says which
  }
  const report = JSON.parse(out) as {
    totals: { errors: number; warnings: number };
    problems: Array<{ ruleId: string; message: string; location: Array<{ pointer: string }> }>;
  };
  const problems = report.problems.map((p) => `${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`);
  expect(problems).to.deep.equal([]);
  expect(report.totals).to.include({ errors: 0, warnings: 0 });
});

test('every operation has a summary, a unique operationId, security, a typed success and each error as the Error schema', async (t) => {
  const { doc } = await documentOf(t);
  expect(doc.openapi).to.equal('3.1.0');
  expect(doc.security, 'global security').to.be.an('array').that.is.not.empty;
  const ids = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(op.summary, where).to.be.a('string').and.not.be.empty;
      expect(op.operationId, where).to.be.a('string');
      expect(ids.has(op.operationId!), `${where}: operationId ${op.operationId} twice`).to.equal(false);
      ids.add(op.operationId!);
      const codes = Object.keys(op.responses).map(Number);
      const ok = codes.filter((c) => c >= 200 && c < 300);
      expect(ok, where).to.have.length(1);
      const success = op.responses[ok[0]!]!.content!;
      const schema = Object.values(success)[0]!.schema;
      expect(schema.$ref ?? schema.type, `${where}: typed success`).to.be.a('string');
      if (schema.type === 'object')
        expect(schema.properties ?? schema.patternProperties ?? schema.additionalProperties, `${where}: success says what is in it`).to.be.an('object').that.is
          .not.empty;
      for (const c of codes.filter((c) => c >= 400))
        expect(op.responses[c]!.content!['application/json']!.schema, `${where} ${c}`).to.deep.equal({ $ref: '#/components/schemas/Error' });
      expect(codes, `${where}: a foreign Host, an internal error`).to.include.members([403, 500]);
      const security = op.security ?? doc.security!;
      if (security.length > 0) expect(codes, `${where}: needs credentials`).to.include.members([401, 429]);
      if (op.requestBody) expect(codes, `${where}: has a body`).to.include.members([413, 415]);
    }
  }
  expect(doc.paths['/api/session']!.post!.responses).to.have.property('429');
});

test('modes are an enum, and PUT /api/mode refuses any other string by schema with the coded error', async (t) => {
  const { doc, call, terminal } = await documentOf(t);
  const body = doc.paths['/api/mode']!.put!.requestBody!.content['application/json']!.schema as { properties: { mode: { type: string; enum: string[] } } };
  expect(body.properties.mode).to.include({ type: 'string' });
  expect(body.properties.mode.enum).to.deep.equal(['unattended', 'visual', 'pinOnly']);
  const ADMIN = basic('kanri', 'kanri-password-1');
  for (const [mode, code] of [
    ['turbo', 'OQS_ERR_UNKNOWN_MODE'],
    ['Visual', 'OQS_ERR_UNKNOWN_MODE'],
    [5, 'OQS_ERR_BAD_REQUEST'],
    [null, 'OQS_ERR_BAD_REQUEST'],
  ] as const) {
    const r = await call('PUT', '/api/mode', { auth: ADMIN, body: { mode } });
    expect([r.status, r.body.code], String(mode)).to.deep.equal([400, code]);
  }
  const unauthenticated = await call('PUT', '/api/mode', { body: { mode: 'turbo' } });
  expect(unauthenticated.status, 'a bad body is refused before credentials are looked at').to.equal(400);
  expect(terminal.mode).to.equal('unattended');
});

test('the event stream is documented: text/event-stream, each event name and its data', async (t) => {
  const { doc } = await documentOf(t);
  const events = doc.paths['/api/events']!.get!;
  expect(events.summary).to.be.a('string');
  expect(events.responses['200']!.content).to.have.property('text/event-stream');
  const names = doc.components.schemas.StreamEvent!.anyOf!.map((e) => e.properties.event.const ?? e.properties.event.enum?.[0]);
  expect(names).to.have.members(['status', 'modeChanged', 'readerConnected', 'readerDisconnected', 'readerEvent', 'record', 'visualCheck', 'alert']);
  expect(names).not.to.include('frame');
});

test('typed responses lose nothing the terminal reports', async (t) => {
  const { call, terminal } = await documentOf(t);
  const r = await call('GET', '/api/status');
  expect(r.body).to.deep.equal(JSON.parse(JSON.stringify({ ...terminal.status(), today: '2026/11/24', emulated: true })));
});
