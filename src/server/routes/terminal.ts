import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { SCREENS } from '../../protocol';
import { todayJst } from '../../reader/dates';
import type { Terminal, TerminalEvent } from '../../reader/terminal';
import { actorOf, type Auth } from '../auth';
import { OqsError } from '../../reader/errors';
import { recordsRoutes } from './records';
import { StreamEvent } from '../openapi';
import {
  BeginVisualCheckBody,
  ConfirmationRecord,
  ErrorBody,
  ModeChange,
  ModeName,
  ref,
  Status,
  SwitchModeBody,
  VisualCheckView,
  VisualPasswordBody,
  VisualPasswordView,
} from '../schemas';

export interface TerminalRoutesOptions {
  terminal: Terminal;
  auth: Auth;
  emulated: boolean;
}

/** The error statuses each kind of route can give besides those of every route (see openapi.ts). */
const reader = { 404: ErrorBody, 409: ErrorBody, 502: ErrorBody, 503: ErrorBody, 504: ErrorBody };
const VisualCheckReply = Type.Object({ visualCheck: ref(VisualCheckView) }, { description: 'the visual check after the step' });

/** The 顔認証付きカードリーダー操作 API: status, modes, the visual check, records, live events. */
export const terminalRoutes: FastifyPluginAsyncTypebox<TerminalRoutesOptions> = async (app, { terminal, auth, emulated }) => {
  const today = () => todayJst(terminal.clock.now());
  // Records and the mode-change audit trail: pages and exports (routes/records.ts).
  await app.register(recordsRoutes, { terminal, auth });

  app.get(
    '/api/status',
    { schema: { tags: ['terminal'], summary: 'Mode, readers, visual check and alerts', operationId: 'getStatus', security: [], response: { 200: Status } } },
    async () => ({ ...terminal.status(), today: today(), emulated }),
  );

  // The reader screens' catalogue for the page: name → [id, Japanese text].
  const screens: Record<string, [number, string]> = Object.fromEntries(Object.entries(SCREENS).map(([name, s]) => [name, [s.id, s.text]]));
  const Screens = Type.Record(
    Type.String(),
    Type.Array(Type.Union([Type.Integer(), Type.String()]), { minItems: 2, maxItems: 2, description: '[screen id, Japanese text]' }),
    {
      description: 'reader screen name → [screen id, Japanese text]',
    },
  );
  app.get(
    '/api/screens',
    {
      schema: {
        tags: ['terminal'],
        summary: "The reader screens' ids and Japanese texts",
        operationId: 'getReaderScreens',
        security: [],
        response: { 200: Screens },
      },
    },
    async () => screens,
  );

  app.put(
    '/api/mode',
    {
      // An unknown mode is refused by the schema, with the table's own code (below).
      attachValidation: true,
      schema: {
        tags: ['terminal'],
        summary: 'Switch the mode (administrator only)',
        description: 'The mode already in force answers changed: false and records nothing. Another string than the three modes is 400 OQS_ERR_UNKNOWN_MODE.',
        operationId: 'switchMode',
        body: SwitchModeBody,
        response: {
          200: Type.Object({ mode: ref(ModeName), changed: Type.Boolean(), change: Type.Union([ref(ModeChange), Type.Null()]) }),
          ...reader,
        },
      },
    },
    async (req) => {
      if (req.validationError) throw modeRefusal(req.body, req.validationError);
      const change = await terminal.switchMode(actorOf(req, auth), req.body.mode);
      // The mode already in force: 200 with changed:false, no record (docs/api.md).
      return { mode: terminal.mode, changed: change !== null, change };
    },
  );

  app.get(
    '/api/visual-password',
    {
      schema: {
        tags: ['visual check'],
        summary: 'Whether a 目視モード用パスワード is set for the reader-side 目視確認, and its rule',
        operationId: 'getVisualPassword',
        response: { 200: ref(VisualPasswordView) },
      },
    },
    async (req) => {
      actorOf(req, auth);
      return terminal.visualPassword();
    },
  );

  app.put(
    '/api/visual-password',
    {
      schema: {
        tags: ['visual check'],
        summary: "Set the facility's 目視モード用パスワード (administrator only)",
        description:
          'The terminal keeps only a scrypt verifier and sends readers with readerVisualCheck only that (docs/protocol.md PR-3.3-8); the password is never stored, logged or traced. The mode does not change.',
        operationId: 'setVisualPassword',
        body: VisualPasswordBody,
        response: { 200: ref(VisualPasswordView), ...reader },
      },
    },
    async (req) => terminal.setVisualPassword(actorOf(req, auth), req.body),
  );

  app.post(
    '/api/visual-check',
    {
      schema: {
        tags: ['visual check'],
        summary: 'Start a visual check (目視確認) for the next card',
        operationId: 'beginVisualCheck',
        body: BeginVisualCheckBody,
        response: { 200: VisualCheckReply, ...reader },
      },
    },
    async (req) => ({ visualCheck: await terminal.beginVisualCheck(actorOf(req, auth), req.body) }),
  );

  app.post(
    '/api/visual-check/confirm',
    {
      schema: {
        tags: ['visual check'],
        summary: '本人確認を実行する → OK: record the confirmation',
        operationId: 'confirmVisualCheck',
        response: { 200: Type.Object({ record: ref(ConfirmationRecord) }), ...reader },
      },
    },
    async (req) => ({ record: await terminal.confirmVisualCheck(actorOf(req, auth)) }),
  );

  app.post(
    '/api/visual-check/complete',
    {
      schema: {
        tags: ['visual check'],
        summary: '本人確認を完了する → OK: ready for the next patient',
        operationId: 'completeVisualCheck',
        response: { 200: VisualCheckReply, ...reader },
      },
    },
    async (req) => ({ visualCheck: terminal.completeVisualCheck(actorOf(req, auth)) }),
  );

  app.delete(
    '/api/visual-check',
    {
      schema: { tags: ['visual check'], summary: 'Cancel the visual check', operationId: 'cancelVisualCheck', response: { 200: VisualCheckReply, ...reader } },
    },
    async (req) => ({ visualCheck: await terminal.cancelVisualCheck(actorOf(req, auth)) }),
  );

  // Server-sent events: the terminal's one event stream, minus raw frames (those go to traces).
  app.get(
    '/api/events',
    {
      schema: {
        tags: ['terminal'],
        summary: 'Live events (server-sent events)',
        description:
          'A text/event-stream: first `event: status` with the status, then one message per change (StreamEvent: the `event:` name and the JSON of its `data:` line), and a `: keep-alive` comment every 15 s. Raw link frames are never sent.',
        operationId: 'streamEvents',
        response: { 200: { description: 'the event stream', content: { 'text/event-stream': { schema: ref(StreamEvent) } } } },
      },
    },
    async (req, reply) => {
      actorOf(req, auth);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(`retry: 2000\nevent: status\ndata: ${JSON.stringify({ ...terminal.status(), today: today(), emulated })}\n\n`);
      // The id is the terminal's event number (status().published): a client can tell it is up to date.
      const onEvent = (e: TerminalEvent, id: number) => {
        if (e.type !== 'frame') res.write(`id: ${id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
      };
      terminal.on('event', onEvent);
      // A comment now and then keeps proxies and idle browsers from dropping the stream.
      const beat = setInterval(() => res.write(': keep-alive\n\n'), 15_000).unref();
      req.raw.on('close', () => {
        clearInterval(beat);
        terminal.off('event', onEvent);
      });
    },
  );
};

/** A body that is only a mode the terminal does not know is the table's OQS_ERR_UNKNOWN_MODE; anything else stays a 400. */
function modeRefusal(body: unknown, validation: Error): Error {
  const b = body as Record<string, unknown> | null;
  const onlyMode = typeof b === 'object' && b !== null && !Array.isArray(b) && Object.keys(b).length === 1 && typeof b.mode === 'string';
  return onlyMode ? new OqsError('OQS_ERR_UNKNOWN_MODE', String(b.mode).slice(0, 40)) : validation;
}
