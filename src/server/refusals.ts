import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { OqsError } from '../reader/errors';
import { LoginDelayed } from './auth';

/**
 * Every refusal, wherever it is made (our routes, fastify, the static files, node's HTTP parser),
 * as the one documented body { statusCode, code, error, message, messageJa, fault } with a code from
 * the one table (src/reader/errors.ts), its fault class and node's status text.
 */
export function refusalBody(e: OqsError) {
  return { statusCode: e.statusCode, code: e.code, error: STATUS_CODES[e.statusCode] ?? 'Error', message: e.message, messageJa: e.messageJa, fault: e.fault };
}

/** Node's default for all request headers together (--max-http-header-size). */
const MAX_HEADER_BYTES = 16 * 1024;

/** fastify's own refusals that have a code of their own in our table. */
function fromFastify(err: FastifyError, req: FastifyRequest, bodyLimit: number): OqsError | null {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new OqsError('OQS_ERR_BODY_TOO_LARGE', bodyLimit);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new OqsError('OQS_ERR_UNSUPPORTED_MEDIA_TYPE', String(req.headers['content-type'] ?? '').slice(0, 100));
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new OqsError('OQS_ERR_CONTENT_LENGTH', `Content-Length ${String(req.headers['content-length'])}`);
    case 'FST_ERR_BAD_URL':
      return new OqsError('OQS_ERR_BAD_URL', req.url.slice(0, 200));
  }
  // @fastify/static (via send) refuses dotfiles and paths outside its root with a bare 403.
  if (err.statusCode === 403) return new OqsError('OQS_ERR_FORBIDDEN_PATH', req.url.split('?')[0]!.slice(0, 200));
  return null;
}

/** A 401 names how to authenticate; the screen's own fetches get no Basic challenge, so no browser dialog. */
function challenge(req: FastifyRequest): string {
  // Browsers send Sec-Fetch-Site on every request (node's fetch sends only Sec-Fetch-Mode).
  const fromPage = req.headers['sec-fetch-site'] !== undefined && req.headers['sec-fetch-mode'] !== 'navigate';
  return fromPage ? 'Session realm="oqs-reader"' : 'Basic realm="oqs-reader", charset="UTF-8"';
}

export function send(req: FastifyRequest, reply: FastifyReply, e: OqsError): FastifyReply {
  if (e.statusCode === 401) reply.header('www-authenticate', challenge(req));
  if (e instanceof LoginDelayed) {
    reply.header('retry-after', String(e.retryAfterSeconds));
    return reply.code(429).send({ ...refusalBody(e), retryAfterSeconds: e.retryAfterSeconds });
  }
  return reply.code(e.statusCode).send(refusalBody(e));
}

export function errorHandler(bodyLimit: number) {
  return function (this: FastifyInstance, err: FastifyError | OqsError, req: FastifyRequest, reply: FastifyReply) {
    if (err instanceof OqsError) return send(req, reply, err);
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) {
      reply.log.error({ err: { message: err.message, code: err.code } }, 'unhandled error');
      return send(req, reply, new OqsError('OQS_ERR_INTERNAL'));
    }
    const mapped = fromFastify(err, req, bodyLimit);
    if (mapped) return send(req, reply, mapped);
    // The rest of fastify's 4xx (validation, bad JSON, an empty body) keep their reason.
    const e = new OqsError('OQS_ERR_BAD_REQUEST', `${err.code ?? 'bad request'}: ${err.message}`);
    // A rare other 4xx (a static file's 412/416) keeps its own status.
    return reply.code(status).send({ ...refusalBody(e), statusCode: status, error: STATUS_CODES[status] ?? 'Error' });
  };
}

/** fastify's frameworkErrors: a URL it cannot decode, before any route. */
export function frameworkErrors(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  return send(req, reply, fromFastify(err, req, 0) ?? new OqsError('OQS_ERR_BAD_REQUEST', `${err.code}: ${err.message}`));
}

/** node's 'clientError': the request could not even be parsed, so fastify never saw it. */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const code = err.code ?? 'parse error';
  const e =
    code === 'HPE_HEADER_OVERFLOW'
      ? new OqsError('OQS_ERR_HEADERS_TOO_LARGE', MAX_HEADER_BYTES)
      : code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new OqsError('OQS_ERR_REQUEST_TIMEOUT')
        : /CONTENT_LENGTH/.test(code) || code === 'HPE_INVALID_EOF_STATE' // the body ended before its Content-Length
          ? new OqsError('OQS_ERR_CONTENT_LENGTH', code)
          : new OqsError('OQS_ERR_BAD_REQUEST', `malformed HTTP request (${code})`);
  if (!socket.writable || socket.bytesWritten > 0) {
    socket.destroy(err);
    return;
  }
  const json = JSON.stringify(refusalBody(e));
  socket.end(
    `HTTP/1.1 ${e.statusCode} ${STATUS_CODES[e.statusCode]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(json)}\r\nx-content-type-options: nosniff\r\nconnection: close\r\n\r\n${json}`,
  );
}

const METHOD_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * 404 for a path nobody serves, 405 with Allow for a known path and the wrong method. The methods
 * of each exact path are collected as routes are added (wildcards, i.e. static files, are not).
 */
export function installNotFound(app: FastifyInstance): void {
  const methods = new Map<string, Set<string>>();
  app.addHook('onRoute', (route) => {
    if (/[*:]/.test(route.url)) return;
    const set = methods.get(route.url) ?? new Set<string>();
    for (const m of [route.method].flat()) set.add(m);
    if (set.has('GET')) set.add('HEAD');
    methods.set(route.url, set);
  });
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    const allowed = methods.get(path);
    if (!allowed) return send(req, reply, new OqsError('OQS_ERR_NOT_FOUND', req.method, path));
    const allow = METHOD_ORDER.filter((m) => allowed.has(m)).join(', ');
    reply.header('allow', allow);
    return send(req, reply, new OqsError('OQS_ERR_METHOD_NOT_ALLOWED', req.method, path, allow));
  });
}
