/**
 * The Cloud's behaviour knobs, in one place.
 */

/** Licensing nodes: batching, sweeping, caching (DESIGN §4, §8). */
export const SEAT_POLICY = {
  /** Most checkouts and releases written in one transaction. */
  maxBatch: 500,
  /** Most heartbeats extended by one batch. */
  maxHeartbeatBatch: 5_000,
  /** How often each node looks for lapsed leases (they are freed within this). */
  sweepMs: 1_000,
  /** How often a node says it is alive in the `nodes` table. */
  nodeTouchMs: 10_000,
  /** A node not heard from for this long is left out of generated client configurations. */
  nodeLiveMs: 5 * 60_000,
  /**
   * Ended leases are kept this long, then pruned: long enough for their holders' next
   * heartbeats to hear why (LEASE_GONE reason), short enough that a busy pool does not grow
   * a table of every checkout ever made.
   */
  keepEndedMs: 15 * 60_000,
  pruneEveryMs: 60_000,
  /** While the database is unreachable, how often a node tries it again. */
  probeMs: 500,
  /** Releases a node remembers while its database is away (beyond that, leases lapse by themselves). */
  maxOwedReleases: 100_000,
  /** A subscription account is re-read from the database at most this often per node. */
  accountCacheMs: 5_000,
} as const;

/** Uninstall certificates (DESIGN §9: limit how often an entitlement's seats come back). */
export const RETURN_POLICY = {
  /** A customer may return seats of one entitlement at most this many times per window... */
  maxReturnsPerEntitlement: 3,
  /** ...of this many days. Vendor staff are not limited. */
  windowDays: 30,
} as const;

/** Names and sizes of what people type. */
export const INPUT_RULES = {
  customerName: { min: 1, max: 200 },
  featureName: /^[A-Za-z0-9._-]{1,64}$/,
  featureDescriptionMax: 500,
  username: /^[a-z][a-z0-9._-]{1,31}$/,
  accountLabelMax: 100,
  maxFeaturesPerRequest: 100,
} as const;
