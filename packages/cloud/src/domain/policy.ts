/**
 * The Cloud's behaviour knobs, in one place, each with why it has its value. Settings an
 * operator gives (`tessera cloud start` options) are checked against these; the rest are
 * fixed here.
 */

/** Licensing nodes: batching, sweeping, remembering through a database outage (docs/cloud.md). */
export const SEAT_POLICY = {
  /**
   * Most checkouts and releases written in one transaction: large enough that a crowd of
   * clients costs a few commits, small enough that one batch holds its row locks for a few
   * milliseconds and other nodes' batches do not wait long behind it.
   */
  maxBatch: 500,
  /**
   * Most lease ids extended by one UPDATE: keeps each statement's `in (...)` list (and its
   * bound parameters) well within what both databases take in one statement.
   */
  maxHeartbeatBatch: 5_000,
  /**
   * How often each node looks for lapsed leases (they are freed within this): a second is
   * small next to the shortest lease, and one indexed query a second costs nothing.
   */
  sweepMs: 1_000,
  /**
   * Most entitlements one sweep frees leases of: a sweep stays one short transaction even
   * after an outage left many leases lapsed; the next sweep, a `sweepMs` later, takes the rest.
   */
  sweepBatch: 200,
  /** How often a node says it is alive in the `nodes` table: often enough for `nodeLiveMs`. */
  nodeTouchMs: 10_000,
  /**
   * A node not heard from for this long is left out of generated client configurations:
   * thirty missed touches, so a node busy or restarting is not dropped.
   */
  nodeLiveMs: 5 * 60_000,
  /**
   * Ended leases are kept this long, then pruned: long enough for their holders' next
   * heartbeats to hear why (LEASE_GONE reason), short enough that a busy pool does not grow
   * a table of every checkout ever made.
   */
  keepEndedMs: 15 * 60_000,
  /** How often a node prunes ended leases: a minute is fine-grained enough for `keepEndedMs`. */
  pruneEveryMs: 60_000,
  /**
   * A lease this node remembers is forgotten this long after its last known expiry: its holder
   * has given up by then, and the memory of a busy node stays the size of its live leases.
   */
  forgetLapsedAfterMs: 60_000,
  /**
   * While the database is unreachable, how often a node tries it again: checkouts are refused
   * meanwhile, so half a second of them at most after it is back.
   */
  probeMs: 500,
  /**
   * Releases a node remembers while its database is away: bounds the memory an outage can
   * take; beyond that, leases lapse by themselves after their lease time.
   */
  maxOwedReleases: 100_000,
  /**
   * A subscription account is re-read from the database at most this often per node: a
   * disabled account stops working within seconds without a read on every request.
   */
  accountCacheMs: 5_000,
  /**
   * How long a stopping node waits for the batches and sweep in flight before it answers
   * what is still queued with 503: a healthy commit takes milliseconds, and a stop must not
   * hang on a database that stopped answering.
   */
  stopWaitMs: 5_000,
} as const;

/**
 * Flexible licensing's sync schedule (docs/cloud.md, `--sync-interval` and `--grace`):
 * vendor-set, 1 day to 1 week between syncs, a Sync valid `grace` seconds (1 day to 90 days).
 * A License Server offline for a weekend keeps its licenses; one cloned and never synced again
 * loses them within the grace. Shorter values are for tests only: allowed when
 * `TESSERA_TEST=1` (the test runner) or `TESSERA_TEST_SHORT_SYNC=1` is set, and the node then
 * says so loudly in its log.
 */
export const SYNC_POLICY = {
  defaultIntervalSeconds: 86_400,
  minIntervalSeconds: 86_400,
  maxIntervalSeconds: 7 * 86_400,
  defaultGraceSeconds: 7 * 86_400,
  minGraceSeconds: 86_400,
  maxGraceSeconds: 90 * 86_400,
  /** The environment variables that lift the minimums (test knobs). */
  testEnv: ['TESSERA_TEST', 'TESSERA_TEST_SHORT_SYNC'],
  /**
   * How far a server's clock may run ahead of the Cloud's before its usage hours are refused:
   * ordinary clock drift passes, an hour of usage from the future does not.
   */
  clockToleranceMs: 5 * 60_000,
  /** Most days of usage one query returns: a (leap) year, which bounds the rows one answer carries. */
  maxUsageDays: 366,
} as const;

/** True when a test knob (see {@link SYNC_POLICY}) lifts the production minimums of the sync schedule. */
export function shortSyncAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
  return SYNC_POLICY.testEnv.some((name) => env[name] === '1');
}

/** Enrollment codes of flexible servers. */
export const ENROLLMENT_POLICY = {
  /**
   * A code is refused this long after it was made: time to carry it to an offline site, and
   * a code left in a ticket or a mail does not work forever.
   */
  validDays: 7,
} as const;

/** Uninstall certificates: limit how often an entitlement's seats come back. */
export const RETURN_POLICY = {
  /**
   * A customer may return seats of one entitlement at most this many times per window:
   * enough for a real move or two, too few to rotate one license among machines.
   */
  maxReturnsPerEntitlement: 3,
  /** ...of this many days. Vendor staff are not limited. */
  windowDays: 30,
} as const;

/** Entitlement terms. */
export const TERM_RULES = {
  /** Longest subscription term, in days: a hundred years, "for ever" in practice. */
  maxTermDays: 36_600,
} as const;

/** Pages of the audit log. */
export const AUDIT_PAGE = {
  /** Entries a page has when the caller does not say. */
  defaultLimit: 100,
  /** Most entries one page returns, so one request cannot read the whole log. */
  maxLimit: 1_000,
} as const;

/**
 * Names and sizes of what people type: bounded so that what they type fits on one line of
 * the Dashboard and in a license document, and no request can store a novel.
 */
export const INPUT_RULES = {
  customerName: { min: 1, max: 200 },
  /** Feature names go into license documents and SDK calls: plain, short, no spaces. */
  featureName: /^[A-Za-z0-9._-]{1,64}$/,
  featureDescriptionMax: 500,
  /** Lower-case so that sign-in is not case-sensitive in surprising ways. */
  username: /^[a-z][a-z0-9._-]{1,31}$/,
  accountLabelMax: 100,
  maxFeaturesPerRequest: 100,
} as const;
