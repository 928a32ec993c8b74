import { registerClientRoutes } from '@tessera/service-kit';
import type { FastifyInstance } from 'fastify';
import { installClientAuth } from './auth.js';
import type { ClientApiContext } from './context.js';
import { LicenseServerSeats } from './seat-provider.js';

export { clientAuthStatuses } from './auth.js';
export type { ClientApiContext } from './context.js';

/** The client protocol v1 (docs/protocol.md) on the License Server's client listener. */
export function registerClientApi(app: FastifyInstance, ctx: ClientApiContext): void {
  if (ctx.clientTokenHash) installClientAuth(app, ctx.clientTokenHash);
  const { checkouts, heartbeats, releases } = ctx.metrics;
  const granted = checkouts.labels('granted');
  const beat = { ok: heartbeats.labels('ok'), gone: heartbeats.labels('gone') };
  registerClientRoutes(app, {
    seats: new LicenseServerSeats({
      engine: ctx.engine,
      flexible: ctx.flexible,
      maxPendingWrites: ctx.maxPendingWrites,
      pendingWrites: ctx.pendingWrites,
      log: app.log,
    }),
    auth: { callerOf: () => undefined },
    metrics: {
      checkout: (result) => (result === 'granted' ? granted : checkouts.labels(result)).inc(),
      heartbeat: (result) => (result === 'unavailable' ? heartbeats.labels(result) : beat[result]).inc(),
      release: () => releases.inc(),
    },
  });
}
