import fastifySwagger from '@fastify/swagger';
import { Type, type TSchema } from 'typebox';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { Alert, COMPONENTS, ConfirmationRecord, ModeChange, ref, Status, VisualCheckView } from './schemas';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What each error status means on this API (the body is always the Error schema). */
const ERROR_TEXT: Record<number, string> = {
  400: 'bad input (validation, JSON, URL or Content-Length); OQS_ERR_BAD_REQUEST and others',
  401: 'not logged in, or a wrong password (OQS_ERR_UNAUTHENTICATED, OQS_ERR_BAD_CREDENTIALS); WWW-Authenticate says how',
  403: 'not allowed: a foreign Host or Origin (OQS_ERR_FOREIGN_HOST/ORIGIN), no CSRF token, or not an administrator',
  404: 'not available on this terminal',
  409: 'not possible in the current state',
  413: 'the body is larger than 16 KiB (OQS_ERR_BODY_TOO_LARGE)',
  415: 'the body is not application/json (OQS_ERR_UNSUPPORTED_MEDIA_TYPE)',
  429: 'too many failed logins for this account: wait retryAfterSeconds (also Retry-After) (OQS_ERR_TOO_MANY_ATTEMPTS)',
  500: 'internal error (OQS_ERR_INTERNAL); see the terminal log',
  502: 'the reader refused or spoke another protocol version',
  503: 'the reader is disconnected',
  504: 'the reader did not answer in time',
};

const RETRY_AFTER = { 'Retry-After': { type: 'integer', description: 'seconds until the account may try again' } };

/**
 * The events of GET /api/events: each message is `event: <event>` and `data: <JSON>`; `data`
 * is the JSON shown here for that event.
 */
const event = (name: string, data: TSchema, description: string) =>
  Type.Object({ event: Type.Literal(name), data }, { description, additionalProperties: false });
const typed = (type: string, props: Record<string, TSchema>) => Type.Object({ type: Type.Literal(type), ...props });
export const StreamEvent = Type.Union(
  [
    event('status', ref(Status), 'first message: the status as GET /api/status'),
    event('modeChanged', typed('modeChanged', { change: ref(ModeChange) }), 'the mode was switched'),
    event('readerConnected', typed('readerConnected', { path: Type.String(), identity: Type.Object({}, { additionalProperties: true }) }), 'a reader answered'),
    event('readerDisconnected', typed('readerDisconnected', { path: Type.String() }), 'a reader went away'),
    event(
      'readerEvent',
      typed('readerEvent', { path: Type.String(), name: Type.String(), fields: Type.Object({}, { additionalProperties: true }) }),
      "a reader's event (card placed, face result …)",
    ),
    event('record', typed('record', { record: ref(ConfirmationRecord) }), 'an identity confirmation was recorded'),
    event('visualCheck', typed('visualCheck', { view: ref(VisualCheckView) }), 'the visual check changed'),
    event('alert', typed('alert', { alert: Type.Union([ref(Alert), Type.Null()]) }), 'the reader alert changed (null: cleared)'),
  ],
  { $id: 'StreamEvent', description: 'one server-sent event: `event:` line and `data:` JSON; raw link frames are never sent' },
);

/** getApiVisualCheckConfirm-like ids for routes that do not name their own. */
function operationIdOf(method: string, url: string): string {
  const words = url
    .replace(/^\/api\//, '')
    .split(/[/-]/)
    .filter(Boolean);
  return method.toLowerCase() + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

type Schema = Record<string, unknown> & { response?: Record<string, unknown>; body?: unknown; security?: unknown[] };

/**
 * Completes each API route's documentation as it is added: an operationId if it has none, the
 * security it needs (session cookie, with the CSRF header on changes, or HTTP Basic), shared
 * schemas as references, and every error the server as a whole can give it (foreign Host, body
 * limits, login delays, internal errors) beside the route's own.
 */
function document(route: RouteOptions): void {
  const schema = route.schema as Schema | undefined;
  if (!schema || schema.hide || !route.url.startsWith('/api/')) return;
  const method = [route.method].flat()[0]!;
  schema.operationId ??= operationIdOf(method, route.url);
  schema.security ??= SAFE.has(method) ? [{ session: [] }, { basic: [] }] : [{ session: [], csrf: [] }, { basic: [] }];
  const statuses = [400, 403, 500];
  if (schema.security.length > 0) statuses.push(401, 429);
  if (schema.body) statuses.push(413, 415);
  const response: Record<string, unknown> = {};
  for (const [status, s] of Object.entries(schema.response ?? {})) {
    const id = (s as { $id?: string }).$id;
    response[status] = id ? { ...ref(s as TSchema), description: (s as { description?: string }).description ?? 'OK' } : s;
  }
  for (const status of statuses) response[status] ??= {};
  for (const status of Object.keys(response)
    .map(Number)
    .filter((n) => n >= 400)) {
    response[status] = { ...ref(COMPONENTS[0]!), description: ERROR_TEXT[status] ?? 'refused', ...(status === 429 ? { headers: RETRY_AFTER } : {}) };
  }
  schema.response = response;
}

/** The OpenAPI 3.1 document at /api/openapi.json; call before any route is added. */
export function installOpenApi(app: FastifyInstance): void {
  for (const c of [...COMPONENTS, StreamEvent]) app.addSchema(c);
  app.addHook('onRoute', document);
  app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'oqs-reader API',
        version: '1',
        description:
          '資格確認端末の顔認証付きカードリーダー操作 API: the mode (無人運転 / 目視確認 / 暗証番号認証固定), the visual check, records and live events. ' +
          'Every refusal is the Error schema { statusCode, code, error, message } with a code from the one table, and changes nothing. ' +
          'Requests must name a loopback Host (or one the terminal was started with); changes from a browser must come from this origin. ' +
          'A wrong method on a known path is 405 with Allow.',
        // package.json says UNLICENSED: not open source; an SPDX LicenseRef says so without a URL.
        license: { name: 'Proprietary (package.json: UNLICENSED)', identifier: 'LicenseRef-Proprietary' },
      },
      servers: [{ url: 'http://127.0.0.1:8080', description: 'the terminal itself (npm start; --port changes the port)' }],
      tags: [
        { name: 'session', description: 'first-start setup, login and logout, accounts (管理者 / 一般)' },
        { name: 'terminal', description: 'status, mode, records and the live event stream' },
        { name: 'visual check', description: '目視確認: start, 本人確認を実行する, 本人確認を完了する, cancel' },
        { name: 'screen', description: 'the operation screen as data, and its clicks' },
        { name: 'emulator', description: "the embedded emulated reader's patient acts (only when the reader is emulated)" },
      ],
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'oqs_session', description: 'from POST /api/session or POST /api/setup' },
          csrf: { type: 'apiKey', in: 'header', name: 'x-csrf-token', description: "the session's csrfToken; with the session cookie on every change" },
          basic: { type: 'http', scheme: 'basic', description: 'for scripts: account and password on every request (no CSRF token)' },
        },
      },
      security: [{ session: [] }, { basic: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
