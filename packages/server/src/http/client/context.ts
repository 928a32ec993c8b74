import type { FlexibleService } from '../../domain/flexible/flexible-service.js';
import type { LeaseEngine } from '../../domain/leases/lease-engine.js';
import type { ServerMetrics } from '../metrics.js';

/** What the client API's handlers need: the engine and its counters. */
export interface ClientApiContext {
  engine: LeaseEngine;
  metrics: ServerMetrics;
  /** Pending writes beyond which new checkouts get 429, so a flood cannot grow memory without bound. */
  maxPendingWrites: number;
  pendingWrites: () => number;
  /** Flexible licensing: takes expired flexible seats out, and says why a feature has none. */
  flexible?: Pick<FlexibleService, 'checkExpiry' | 'refusal'>;
  /** `sha256:HEX` of the token clients must present, read per request; null: open. */
  clientTokenHash?: () => string | null;
}
