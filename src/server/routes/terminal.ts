import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SCREENS } from '../../protocol';
import { todayJst } from '../../reader/dates';
import type { Terminal, TerminalEvent } from '../../reader/terminal';
import { actorOf, type Auth } from '../auth';
import { BeginVisualCheckBody, ErrorBody, SwitchModeBody } from '../schemas';

export interface TerminalRoutesOptions {
  terminal: Terminal;
  auth: Auth;
  emulated: boolean;
}

const Json = Type.Object({}, { additionalProperties: true });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 409: ErrorBody, 429: ErrorBody, 502: ErrorBody, 503: ErrorBody, 504: ErrorBody };

/** The 顔認証付きカードリーダー操作 API: status, modes, the visual check, records, live events. */
export const terminalRoutes: FastifyPluginAsyncTypebox<TerminalRoutesOptions> = async (app, { terminal, auth, emulated }) => {
  const today = () => todayJst(terminal.clock.now());

  app.get('/api/status', { schema: { tags: ['terminal'], response: { 200: Json } } }, async () => ({ ...terminal.status(), today: today(), emulated }));

  // The reader screens' catalogue for the page: name → [id, Japanese text].
  const screens = Object.fromEntries(Object.entries(SCREENS).map(([name, s]) => [name, [s.id, s.text]]));
  app.get('/api/screens', { schema: { tags: ['terminal'], response: { 200: Json } } }, async () => screens);

  app.get(
    '/api/records',
    { schema: { tags: ['terminal'], querystring: Type.Object({ day: Type.Optional(Type.Literal('today')) }, { additionalProperties: false }), response: { 200: Json, ...errors } } },
    async (req) => {
      actorOf(req, auth);
      const records = terminal.records();
      if (req.query.day !== 'today') return { records };
      const day = today();
      return { records: records.filter((r) => todayJst(Date.parse(r.finishedAt)) === day) };
    },
  );

  app.get('/api/mode-changes', { schema: { tags: ['terminal'], response: { 200: Json, ...errors } } }, async (req) => {
    actorOf(req, auth);
    return { changes: terminal.modeChanges() };
  });

  app.put('/api/mode', { schema: { tags: ['terminal'], body: SwitchModeBody, response: { 200: Json, ...errors } } }, async (req) => {
    const change = await terminal.switchMode(actorOf(req, auth), req.body.mode);
    // The mode already in force: 200 with changed:false, no record (docs/api.md).
    return { mode: terminal.mode, changed: change !== null, change };
  });

  app.post('/api/visual-check', { schema: { tags: ['visual check'], body: BeginVisualCheckBody, response: { 200: Json, ...errors } } }, async (req) => ({
    visualCheck: await terminal.beginVisualCheck(actorOf(req, auth), req.body),
  }));

  app.post('/api/visual-check/confirm', { schema: { tags: ['visual check'], response: { 200: Json, ...errors } } }, async (req) => ({
    record: await terminal.confirmVisualCheck(actorOf(req, auth)),
  }));

  app.post('/api/visual-check/complete', { schema: { tags: ['visual check'], response: { 200: Json, ...errors } } }, async (req) => ({
    visualCheck: terminal.completeVisualCheck(actorOf(req, auth)),
  }));

  app.delete('/api/visual-check', { schema: { tags: ['visual check'], response: { 200: Json, ...errors } } }, async (req) => ({
    visualCheck: await terminal.cancelVisualCheck(actorOf(req, auth)),
  }));

  // Server-sent events: the terminal's one event stream, minus raw frames (those go to traces).
  app.get('/api/events', { schema: { tags: ['terminal'], hide: true } }, async (req, reply) => {
    actorOf(req, auth);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(`retry: 2000\nevent: status\ndata: ${JSON.stringify({ ...terminal.status(), today: today(), emulated })}\n\n`);
    const onEvent = (e: TerminalEvent) => {
      if (e.type !== 'frame') res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
    };
    terminal.on('event', onEvent);
    // A comment now and then keeps proxies and idle browsers from dropping the stream.
    const beat = setInterval(() => res.write(': keep-alive\n\n'), 15_000).unref();
    req.raw.on('close', () => {
      clearInterval(beat);
      terminal.off('event', onEvent);
    });
  });
};
