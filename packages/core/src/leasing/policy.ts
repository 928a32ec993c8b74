/**
 * Behaviour knobs of the lease engine, in one place (docs/licensing.md).
 */
export const LEASE_POLICY = {
  /** A lease lives this long past its last heartbeat unless the server is told otherwise. */
  defaultLeaseSeconds: 120,
  /** Clients are asked to heartbeat this often. */
  defaultHeartbeatSeconds: 30,
  /** Bounds an operator may set. */
  minLeaseSeconds: 5,
  maxLeaseSeconds: 86_400,
  minHeartbeatSeconds: 1,
  /** The most seats one lease may take (still bounded by what one license holds). */
  maxSeatsPerLease: 1_000_000,
} as const;

/** Clock guard (docs/licensing.md): how far behind the high-water mark the clock may be before we call it tampering. */
export const CLOCK_GUARD_POLICY = {
  toleranceMs: 10 * 60 * 1000,
} as const;
