import { ERROR_CATALOG, type ErrorCode, isTesseraError } from '@tessera/core';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { isDbUnavailableError } from '../store/db.js';

/** The error envelope of every Cloud route: `{ error: { code, message, reason?, details?, requestId } }`. */
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
} as const;

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

/**
 * One error handler: typed errors keep their code and message; schema failures are 400 with
 * what failed; an unreachable database is 503 UNAVAILABLE; framework refusals keep their
 * status; anything else is a 500 with a generic message (details to the log only).
 */
export function installErrorHandling(app: FastifyInstance, onDbUnavailable?: (err: unknown) => void): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (isTesseraError(err)) {
      if (err.code === 'INTERNAL') request.log.error({ err }, 'internal error');
      return sendError(reply, err.code, err.message, { reason: err.reason, details: err.details });
    }
    if (err.validation) return sendError(reply, 'BAD_REQUEST', `invalid request: ${err.message}`);
    if (isDbUnavailableError(err)) {
      onDbUnavailable?.(err);
      request.log.warn({ err: err.message }, 'database unreachable');
      return sendError(reply, 'UNAVAILABLE', 'the Cloud database is unreachable; try again');
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
