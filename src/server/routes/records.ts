import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { OqsError } from '../../reader/errors';
import type { Terminal } from '../../reader/terminal';
import { actorOf, type Auth } from '../auth';
import type { RecordRange } from '../../reader/store';
import {
  CONTENT_TYPES,
  EXPORT_FORMATS,
  exportStream,
  HEADER_LANGUAGES,
  MODE_CHANGE_COLUMNS,
  RECORD_COLUMNS,
  type Column,
  type ExportFormat,
  type HeaderLanguage,
} from '../records-export';
import { DEFAULT_PAGE, MAX_PAGE, PAGE_ORDERS, pageLimit, pageOrder, resolveRange } from '../records-range';
import { ConfirmationRecord, ModeChange, ref } from '../schemas';

export interface RecordsRoutesOptions {
  terminal: Terminal;
  auth: Auth;
}

// Typed loosely (strings) and read by the handler, so each bad value gets its own code from the
// one table (OQS_ERR_RECORDS_RANGE, OQS_ERR_PAGE_LIMIT, OQS_ERR_PAGE_ORDER, OQS_ERR_BAD_CURSOR) rather than a generic 400.
const from = Type.String({ description: 'a day in Japan (YYYY-MM-DD, from its JST midnight) or an ISO 8601 instant with Z or an offset; inclusive' });
const to = Type.String({ description: 'a day in Japan (YYYY-MM-DD; the whole day is included) or an ISO 8601 instant with Z or an offset; excluded' });
const Range = { from: Type.Optional(from), to: Type.Optional(to) };
const Paging = {
  ...Range,
  limit: Type.Optional(Type.String({ pattern: '^[0-9]+$', description: `records on this page, 1 to ${MAX_PAGE}; default ${DEFAULT_PAGE}` })),
  cursor: Type.Optional(Type.String({ description: "the previous page's next, with the same order; opaque" })),
  order: Type.Optional(
    Type.String({
      enum: [...PAGE_ORDERS],
      description: 'oldest first (default) or newest first; a walk sees each row once, rows added meanwhile come on a fresh newest-first walk',
    }),
  ),
};
const Export = {
  ...Range,
  format: Type.Optional(Type.String({ enum: [...EXPORT_FORMATS], description: 'csv or ndjson (default)' })),
  headers: Type.Optional(
    Type.String({ enum: [...HEADER_LANGUAGES], description: 'CSV header row: en (default) or ja (Japanese, with a UTF-8 BOM for Excel)' }),
  ),
};
const query = (props: Record<string, unknown>) => Type.Object(props as Record<string, typeof from>, { additionalProperties: false });
const next = Type.Union([Type.String(), Type.Null()], { description: 'the cursor of the next page (pass it as cursor), or null on the last page' });
const range = Type.Object(
  { from: Type.Optional(Type.String({ format: 'date-time' })), to: Type.Optional(Type.String({ format: 'date-time' })) },
  { description: 'the range as instants (from inclusive, to excluded), as the terminal read it' },
);
const stream = (what: string) => ({
  description: `${what}, streamed`,
  content: {
    'text/csv': { schema: { type: 'string', description: 'RFC 4180, CRLF line ends, a header row (docs/api.md lists the columns)' } },
    'application/x-ndjson': { schema: { type: 'string', description: 'one JSON object per line' } },
  },
});

type Loose = Record<string, string | undefined>;

