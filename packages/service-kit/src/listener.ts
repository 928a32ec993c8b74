/**
 * What every HTTP listener of both products is built with: the timeouts of the listener
 * policy, refusals in the error envelope whatever refuses (router, HTTP parser, schema,
 * handler), the input rules, request validation, and an OpenAPI document that lists every
 * status a route can answer.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import { installInputRules } from './edge-input.js';
import {
  clientErrorHandler,
  type ErrorHandlingOptions,
  errorSchema,
  frameworkErrors,
  installErrorHandling,
} from './http-errors.js';
import { httpServerTimeouts, type ListenerPolicy } from './listener-policy.js';
import { schemaErrorFormatter } from './request-validation.js';

/**
 * Longest path parameter the router keeps. Above every id our schemas take (they answer 400
 * naming the parameter), below what could cost the router anything; longer ones get 414.
 */
export const MAX_PATH_PARAM_LENGTH = 1024;

/** Methods whose requests may carry a body (Fastify parses one), so may get 413 and 415. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * A response schema for an answer that is not JSON (a PEM key, a license file, Prometheus
 * text): the OpenAPI document then names the media type the route really serves.
 */
export function textResponse(mediaType: string, description: string) {
  return { description, content: { [mediaType]: { schema: { type: 'string' } } } } as const;
}

/**
 * Fastify constructor options of a listener: the policy's timeouts (on the TLS server too),
 * refusals in the envelope, our schema error messages.
 */
export function listenerOptions(
  policy: Readonly<ListenerPolicy>,
  https?: { cert: Buffer; key: Buffer },
): Record<string, unknown> {
  const timeouts = httpServerTimeouts(policy);
  return {
    connectionTimeout: policy.idleTimeoutMs,
    keepAliveTimeout: policy.keepAliveTimeoutMs,
    requestTimeout: policy.requestTimeoutMs,
    ...(https ? { https: { ...https, ...timeouts } } : { http: timeouts }),
    routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH },
    // Ours answers in the envelope (see installErrorHandling).
    return503OnClosing: false,
    frameworkErrors,
    clientErrorHandler,
    schemaErrorFormatter,
  };
}

export interface ListenerRulesOptions extends ErrorHandlingOptions {
  /** Statuses a route's credentials check can answer (401, 403, 429...), added to its documented responses. */
  authStatuses?: (route: RouteOptions) => readonly number[];
}

/**
 * Installs the envelope, the input rules and the response documentation on a listener.
 * Call it first, before the OpenAPI generator and any route or auth hook.
 */
export function installListenerRules(app: FastifyInstance, o: ListenerRulesOptions = {}): void {
  installErrorHandling(app, o.classify ? { classify: o.classify } : {});
  installInputRules(app);
  app.addHook('onRoute', (route) => {
    const statuses = new Set<number>([400, 503, ...(o.authStatuses?.(route) ?? [])]);
    if (route.url.includes(':')) statuses.add(414);
    for (const m of [route.method].flat()) if (BODY_METHODS.has(m)) statuses.add(413).add(415);
    route.schema ??= {};
    const schema = route.schema as { response?: Record<string, unknown> };
    schema.response ??= {};
    const response = schema.response;
    for (const status of statuses) if (response[status] === undefined) response[status] = errorSchema;
  });
}
