/**
 * The client protocol v1 (docs/protocol.md), written once: `POST /v1/leases`, heartbeat,
 * release and `GET /v1/features` over a `SeatProvider`. The License Server's lease engine and
 * a Cloud node's seat service each stand behind one; who may call (a client token, a
 * subscription account) stays the product's own rule, reached through `ClientAuth`.
 */
import {
  type CheckoutRequest,
  type CheckoutResponse,
  type ErrorCode,
  type FeaturesResponse,
  type LeaseGoneReason,
  leaseGoneMessage,
  statusOf,
} from '@tessera/core';
import type { FastifyContextConfig, FastifyInstance, FastifyRequest, FastifySchema } from 'fastify';
import {
  checkoutBodySchema,
  featuresSchema,
  heartbeatSchema,
  leaseParamsSchema,
  leaseSchema,
} from './client-protocol.js';
import { errorSchema, sendError } from './http-errors.js';

/** A checkout's answer: the lease, or a refusal with its catalog code (and `reason` for a 503). */
export type SeatCheckout =
  | { ok: true; lease: CheckoutResponse }
  | { ok: false; code: ErrorCode; message: string; reason?: string | undefined };

/** A heartbeat's answer: the new expiry, the lease gone (410), or no answer now (503). */
export type SeatHeartbeat =
  | { ok: true; expiresAt: string }
  | { ok: false; gone: true; reason: LeaseGoneReason }
  | { ok: false; gone: false; message: string };

/**
 * Where seats come from. `Caller` is who asks, as the product's authentication found it
 * (nothing on a License Server, the subscription account on a Cloud node). A method may
 * throw a `TesseraError`: the listener's error handler answers it in the envelope.
 */
export interface SeatProvider<Caller> {
  /** The codes `checkout` may refuse with, documented as the route's answers. */
  readonly checkoutRefusals: readonly ErrorCode[];
  checkout(caller: Caller, request: CheckoutRequest): Promise<SeatCheckout>;
  heartbeat(caller: Caller, leaseId: string): SeatHeartbeat | Promise<SeatHeartbeat>;
  /** Resolves once the release is stored; an unknown lease is released already. */
  release(caller: Caller, leaseId: string): Promise<void>;
  features(caller: Caller): FeaturesResponse | Promise<FeaturesResponse>;
}

/**
 * The product's client authentication, as the routes see it: the product's own hook (on the
 * listener) checks the credentials; the routes carry the `config` that hook reads and the
 * OpenAPI `security` it implies, and ask `callerOf` who passed.
 */
export interface ClientAuth<Caller> {
  config?: FastifyContextConfig;
  security?: ReadonlyArray<Record<string, readonly string[]>>;
  callerOf(request: FastifyRequest): Caller;
}

/** The product's counters of client calls. */
export interface ClientRouteMetrics {
  /** `granted`, or the code of the refusal. */
  checkout(result: string): void;
  heartbeat(result: 'ok' | 'gone' | 'unavailable'): void;
  release(): void;
}

export interface ClientRoutesOptions<Caller> {
  seats: SeatProvider<Caller>;
  auth: ClientAuth<Caller>;
  metrics: ClientRouteMetrics;
}

/**
 * Registers the four client routes. The listener's rules (service-kit `installListenerRules`)
 * add 400, 503 and the authentication's statuses to each documented answer.
 */
export function registerClientRoutes<Caller>(app: FastifyInstance, o: ClientRoutesOptions<Caller>): void {
  const { seats, auth, metrics } = o;
  const config = auth.config ?? {};
  // `tags` and `security` are the OpenAPI generator's, which FastifySchema does not know here.
  const schema = (s: Record<string, unknown>): FastifySchema =>
    (auth.security
      ? { tags: ['client'], security: auth.security, ...s }
      : { tags: ['client'], ...s }) as unknown as FastifySchema;

  app.post<{ Body: CheckoutRequest }>(
    '/v1/leases',
    {
      config,
      schema: schema({
        summary: 'Check out seats of a feature (201 only once the lease is stored)',
        body: checkoutBodySchema,
        response: {
          201: leaseSchema,
          ...Object.fromEntries(seats.checkoutRefusals.map((code) => [statusOf(code), errorSchema])),
        },
      }),
    },
    async (request, reply) => {
      const outcome = await seats.checkout(auth.callerOf(request), request.body);
      if (!outcome.ok) {
        metrics.checkout(outcome.code);
        return sendError(reply, outcome.code, outcome.message, { reason: outcome.reason });
      }
      metrics.checkout('granted');
      return reply.code(201).send(outcome.lease);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/leases/:id/heartbeat',
    {
      config,
      schema: schema({
        summary: 'Keep a lease alive',
        params: leaseParamsSchema,
        response: { 200: heartbeatSchema, 410: errorSchema },
      }),
    },
    async (request, reply) => {
      const r = await seats.heartbeat(auth.callerOf(request), request.params.id);
      if (r.ok) {
        metrics.heartbeat('ok');
        return { expiresAt: r.expiresAt };
      }
      if (r.gone) {
        metrics.heartbeat('gone');
        return sendError(reply, 'LEASE_GONE', leaseGoneMessage(r.reason), { reason: r.reason });
      }
      metrics.heartbeat('unavailable');
      return sendError(reply, 'UNAVAILABLE', r.message);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/leases/:id',
    {
      config,
      schema: schema({
        summary: 'Release a lease (204 also for an unknown id)',
        params: leaseParamsSchema,
        response: { 204: { type: 'null' } },
      }),
    },
    async (request, reply) => {
      await seats.release(auth.callerOf(request), request.params.id);
      metrics.release();
      return reply.code(204).send();
    },
  );

  app.get(
    '/v1/features',
    {
      config,
      schema: schema({
        summary: 'Features of this pool: seats, what is in use and what is free',
        response: { 200: featuresSchema },
      }),
    },
    async (request) => seats.features(auth.callerOf(request)),
  );
}
