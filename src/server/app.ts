import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@fastify/type-provider-typebox';
import type { AccountDirectory } from '../reader/accounts';
import { OqsError } from '../reader/errors';
import type { Terminal } from '../reader/terminal';
import { actorOf } from './auth';
import { BeginVisualCheckBody, ErrorBody, Stimulus, SwitchModeBody } from './schemas';

/** What the API may ask of an embedded emulator; the composition root supplies it (or nothing). */
export interface EmulatorControls {
  profiles(): Array<{ name: string; label: string }>;
  conditions(): Array<{ name: string; label: string }>;
  stimulate(input: Static<typeof Stimulus>): Promise<void>;
}

export interface ServerOptions {
  terminal: Terminal;
  accounts: AccountDirectory;
  emulator?: EmulatorControls;
  logger?: FastifyServerOptions['logger'];
}

const Json = Type.Object({}, { additionalProperties: true });
const errors = { 200: Json, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 502: ErrorBody, 503: ErrorBody, 504: ErrorBody };

/**
 * The terminal's JSON API: status, mode switching (administrator only), the visual check, records,
 * and, when the reader is emulated, its stimulus controls. Every refusal is a coded error body
 * { statusCode, code, error, message } from the one table in src/reader/errors.ts.
 */
export function buildServer(opts: ServerOptions): FastifyInstance {
  // removeAdditional off: an unknown field is an error, not silently dropped.
  const app = Fastify({ logger: opts.logger ?? false, bodyLimit: 16 * 1024, ajv: { customOptions: { removeAdditional: false, coerceTypes: false } } }).withTypeProvider<TypeBoxTypeProvider>();
  const { terminal, accounts } = opts;

  app.setErrorHandler((err: FastifyError | OqsError, _req, reply) => {
    if (err instanceof OqsError) return reply.code(err.statusCode).send(body(err.statusCode, err.code, err.message));
    const code = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (code === 500) {
      reply.log.error({ err: { message: err.message, code: (err as { code?: string }).code } }, 'unhandled error');
      return reply.code(500).send(body(500, 'OQS_ERR_INTERNAL', 'internal error; see the terminal log'));
    }
    // fastify's own 4xx (validation, bad JSON, body too large, wrong content type) keep their reason.
    return reply.code(code).send(body(code, 'OQS_ERR_BAD_REQUEST', `${(err as FastifyError).code ?? 'bad request'}: ${err.message}`));
  });
  app.setNotFoundHandler((req, reply) => {
    const e = new OqsError('OQS_ERR_NOT_FOUND', req.method, req.url.split('?')[0] ?? '');
    return reply.code(404).send(body(404, e.code, e.message));
  });

  app.get('/api/status', { schema: { response: { 200: Json } } }, async () => terminal.status());

  app.get('/api/records', async () => ({ records: terminal.records() }));

  app.get('/api/mode-changes', async () => ({ changes: terminal.modeChanges() }));

  app.put('/api/mode', { schema: { body: SwitchModeBody, response: errors } }, async (req) => {
    const actor = actorOf(req, accounts);
    const change = await terminal.switchMode(actor, req.body.mode);
    return { mode: terminal.mode, change };
  });

  app.post('/api/visual-check', { schema: { body: BeginVisualCheckBody, response: errors } }, async (req) => {
    const actor = actorOf(req, accounts);
    return { visualCheck: await terminal.beginVisualCheck(actor, req.body) };
  });

  app.post('/api/visual-check/confirm', { schema: { response: errors } }, async (req) => {
    const actor = actorOf(req, accounts);
    return { record: await terminal.confirmVisualCheck(actor) };
  });

  app.post('/api/visual-check/complete', { schema: { response: errors } }, async (req) => {
    const actor = actorOf(req, accounts);
    return { visualCheck: terminal.completeVisualCheck(actor) };
  });

  app.delete('/api/visual-check', { schema: { response: errors } }, async (req) => {
    const actor = actorOf(req, accounts);
    return { visualCheck: await terminal.cancelVisualCheck(actor) };
  });

  const emulator = opts.emulator;
  if (emulator) {
    app.get('/api/emulator', async () => ({ profiles: emulator.profiles(), conditions: emulator.conditions() }));
    app.post('/api/emulator/stimulus', { schema: { body: Stimulus, response: errors } }, async (req) => {
      try {
        await emulator.stimulate(req.body);
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (typeof code === 'string' && code.startsWith('EMU_ERR_')) throw new OqsError('OQS_ERR_STIMULUS_REFUSED', code, (e as Error).message);
        throw e;
      }
      return { ok: true, status: terminal.status() };
    });
  }
  return app;
}

function body(statusCode: number, code: string, message: string) {
  const error = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' }[statusCode] ?? 'Error';
  return { statusCode, code, error, message };
}
