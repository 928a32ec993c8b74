import type { FastifyInstance } from 'fastify';
import { installClientAuth } from './auth.js';
import { registerCheckout } from './checkout.js';
import type { ClientApiContext } from './context.js';
import { registerFeatures } from './features.js';
import { registerLeaseOps } from './lease-ops.js';

export { clientAuthStatuses } from './auth.js';
export type { ClientApiContext } from './context.js';

/** The client protocol v1 (DESIGN §5). */
export function registerClientApi(app: FastifyInstance, ctx: ClientApiContext): void {
  if (ctx.clientTokenHash) installClientAuth(app, ctx.clientTokenHash);
  registerCheckout(app, ctx);
  registerLeaseOps(app, ctx);
  registerFeatures(app, ctx);
}
