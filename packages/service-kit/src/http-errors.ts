import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { ERROR_CATALOG, type ErrorCode, isTesseraError } from '@tessera/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { openObject } from './route-schema.js';
import { Type } from './typebox-builders.js';

/** The error envelope of every Tessera API: `{ error: { code, message, reason?, requestId } }`. */
export const errorSchema = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    reason: Type.Optional(Type.String()),
    requestId: Type.Optional(Type.String()),
    details: Type.Optional(openObject),
  }),
});

/**
 * Answers a refusal in the envelope. `details.retryAfterSeconds` (a throttle's wait) also
 * becomes the `Retry-After` header.
 */
export function sendError(
  reply: FastifyReply,
  code: ErrorCode,
  message?: string,
  extra?: { reason?: string | undefined; details?: Record<string, unknown> | undefined },
): FastifyReply {
  const body: Record<string, unknown> = { code, message: message ?? ERROR_CATALOG[code].message };
  if (extra?.reason) body.reason = extra.reason;
  if (extra?.details) body.details = extra.details;
  body.requestId = reply.request.id;
  const retryAfter = extra?.details?.retryAfterSeconds;
  if (typeof retryAfter === 'number') reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfter))));
  return reply.code(ERROR_CATALOG[code].status).send({ error: body });
}

export interface ErrorHandlingOptions {
  /**
   * Recognises errors of the caller's own infrastructure (an unreachable database, say) and
   * names the code and message to answer with; undefined lets the generic rules decide.
   * `quiet` leaves the logging to the caller (once per outage rather than per request).
   */
  classify?: (err: unknown) => { code: ErrorCode; message: string; quiet?: boolean } | undefined;
}

/** Framework refusals (Fastify's error codes) and the catalog code each is answered with. */
const FRAMEWORK_CODES: Readonly<Record<number, ErrorCode>> = {
  408: 'REQUEST_TIMEOUT',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  431: 'HEADERS_TOO_LARGE',
};

/**
 * One error handler: typed errors keep their code and message, schema failures are 400 with
 * what failed, framework refusals keep their status in the envelope, and anything else is a
 * 500 with a generic message (the details go to the log, never to the client). While the
 * listener closes, requests still arriving on open connections get 503 UNAVAILABLE.
 */
export function installErrorHandling(app: FastifyInstance, opts: ErrorHandlingOptions = {}): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (isTesseraError(err)) {
      if (err.code === 'INTERNAL') request.log.error({ err }, 'internal error');
      return sendError(reply, err.code, err.message, { reason: err.reason, details: err.details });
    }
    if (err.validation) return sendError(reply, 'BAD_REQUEST', `invalid request: ${err.message}`);
    const known = opts.classify?.(err);
    if (known) {
      // `quiet`: the caller logs the condition once (an outage), not once per request.
      if (!known.quiet) request.log.warn({ err: err.message }, known.message);
      return sendError(reply, known.code, known.message);
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const limit = request.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit;
      return sendError(reply, 'PAYLOAD_TOO_LARGE', `the request body is larger than ${limit} bytes`);
    }
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      const code = FRAMEWORK_CODES[err.statusCode];
      if (code === 'UNSUPPORTED_MEDIA_TYPE') {
        return sendError(reply, code, `this route does not take a ${request.headers['content-type']} body`);
      }
      if (code) return sendError(reply, code);
      return sendError(reply, 'BAD_REQUEST', `invalid request: ${err.message}`);
    }
    request.log.error({ err }, 'unhandled error');
    return sendError(reply, 'INTERNAL');
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 'NOT_FOUND', `no route ${request.method} ${request.url}`),
  );
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (!closing) return;
    reply.header('connection', 'close');
    return sendError(reply, 'UNAVAILABLE', 'this listener is shutting down; try another server or again shortly');
  });
}

/**
 * Fastify's `frameworkErrors`: refusals made while routing (a URL that does not decode, a
 * path parameter longer than the router keeps), answered in the envelope like every other.
 */
export function frameworkErrors(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    sendError(reply, 'URI_TOO_LONG', 'a path segment of the URL is longer than any id this API takes');
  } else if (err.code === 'FST_ERR_BAD_URL') {
    sendError(reply, 'BAD_REQUEST', 'the URL does not decode: a percent-encoding is malformed or not UTF-8');
  } else {
    reply.log.error({ err }, 'routing failed');
    sendError(reply, 'INTERNAL');
  }
}

/**
 * Node's `clientError`: a request the HTTP parser refuses or one past its timeout, answered
 * on the raw socket in the envelope (no request id: there is no request), then closed.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const code: ErrorCode =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? 'REQUEST_TIMEOUT'
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? 'HEADERS_TOO_LARGE'
        : 'BAD_REQUEST';
  const message = code === 'BAD_REQUEST' ? 'the request is not well-formed HTTP/1.1' : ERROR_CATALOG[code].message;
  const body = JSON.stringify({ error: { code, message } });
  const status = ERROR_CATALOG[code].status;
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
