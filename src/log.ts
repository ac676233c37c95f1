import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { Terminal, TerminalEvent } from './reader/terminal';
import { RecentSet } from './util/recent';

/**
 * The product's log: pino (JSON lines), with the level from LOG_LEVEL and redaction of every path
 * that could carry a secret. The terminal's events are logged by `logTerminalEvents` as outcomes,
 * counts and times only — never frames, never a field it does not name.
 *
 * Redacted (censored as "[Redacted]"), at the top level and up to four levels deep, arrays too:
 * `pin`, `password`, `csrfToken`; and the request's `authorization`, `cookie` and `x-csrf-token`
 * headers and the response's `set-cookie`. `cardId` is not redacted: it is the reader's one-way
 * hash of the certificate serial (docs/protocol.md §1), and `logTerminalEvents` leaves it out
 * anyway.
 */

const SECRET_KEYS = ['pin', 'password', 'csrfToken'];

export const REDACT_PATHS: readonly string[] = [
  ...SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `*.*.*.${k}`, `*.*.*.*.${k}`, `*[*].${k}`, `*.*[*].${k}`, `*.*.*[*].${k}`]),
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["x-csrf-token"]',
];

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface LogOptions {
  /** Default: LOG_LEVEL, else "info". */
  level?: string;
  /** Where the JSON lines go (default: stdout). Anything with write(line) will do. */
  destination?: DestinationStream;
  /** Extra fields on every line (default: none; pid and hostname are left out). */
  base?: Record<string, unknown>;
}

/** The pino options (level, redaction), for a logger made elsewhere — e.g. fastify's `logger`. */
export function loggerOptions(opts: Pick<LogOptions, 'level' | 'base'> = {}): LoggerOptions {
  const level = opts.level ?? process.env.LOG_LEVEL ?? 'info';
  if (!LEVELS.includes(level)) throw new RangeError(`LOG_LEVEL must be one of ${LEVELS.join(', ')}; got "${level}"`);
  return {
    level,
    base: opts.base ?? null,
    redact: { paths: [...REDACT_PATHS], censor: '[Redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
}

export function createLogger(opts: LogOptions = {}): Logger {
  const options = loggerOptions(opts);
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/** How many record ids the log remembers to tell a new record from an update. */
export const RECENT_RECORD_IDS = 4096;

/**
 * Logs the terminal's event stream: mode changes (from, to, by, at), confirmation records (id,
 * outcome, method, failReason, confirmationDate, operator, reader serial, times, running totals),
 * reader connects and disconnects, and alerts (code only). Each line is built from named fields,
 * never by passing the event on, so nothing else can slip into the log: no frames (not logged at
 * all), no reader event fields, no cardId, no screen texts. Returns a function that unsubscribes.
 */
export function logTerminalEvents(terminal: Terminal, logger: Logger): () => void {
  const log = logger.child({ component: 'terminal' });
  const totals = { confirmed: 0, failed: 0, modeChanges: 0, disconnects: 0 };
  // Ids only tell a new record from an update (consent) of one logged a moment ago: the most recent
  // ones suffice, far more than readers on one terminal have transactions open at once.
  const recorded = new RecentSet<string>(RECENT_RECORD_IDS);
  const onEvent = (e: TerminalEvent) => {
    switch (e.type) {
      case 'modeChanged': {
        const { from, to, by, at } = e.change;
        totals.modeChanges++;
        log.info({ event: 'modeChanged', from, to, by, at, modeChanges: totals.modeChanges }, `mode ${from} → ${to} by ${by}`);
        return;
      }
      case 'record': {
        const r = e.record;
        const first = !recorded.has(r.id);
        if (first) totals[r.outcome]++;
        recorded.add(r.id);
        const durationMs = Date.parse(r.finishedAt) - Date.parse(r.startedAt);
        log.info(
          {
            event: first ? 'record' : 'recordUpdated',
            id: r.id,
            outcome: r.outcome,
            method: r.method,
            failReason: r.failReason,
            confirmationDate: r.confirmationDate,
            operator: r.operator,
            reader: r.reader.serial,
            startedAt: r.startedAt,
            finishedAt: r.finishedAt,
            durationMs: Number.isFinite(durationMs) ? durationMs : null,
            totals: { confirmed: totals.confirmed, failed: totals.failed },
          },
          first ? `identity ${r.outcome}${r.method ? ` (${r.method})` : ''}${r.failReason ? `: ${r.failReason}` : ''}` : 'record updated',
        );
        return;
      }
      case 'readerConnected': {
        const { vendor, model, firmware, serial, protocolVersion } = e.identity;
        log.info({ event: 'readerConnected', path: e.path, vendor, model, firmware, serial, protocolVersion }, `reader connected on ${e.path}`);
        return;
      }
      case 'readerDisconnected':
        totals.disconnects++;
        log.warn({ event: 'readerDisconnected', path: e.path, disconnects: totals.disconnects }, `reader disconnected from ${e.path}`);
        return;
      case 'alert':
        if (e.alert?.cause) log.warn({ event: 'alert', code: e.alert.code, cause: e.alert.cause.code }, `alert ${e.alert.code} (${e.alert.cause.code})`);
        else if (e.alert) log.warn({ event: 'alert', code: e.alert.code }, `alert ${e.alert.code}`);
        else log.info({ event: 'alert', code: null }, 'alerts cleared');
        return;
      // frame, readerEvent, visualCheck: never logged (raw bytes and patient-flow details go to
      // traces, which are written only by tests and certification).
      default:
        return;
    }
  };
  terminal.on('event', onEvent);
  return () => terminal.off('event', onEvent);
}
