import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static, type TSchema } from 'typebox';
import { join } from 'node:path';
import type { AccountDirectory } from '../reader/accounts';
import { OqsError } from '../reader/errors';
import type { Terminal } from '../reader/terminal';
import { RealClock, type Clock } from '../time/clock';
import { actorOf, type Auth } from './auth';
import { hostGuard } from './hosts';
import { lazyCompilers } from './lazy-compilers';
import { installOpenApi } from './openapi';
import { clientErrorHandler, errorHandler, frameworkErrors, installNotFound } from './refusals';
import { sessionRoutes } from './routes/session';
import { terminalRoutes } from './routes/terminal';
import { screenRoutes } from './routes/screen';
import { ErrorBody, ref, Status } from './schemas';
import { CredentialCache, LoginLimiter, SessionStore } from './sessions';

/** What the API may ask of an embedded emulator; the composition root supplies it (or nothing). */
export interface EmulatorControls<S extends TSchema = TSchema> {
  profiles(): Array<{ name: string; label: string }>;
  conditions(): Array<{ name: string; label: string }>;
  /** The body of POST /api/emulator/stimulus: the emulator's one stimulus schema (the server never imports the emulator). */
  stimulus: S;
  stimulate(input: Static<S>): Promise<void>;
  /** Why a body is not a stimulus, in the emulator's words (one act's fields, not every variant's), or null. */
  problem(body: unknown): string | null;
  /** The emulator's own refusal of a stimulus (its code and reason in both languages), or undefined for any other error. */
  refusal(e: unknown): StimulusRefusal | undefined;
}

/** A patient's act the emulated reader refused, as the emulator codes it (EMU_ERR_…). */
export interface StimulusRefusal {
  code: string;
  message: string;
  messageJa: string;
}

export interface ServerOptions {
  terminal: Terminal;
  accounts: AccountDirectory;
  emulator?: EmulatorControls;
  logger?: FastifyServerOptions['logger'];
  /** A pino logger to use (with its redaction) instead of making one. */
  loggerInstance?: FastifyBaseLogger;
  /** Clock for sessions and login limits (the terminal's by default). */
  clock?: Clock;
  /** The one-time first-start token, while no administrator exists. */
  setupToken?: string | null;
  /** Mark the session cookie Secure (default true; browsers accept it on http://127.0.0.1). */
  secureCookie?: boolean;
  /**
   * Host names and addresses this terminal answers to besides loopback (127.0.0.0/8, ::1,
   * localhost): those of a --host other than loopback. Any other Host is refused (DNS rebinding).
   */
  allowedHosts?: readonly string[];
  /** Serve the operation screen from this directory (default: public/). */
  publicDir?: string | false;
}

const BODY_LIMIT = 16 * 1024;
const PUBLIC = join(__dirname, '..', '..', 'public');

/**
 * The terminal's HTTP face: the JSON API (documented at /api/openapi.json), the live event
 * stream, and the 顔認証付きカードリーダー操作 screen as static files. Every refusal is a coded
 * error body { statusCode, code, error, message } from the one table in src/reader/errors.ts.
 */
export function buildServer(opts: ServerOptions): FastifyInstance {
  const app = Fastify({
    ...(opts.loggerInstance ? { loggerInstance: opts.loggerInstance } : { logger: opts.logger ?? false }),
    bodyLimit: BODY_LIMIT,
    // Refusals made before any route (a bad URL, an unparsable request) get the documented body too.
    frameworkErrors,
    clientErrorHandler,
    // node would answer an HTTP/1.1 request without Host with a bare 400 of its own; the Host guard
    // (hosts.ts) refuses it with the documented body instead.
    http: { requireHostHeader: false },
    // An SSE stream must not keep close() waiting.
    forceCloseConnections: true,
    // removeAdditional off: an unknown field is an error, not silently dropped.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
    schemaController: { compilersFactory: lazyCompilers() },
  }).withTypeProvider<TypeBoxTypeProvider>();
  const { terminal } = opts;
  const clock = opts.clock ?? terminal.clock ?? new RealClock();
  const auth: Auth = { accounts: opts.accounts, sessions: new SessionStore(clock), limiter: new LoginLimiter(clock), credentials: new CredentialCache(clock) };
  let setupToken = opts.setupToken ?? null;

  // JSON only: a text/plain body is what a cross-site form can send without a preflight.
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler(errorHandler(BODY_LIMIT));
  installNotFound(app);
  app.addHook('onRequest', hostGuard(opts.allowedHosts));
  // The screen loads nothing from elsewhere and is never framed.
  app.addHook('onSend', async (_req, reply) => {
    reply.header('content-security-policy', "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
  });

  app.register(fastifyCookie);
  installOpenApi(app);
  app.register(async (scope) => {
    const api = scope.withTypeProvider<TypeBoxTypeProvider>();
    await api.register(sessionRoutes, {
      auth,
      setupToken: () => setupToken,
      consumeSetupToken: () => (setupToken = null),
      secureCookie: opts.secureCookie ?? true,
    });
    await api.register(terminalRoutes, { terminal, auth, emulated: !!opts.emulator });
    await api.register(screenRoutes, { terminal, auth });
    const emulator = opts.emulator;
    if (emulator) {
      const Named = Type.Array(Type.Object({ name: Type.String(), label: Type.String({ description: 'Japanese' }) }));
      api.get(
        '/api/emulator',
        {
          schema: {
            tags: ['emulator'],
            summary: "The emulated reader's card profiles and face conditions",
            operationId: 'getEmulator',
            response: { 200: Type.Object({ profiles: Named, conditions: Named }) },
          },
        },
        async () => ({ profiles: emulator.profiles(), conditions: emulator.conditions() }),
      );
      api.post(
        '/api/emulator/stimulus',
        {
          schema: {
            tags: ['emulator'],
            summary: "A patient's act at the emulated reader (place a card, face, PIN, consent …)",
            operationId: 'stimulateEmulator',
            body: emulator.stimulus,
            response: { 200: Type.Object({ ok: Type.Boolean(), status: ref(Status) }), 409: ErrorBody },
          },
          // The schema still decides; the message comes from the emulator, which names the one act's
          // fields instead of listing why the body matches none of the eight variants.
          attachValidation: true,
        },
        async (req) => {
          if (req.validationError) throw new OqsError('OQS_ERR_BAD_REQUEST', emulator.problem(req.body) ?? req.validationError.message);
          actorOf(req, auth);
          try {
            await emulator.stimulate(req.body);
          } catch (e) {
            // A patient's act the reader refuses is the table's refusal, its reason in both languages.
            const r = emulator.refusal(e);
            if (r) throw new OqsError('OQS_ERR_STIMULUS_REFUSED', r.code, { en: r.message, ja: r.messageJa });
            throw e;
          }
          return { ok: true, status: terminal.status() };
        },
      );
    }
  });
  // dotfiles: 'deny' — @fastify/static serves them by default (a stray .env in public/ would be readable).
  if (opts.publicDir !== false) app.register(fastifyStatic, { root: opts.publicDir ?? PUBLIC, index: ['index.html'], dotfiles: 'deny' });
  return app;
}
