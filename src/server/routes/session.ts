import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { OqsError } from '../../reader/errors';
import { actorOf, login, SESSION_COOKIE, sessionOf, type Auth } from '../auth';
import { Account, ErrorBody, ref, SessionBody } from '../schemas';

export interface SessionRoutesOptions {
  auth: Auth;
  /** The one-time token printed at first start; null once an administrator exists. */
  setupToken: () => string | null;
  consumeSetupToken: () => void;
  secureCookie: boolean;
}

const Credentials = Type.Object(
  { account: Type.String({ minLength: 1, maxLength: 32 }), password: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);
const Ok = Type.Object({ ok: Type.Boolean() });

/** First-start setup, login/logout, and administrator-managed accounts. */
export const sessionRoutes: FastifyPluginAsyncTypebox<SessionRoutesOptions> = async (app, opts) => {
  const { auth } = opts;
  const startSession = (reply: import('fastify').FastifyReply, actor: { account: string; role: string }) => {
    const s = auth.sessions.create(actor as never);
    reply.setCookie(SESSION_COOKIE, s.id, { path: '/', httpOnly: true, sameSite: 'strict', secure: opts.secureCookie });
    return { account: s.actor.account, role: s.actor.role, csrfToken: s.csrfToken };
  };

  app.get(
    '/api/setup',
    {
      schema: {
        tags: ['session'],
        summary: 'Whether the first administrator is still to be made',
        operationId: 'getSetup',
        security: [],
        response: { 200: Type.Object({ needsAdmin: Type.Boolean() }) },
      },
    },
    async () => ({
      needsAdmin: !auth.accounts.hasAdmin(),
    }),
  );

  app.post(
    '/api/setup',
    {
      schema: {
        tags: ['session'],
        summary: 'Create the first administrator with the one-time setup token, and log in',
        operationId: 'setup',
        security: [],
        body: Type.Object(
          { setupToken: Type.String({ maxLength: 128 }), account: Type.String({ maxLength: 32 }), password: Type.String({ maxLength: 256 }) },
          { additionalProperties: false },
        ),
        response: { 200: SessionBody, 409: ErrorBody },
      },
    },
    async (req, reply) => {
      const token = opts.setupToken();
      if (auth.accounts.hasAdmin() || !token) throw new OqsError('OQS_ERR_SETUP_DONE');
      if (req.body.setupToken !== token) throw new OqsError('OQS_ERR_SETUP_TOKEN');
      try {
        auth.accounts.add(req.body.account, req.body.password, 'admin');
        auth.credentials.forget(req.body.account);
      } catch (e) {
        throw new OqsError('OQS_ERR_ACCOUNT', (e as Error).message);
      }
      opts.consumeSetupToken();
      return startSession(reply, { account: req.body.account, role: 'admin' });
    },
  );

  app.post(
    '/api/session',
    {
      schema: {
        tags: ['session'],
        summary: 'Log in: a session cookie and its CSRF token',
        operationId: 'login',
        // No credential is needed to log in, but a wrong one is 401 and repeated failures 429.
        security: [],
        body: Credentials,
        response: { 200: SessionBody, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (req, reply) => startSession(reply, login(auth, req.body.account, req.body.password)),
  );

  app.get(
    '/api/session',
    {
      schema: {
        tags: ['session'],
        summary: 'The session behind the cookie (and its CSRF token)',
        operationId: 'getSession',
        security: [{ session: [] }],
        response: { 200: SessionBody },
      },
    },
    async (req) => {
      const s = sessionOf(req, auth);
      if (!s) throw new OqsError('OQS_ERR_UNAUTHENTICATED');
      return { account: s.actor.account, role: s.actor.role, csrfToken: s.csrfToken };
    },
  );

  app.delete('/api/session', { schema: { tags: ['session'], summary: 'Log out', operationId: 'logout', response: { 200: Ok } } }, async (req, reply) => {
    actorOf(req, auth); // a logout from another site must fail CSRF like any other change
    const s = sessionOf(req, auth);
    if (s) auth.sessions.destroy(s.id);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });

  app.get(
    '/api/accounts',
    {
      schema: {
        tags: ['session'],
        summary: 'List the accounts (administrator only)',
        operationId: 'listAccounts',
        response: { 200: Type.Object({ accounts: Type.Array(ref(Account)) }) },
      },
    },
    async (req) => {
      const actor = actorOf(req, auth);
      if (actor.role !== 'admin') throw new OqsError('OQS_ERR_ADMIN_REQUIRED', 'manage accounts', actor.account, '一般 (general)');
      return { accounts: auth.accounts.list() };
    },
  );

  app.post(
    '/api/accounts',
    {
      schema: {
        tags: ['session'],
        summary: 'Add an account (administrator only)',
        operationId: 'addAccount',
        body: Type.Object(
          {
            account: Type.String({ maxLength: 32 }),
            password: Type.String({ maxLength: 256 }),
            role: Type.Union([Type.Literal('admin'), Type.Literal('general')]),
          },
          { additionalProperties: false },
        ),
        response: { 200: Account },
      },
    },
    async (req) => {
      const actor = actorOf(req, auth);
      if (actor.role !== 'admin') throw new OqsError('OQS_ERR_ADMIN_REQUIRED', 'manage accounts', actor.account, '一般 (general)');
      if (auth.accounts.has(req.body.account)) throw new OqsError('OQS_ERR_ACCOUNT', `account ${req.body.account} already exists`);
      try {
        const added = auth.accounts.add(req.body.account, req.body.password, req.body.role);
        auth.credentials.forget(req.body.account); // a changed password or role takes effect at once
        return added;
      } catch (e) {
        throw new OqsError('OQS_ERR_ACCOUNT', (e as Error).message);
      }
    },
  );
};
