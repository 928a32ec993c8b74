/**
 * The hardware match rule (docs/security.md): does a license's binding fit the machine a License
 * Server runs on now? Hardware changes over a machine's life (a disk, a hostname), so the rule
 * tolerates some change while still refusing a copy on another machine.
 */
import { TesseraError } from '../errors.js';
import type { LicenseBinding } from '../license.js';
import { FACTOR_NAMES, type FactorHashes, type FactorName } from './factors.js';

/**
 * The rule's parameters. The anchor must match outright: the MAC addresses of the physical
 * NICs, or the machine id where the license was issued to a machine without a NIC. Of the
 * other factors present at issue time and readable now, at least 60% must match.
 */
export const FINGERPRINT_RULE = { anchor: 'macs', anchorFallback: 'machineId', otherFactorsMinRatio: 0.6 } as const;

/** How each factor is called in messages to people. */
export const FACTOR_LABELS: Readonly<Record<FactorName, string>> = {
  machineId: 'machine id',
  macs: 'MAC addresses',
  cpu: 'CPU',
  productUuid: 'DMI product uuid',
  rootFsId: 'root filesystem id',
  hostname: 'hostname',
};

/** The identity of the server checking a license: its id and current factor hashes. */
export interface CurrentMachine {
  serverId: string;
  factors: FactorHashes;
}

export interface FingerprintMatch {
  ok: boolean;
  /** The license names this server's id (i.e. this server's key). */
  serverKeyMatches: boolean;
  /** The anchor factor used, or null when the binding has neither MACs nor machine id. */
  anchor: FactorName | null;
  /** Factors present in both with different hashes, plus the anchor when it is absent now. */
  changed: FactorName[];
  /** Matching share of the other comparable factors; null when none is comparable. */
  ratio: number | null;
  /** A sentence for people, naming what changed. */
  message: string;
}

// Ratios are compared with a little slack so that 3/5 counts as 60% whatever the float rounding.
const EPSILON = 1e-9;

function labels(names: readonly FactorName[], anchorMissing: FactorName | null): string {
  return names.map((n) => (n === anchorMissing ? `${FACTOR_LABELS[n]} missing` : FACTOR_LABELS[n])).join(', ');
}

function percent(r: number): string {
  return `${Math.round(r * 100)}%`;
}

/**
 * Applies the match rule to a license binding and the current machine.
 *
 * - The server id must be equal (the license names this server's key). When it differs no
 *   factor is compared: factor hashes are salted with the server id, so they would all differ.
 * - Anchor: the binding's `macs`, else its `machineId`, must be present now and equal.
 * - Other factors present in the binding: one absent now neither matches nor mismatches; of
 *   the rest at least {@link FINGERPRINT_RULE}.otherFactorsMinRatio must match (none left: passes).
 */
export function matchFingerprint(binding: LicenseBinding, current: CurrentMachine): FingerprintMatch {
  if (binding.serverId !== current.serverId) {
    return {
      ok: false,
      serverKeyMatches: false,
      anchor: null,
      changed: [],
      ratio: null,
      message: `bound to another server: the license is for ${binding.serverId}, this is ${current.serverId}`,
    };
  }
  const bound = binding.factors;
  const now = current.factors;
  const anchor: FactorName | null =
    bound[FINGERPRINT_RULE.anchor] !== undefined
      ? FINGERPRINT_RULE.anchor
      : bound[FINGERPRINT_RULE.anchorFallback] !== undefined
        ? FINGERPRINT_RULE.anchorFallback
        : null;
  const anchorMissing = anchor !== null && now[anchor] === undefined ? anchor : null;
  const anchorOk = anchor === null || (anchorMissing === null && now[anchor] === bound[anchor]);

  const changed: FactorName[] = [];
  let compared = 0;
  let otherCompared = 0;
  let otherMatching = 0;
  for (const name of FACTOR_NAMES) {
    const was = bound[name];
    if (was === undefined) continue;
    const is = now[name];
    if (is === undefined) {
      // Unreadable now: not evidence either way, except for the anchor, which must be there.
      if (name === anchor) {
        changed.push(name);
        compared++;
      }
      continue;
    }
    compared++;
    if (is !== was) changed.push(name);
    if (name === anchor) continue;
    otherCompared++;
    if (is === was) otherMatching++;
  }
  const ratio = otherCompared === 0 ? null : otherMatching / otherCompared;
  const ratioOk = ratio === null || ratio + EPSILON >= FINGERPRINT_RULE.otherFactorsMinRatio;
  const ok = anchorOk && ratioOk;

  const what = labels(changed, anchorMissing);
  const tally = `${changed.length} of ${compared} factors`;
  let message: string;
  if (ok) {
    message =
      changed.length === 0
        ? 'the hardware fingerprint matches this machine'
        : `the hardware fingerprint matches this machine (${what} changed, ${tally}, within tolerance)`;
  } else if (!anchorOk) {
    message = `bound to another machine: ${what} changed (${tally})`;
  } else {
    const need = percent(FINGERPRINT_RULE.otherFactorsMinRatio);
    message = `bound to another machine: ${what} changed (${tally}; ${percent(ratio ?? 0)} of the other factors match, ${need} needed)`;
  }
  return { ok, serverKeyMatches: true, anchor, changed, ratio, message };
}

/**
 * {@link matchFingerprint}, throwing when the license does not fit this machine.
 *
 * @returns the match (ok), for callers that log what changed within tolerance.
 * @throws TesseraError WRONG_SERVER when the server id differs, else FINGERPRINT_MISMATCH;
 *   the message names the changed factors and `details.changed` lists them.
 */
export function assertFingerprint(binding: LicenseBinding, current: CurrentMachine): FingerprintMatch {
  const m = matchFingerprint(binding, current);
  if (!m.ok) {
    throw new TesseraError(m.serverKeyMatches ? 'FINGERPRINT_MISMATCH' : 'WRONG_SERVER', m.message, {
      details: { changed: m.changed },
    });
  }
  return m;
}
