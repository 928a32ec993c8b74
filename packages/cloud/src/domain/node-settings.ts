/**
 * A Cloud node's licensing settings as `tessera cloud start` gives them: defaults filled in,
 * checked against the product's rules (core's LEASE_POLICY, SYNC_POLICY), and what in them
 * deserves a warning in the log.
 */
import { LEASE_POLICY, TesseraError } from '@tessera/core';
import { SYNC_POLICY, shortSyncAllowed } from './policy.js';

export interface NodeSettings {
  leaseSeconds: number;
  heartbeatSeconds: number;
  syncIntervalSeconds: number;
  graceSeconds: number;
}

/**
 * The settings given, with defaults for those left out.
 *
 * @throws TesseraError BAD_REQUEST naming the setting out of its range.
 */
export function resolveNodeSettings(o: Partial<NodeSettings>, env: NodeJS.ProcessEnv = process.env): NodeSettings {
  const leaseSeconds = o.leaseSeconds ?? LEASE_POLICY.defaultLeaseSeconds;
  const heartbeatSeconds = o.heartbeatSeconds ?? LEASE_POLICY.defaultHeartbeatSeconds;
  checkLeaseTimes(leaseSeconds, heartbeatSeconds);
  const syncIntervalSeconds = o.syncIntervalSeconds ?? SYNC_POLICY.defaultIntervalSeconds;
  const graceSeconds = o.graceSeconds ?? SYNC_POLICY.defaultGraceSeconds;
  checkSyncSettings(syncIntervalSeconds, graceSeconds, shortSyncAllowed(env));
  return { leaseSeconds, heartbeatSeconds, syncIntervalSeconds, graceSeconds };
}

/** What the log must say about settings that are allowed but unwise (or test-only). */
export function settingWarnings(s: NodeSettings): string[] {
  const { syncIntervalSeconds, graceSeconds } = s;
  const warnings: string[] = [];
  if (syncIntervalSeconds < SYNC_POLICY.minIntervalSeconds || graceSeconds < SYNC_POLICY.minGraceSeconds) {
    warnings.push(
      `TEST KNOB (${SYNC_POLICY.testEnv.join(' or ')}=1): flexible sync interval or grace below one day; never in production`,
    );
  }
  if (graceSeconds < syncIntervalSeconds) {
    warnings.push('grace is shorter than the sync interval: flexible servers will lose their licenses between syncs');
  }
  return warnings;
}

function checkLeaseTimes(leaseSeconds: number, heartbeatSeconds: number): void {
  const { minLeaseSeconds, maxLeaseSeconds, minHeartbeatSeconds } = LEASE_POLICY;
  if (!Number.isFinite(leaseSeconds) || leaseSeconds < minLeaseSeconds || leaseSeconds > maxLeaseSeconds) {
    throw new TesseraError(
      'BAD_REQUEST',
      `lease seconds must be ${minLeaseSeconds}..${maxLeaseSeconds}, got ${leaseSeconds}`,
    );
  }
  if (
    !Number.isFinite(heartbeatSeconds) ||
    heartbeatSeconds < minHeartbeatSeconds ||
    heartbeatSeconds >= leaseSeconds
  ) {
    throw new TesseraError(
      'BAD_REQUEST',
      `heartbeat seconds must be at least ${minHeartbeatSeconds} and less than lease seconds (${leaseSeconds}), got ${heartbeatSeconds}`,
    );
  }
}

function checkSyncSettings(interval: number, grace: number, short: boolean): void {
  const p = SYNC_POLICY;
  const minInterval = short ? 1 : p.minIntervalSeconds;
  const minGrace = short ? 1 : p.minGraceSeconds;
  const knob = short ? '' : ` (seconds only in tests: ${p.testEnv[1]}=1)`;
  if (!Number.isSafeInteger(interval) || interval < minInterval || interval > p.maxIntervalSeconds) {
    throw new TesseraError(
      'BAD_REQUEST',
      `--sync-interval must be ${minInterval}..${p.maxIntervalSeconds} seconds (1 day to 1 week${knob}), got ${interval}`,
    );
  }
  if (!Number.isSafeInteger(grace) || grace < minGrace || grace > p.maxGraceSeconds) {
    throw new TesseraError(
      'BAD_REQUEST',
      `--grace must be ${minGrace}..${p.maxGraceSeconds} seconds (1 day to 90 days${knob}), got ${grace}`,
    );
  }
}
