import { ERROR_CATALOG, type ErrorCode, isTesseraError } from '@tessera/core';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';

/** The error envelope of every Tessera API: `{ error: { code, message, reason?, requestId } }`. */
export const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        reason: { type: 'string' },
        requestId: { type: 'string' },
        details: { type: 'object', additionalProperties: true },
      },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
};

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

/**
 * One error handler: typed errors keep their code and message, schema failures are 400 with
 * what failed, framework refusals keep their status, and anything else is a 500 with a
 * generic message (the details go to the log, never to the client).
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
      return sendError(
        reply,
        'PAYLOAD_TOO_LARGE',
        `the request body is larger than ${app.initialConfig.bodyLimit} bytes`,
      );
    }
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      if (err.statusCode === 413) return sendError(reply, 'PAYLOAD_TOO_LARGE');
      if (err.statusCode === 429) return sendError(reply, 'RATE_LIMITED');
      return sendError(reply, 'BAD_REQUEST', `invalid request: ${err.message}`);
    }
    request.log.error({ err }, 'unhandled error');
    return sendError(reply, 'INTERNAL');
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 'NOT_FOUND', `no route ${request.method} ${request.url}`),
  );
}
