/**
 * The License Server's knobs: numbers that shape its behaviour, each with the reason for its
 * value. Options (flags, tests) may override some of them; these are the defaults. Knobs that
 * belong to one piece alone and are named beside it stay there (USAGE_POLICY, EVENTS_POLICY,
 * CHECKPOINT_POLICY; SESSION_POLICY is service-kit's, shared with the Cloud).
 */

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const DAY_MS = 24 * 60 * MINUTE_MS;

export const SERVER_POLICY = {
  // ---- writes ----
  /**
   * Most operations one commit of the commit queue takes. Large enough that a burst of
   * checkouts costs few fsyncs; small enough that one transaction stays short (milliseconds)
   * and a failure rolls back a bounded amount of work.
   */
  commitMaxBatch: 512,
  /**
   * Pending writes beyond which new checkouts get 429: a flood cannot grow memory without
   * bound, while a full minute of ordinary load at the benchmarked rate still fits.
   */
  maxPendingWrites: 20_000,

  // ---- client listener ----
  /**
   * Largest request body on the client listener. A checkout is a few hundred bytes; 16 KiB
   * leaves room for long host and app names and refuses anything that is not a lease request.
   */
  clientBodyLimitBytes: 16 * 1024,

  // ---- admin API input ----
  /** Longest license or lease id in a URL: ids are far shorter; anything longer names nothing. */
  maxIdLength: 128,
  /** Longest user name at sign-in (users are made with at most 32 characters; room for a typo). */
  maxSignInNameLength: 64,
  /** Longest feature name filter: feature names in licenses are short identifiers. */
  maxFeatureNameLength: 64,
  /** Longest setting value accepted: a list of Cloud nodes or a file path fits many times over. */
  maxSettingValueLength: 4096,
  /** Most audit entries one page returns, and how many when the caller names no limit. */
  auditPageMax: 500,
  auditPageDefault: 100,
  /** Most leases one page of the Sessions listing returns (a screen shows 50), and how many by default. */
  seatsPageMax: 500,
  seatsPageDefault: 50,
  /** Most leases one bulk release names: ten full pages of the listing; more is a script's loop. */
  seatsReleaseMax: 1000,
  /** Longest free-text search of the listing: a client id, host or lease id fits. */
  seatsSearchMaxLength: 128,
  /** Days of usage the Dashboard shows when it names no range: a week of working days and a weekend. */
  usageDaysDefault: 7,

  // ---- lease engine ----
  /** How often lapsed leases are looked for: a lapsed seat is free within this plus one commit. */
  leaseSweepMs: 100,
  /** Granularity of the expiry wheel: deadlines within one slot lapse in the same sweep. */
  expirySlotMs: 250,
  /**
   * How long the reason a lease ended is kept on disk, for a client that was away (a laptop
   * asleep over a weekend) and heartbeats later: it hears why, not UNKNOWN_LEASE.
   */
  goneLeaseRetentionMs: 7 * DAY_MS,
  /**
   * Shortest time the in-memory reasons of ended leases are kept before their generation is
   * dropped (at least two lease lengths, so a holder's next heartbeat still finds its reason).
   */
  goneMemoryMinMs: MINUTE_MS,
  /** The clock guard's mark is written at most this often while time moves on normally. */
  clockMarkWriteEveryMs: MINUTE_MS,

  // ---- flexible licensing ----
  /** How often valid-until is checked; flexible seats stop being served within this of it. */
  flexibleExpiryCheckMs: SECOND_MS,
  /** The monotonic time spent since the last Sync is written this often: a crash loses at most this. */
  flexibleElapsedPersistMs: 30 * SECOND_MS,
  /** Interval to the next exchange when the last Sync names none (the Cloud's own default: a day). */
  defaultSyncIntervalSeconds: 86_400,
  /** The settings check's `/healthz` probe of a Cloud node: long enough for a TLS handshake far away. */
  cloudProbeTimeoutMs: 3 * SECOND_MS,
  /** Largest answer read from a node (a Sync for many licenses is far below this). */
  maxCloudAnswerBytes: 32 * 1024 * 1024,
} as const;

/** The online exchange with the Cloud. */
export const SYNC_POLICY = {
  /** First retry after a failure; doubles each time. */
  retryBaseMs: SECOND_MS,
  /** Longest wait between two attempts after failures. */
  retryCapMs: 5 * MINUTE_MS,
  /** One request to one Cloud URL: a Sync of many licenses over a slow link still arrives. */
  requestTimeoutMs: 30 * SECOND_MS,
} as const;
