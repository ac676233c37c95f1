import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../../reader/accounts';
import { OperationScreen } from '../../reader/operation-screen';
import { ScreenAction, ScreenView } from '../../reader/screen-view';
import type { Terminal } from '../../reader/terminal';
import { actorOf, sessionOf, type Auth } from '../auth';
import type { Session } from '../sessions';
import { ErrorBody } from '../schemas';

export interface ScreenRoutesOptions {
  terminal: Terminal;
  auth: Auth;
  /** Screens kept at once; the least recently used goes first (default 32). */
  maxScreens?: number;
}

interface Entry {
  screen: OperationScreen;
  /** The session it belongs to; gone (or idle past its expiry) means the screen goes too. */
  session: WeakRef<Session> | null;
  usedAt: number;
}

/**
 * One OperationScreen per logged-in session (HTTP Basic scripts get one per account), bounded,
 * dropped with its session. The browser renders GET /api/screen and sends clicks to
 * POST /api/screen/actions; the Gherkin steps call the same OperationScreen methods directly.
 */
export class ScreenStore {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly terminal: Terminal,
    private readonly auth: Auth,
    readonly max = 32,
  ) {
    // Each screen follows the terminal's event stream: room for them beside the live streams.
    if (terminal.getMaxListeners() !== 0) terminal.setMaxListeners(terminal.getMaxListeners() + max);
  }

  get size(): number {
    this.sweep();
    return this.entries.size;
  }

  for(req: FastifyRequest): OperationScreen {
    const actor = actorOf(req, this.auth);
    const session = sessionOf(req, this.auth);
    const key = session ? `session:${session.id}` : `basic:${actor.account}`;
    this.sweep();
    let entry = this.entries.get(key);
    if (entry)
      this.entries.delete(key); // re-inserted below: Map order is least recently used first
    else entry = { screen: this.open(actor), session: session ? new WeakRef(session) : null, usedAt: 0 };
    entry.usedAt = this.terminal.clock.now();
    this.entries.set(key, entry);
    while (this.entries.size > this.max) this.drop(this.entries.keys().next().value as string);
    return entry.screen;
  }

  close(): void {
    for (const key of [...this.entries.keys()]) this.drop(key);
  }

  private open(actor: Actor): OperationScreen {
    return new OperationScreen(this.terminal, actor);
  }

  /** Drops screens whose session ended (logout, expiry) or, for Basic, that sat idle as long. */
  private sweep(): void {
    const now = this.terminal.clock.now();
    const idle = this.auth.sessions.idleMs;
    for (const [key, e] of this.entries) {
      const s = e.session?.deref();
      const gone = e.session ? !s || now - s.lastSeen > idle : now - e.usedAt > idle;
      if (gone) this.drop(key);
    }
  }

  private drop(key: string): void {
    this.entries.get(key)?.screen.close();
    this.entries.delete(key);
  }
}

const errors = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  429: ErrorBody,
  502: ErrorBody,
  503: ErrorBody,
  504: ErrorBody,
};

/** GET /api/screen and POST /api/screen/actions (docs/api.md). */
export const screenRoutes: FastifyPluginAsyncTypebox<ScreenRoutesOptions> = async (app, { terminal, auth, maxScreens }) => {
  const screens = new ScreenStore(terminal, auth, maxScreens);
  app.addHook('onClose', async () => screens.close());

  app.get(
    '/api/screen',
    {
      schema: {
        tags: ['screen'],
        summary: 'The operation screen for this session, as data',
        operationId: 'getScreen',
        response: { 200: ScreenView, ...errors },
      },
    },
    async (req) => screens.for(req).view(),
  );

  app.post(
    '/api/screen/actions',
    {
      schema: {
        tags: ['screen'],
        summary: 'A click or entry on the operation screen',
        operationId: 'actOnScreen',
        body: ScreenAction,
        response: { 200: ScreenView, ...errors },
      },
    },
    async (req) => {
      const screen = screens.for(req);
      const a = req.body;
      switch (a.action) {
        case 'clickMode':
          screen.clickMode(a.mode);
          break;
        case 'ok':
          await screen.clickOk();
          break;
        case 'cancel':
          await screen.clickCancel();
          break;
        case 'setDate':
          await screen.setDate(a.text);
          break;
        case 'setVisuallyConfirmed':
          await screen.setVisuallyConfirmed(a.value);
          break;
        case 'setVisualPassword':
          await screen.setVisualPassword({ password: a.password, maxWrong: a.maxWrong, lockMinutes: a.lockMinutes });
          break;
      }
      return screen.view();
    },
  );
};
