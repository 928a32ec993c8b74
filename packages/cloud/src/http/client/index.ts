/**
 * The client protocol v1 (docs/protocol.md) on a licensing node: the routes a License Server
 * serves too (service-kit), over the subscription seats, with HTTP Basic auth by
 * subscription account (the `account` rule of ../auth.ts).
 */
import { registerClientRoutes } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import { accountOf } from '../auth.js';
import type { CloudHttpContext } from '../context.js';
import { CloudSeats } from './seat-provider.js';

export function registerClientProtocol(app: FastifyInstance, ctx: CloudHttpContext): void {
  const { checkouts, heartbeats, releases } = ctx.metrics;
  const granted = checkouts.labels('granted');
  const beatOk = heartbeats.labels('ok');
  registerClientRoutes(app, {
    seats: new CloudSeats(ctx.seats),
    auth: { config: { cloudAuth: 'account' }, security: [{ basic: [] }], callerOf: accountOf },
    metrics: {
      checkout: (result) => (result === 'granted' ? granted : checkouts.labels(result)).inc(),
      heartbeat: (result) => (result === 'ok' ? beatOk : heartbeats.labels(result)).inc(),
      release: () => releases.labels('ok').inc(),
    },
  });
}