/** Records and the mode-change audit trail: pages by range and cursor, and exports for audits. */
export const recordsRoutes: FastifyPluginAsyncTypebox<RecordsRoutesOptions> = async (app, { terminal, auth }) => {
  const store = terminal.store;

  /** The query's range and page, or the coded refusal (checked before anything is read). */
  const paging = (req: FastifyRequest) =>
    checked(req, (q) => {
      const range = resolveRange(q, terminal.clock.now());
      return { range, page: { ...range, limit: pageLimit(q.limit), order: pageOrder(q.order), cursor: q.cursor } };
    });

  app.get(
    '/api/records',
    {
      attachValidation: true,
      schema: {
        tags: ['terminal'],
        summary: 'Identity confirmations recorded, a page at a time (oldest first, or newest first with order=newest)',
        description: `A date range (from, to) or day=today (today in Japan), ${DEFAULT_PAGE} records a page unless limit says (at most ${MAX_PAGE}); next is the cursor of the following page. Bad ranges, limits, orders and cursors are 400 OQS_ERR_RECORDS_RANGE, OQS_ERR_PAGE_LIMIT, OQS_ERR_PAGE_ORDER, OQS_ERR_BAD_CURSOR.`,
        operationId: 'listRecords',
        querystring: query({ ...Paging, day: Type.Optional(Type.String({ enum: ['today'], description: 'today in Japan; not with from or to' })) }),
        response: { 200: Type.Object({ records: Type.Array(ref(ConfirmationRecord)), next, range }) },
      },
    },
    async (req) => {
      actorOf(req, auth);
      const p = paging(req);
      const page = store.recordsPage(p.page);
      return { records: page.records, next: page.next, range: p.range };
    },
  );

  app.get(
    '/api/mode-changes',
    {
      attachValidation: true,
      schema: {
        tags: ['terminal'],
        summary: 'The mode-change audit trail, a page at a time (oldest first, or newest first with order=newest)',
        description: 'The same range, limit, order and cursor as GET /api/records.',
        operationId: 'listModeChanges',
        querystring: query(Paging),
        response: { 200: Type.Object({ changes: Type.Array(ref(ModeChange)), next, range }) },
      },
    },
    async (req) => {
      actorOf(req, auth);
      const p = paging(req);
      const page = store.modeChangesPage(p.page);
      return { changes: page.changes, next: page.next, range: p.range };
    },
  );

  const exportRoute = <T>(url: string, operationId: string, what: string, rows: (r: RecordRange) => Iterable<T>, columns: Column<T>[]) =>
    app.get(
      url,
      {
        attachValidation: true,
        schema: {
          tags: ['terminal'],
          summary: `Export ${what} in a date range for audits (CSV or NDJSON, streamed)`,
          description: 'Oldest first; the whole range, read from the store as it is sent. A bad range or format is refused before anything is sent.',
          operationId,
          querystring: query(Export),
          response: { 200: stream(what) },
        },
      },
      async (req, reply) => {
        actorOf(req, auth);
        const { r, format, lang } = checked(req, (q) => ({
          r: resolveRange(q, terminal.clock.now()),
          format: oneOf('format', q.format ?? 'ndjson', EXPORT_FORMATS) as ExportFormat,
          lang: oneOf('headers', q.headers ?? 'en', HEADER_LANGUAGES) as HeaderLanguage,
        }));
        // Named by the days in Japan it covers, the last one included: records-2026-11-01-2026-11-30.csv.
        const name = `${url.split('/')[2]}-${r.from ? jstDay(Date.parse(r.from)) : 'start'}-${r.to ? jstDay(Date.parse(r.to) - 1) : 'now'}.${format}`;
        reply.header('content-type', CONTENT_TYPES[format]).header('content-disposition', `attachment; filename="${name}"`).header('cache-control', 'no-store');
        // HEAD (fastify answers it with this handler): the headers only, without reading the store.
        if (req.method === 'HEAD') return reply.send();
        return reply.send(exportStream(rows(r), format, columns, lang));
      },
    );
  exportRoute('/api/records/export', 'exportRecords', 'identity confirmations', (r) => store.records(r), RECORD_COLUMNS);
  exportRoute('/api/mode-changes/export', 'exportModeChanges', 'the mode-change audit trail', (r) => store.modeChanges(r), MODE_CHANGE_COLUMNS);
};

/**
 * The handler reads the values it knows first, so each bad one gets its code from the table; what
 * the schema refuses beyond them (an unknown parameter) stays a 400 OQS_ERR_BAD_REQUEST.
 */
function checked<T>(req: FastifyRequest, read: (q: Loose) => T): T {
  const result = read(req.query as Loose);
  if (req.validationError) throw new OqsError('OQS_ERR_BAD_REQUEST', req.validationError.message);
  return result;
}

/** The day in Japan of an instant, YYYY-MM-DD. */
const jstDay = (ms: number) => new Date(ms + 9 * 3600_000).toISOString().slice(0, 10);

function oneOf(name: string, value: string, allowed: readonly string[]): string {
  if (!allowed.includes(value)) throw new OqsError('OQS_ERR_EXPORT_FORMAT', name, allowed.join(', '), value.slice(0, 40));
  return value;
}
