/**
 * What one batch of seat operations does in the database: the selection rules of the
 * License Server (core's `selectSeatSource`) applied to locked entitlement counts, so that
 * any number of nodes sharing the database hand out exactly the seats there are.
 */
import {
  type CheckoutRequest,
  type LeaseGoneReason,
  type SeatSource,
  selectSeatSource,
  type TesseraError,
} from '@tessera/core';
import type { EntitlementRecord, LeaseExpiry, NewLease } from '../../store/rows.js';
import type { AccountContext } from '../account-service.js';
import { cloudId } from '../ids.js';
import type { CheckoutOutcome, HeartbeatOutcome } from './outcomes.js';
import type { EndedLease, SeatKey, SeatStore } from './seat-store.js';

/** A checkout or a release waiting for its batch, with how to answer it. */
export type BatchOp =
  | {
      kind: 'checkout';
      account: AccountContext;
      request: CheckoutRequest;
      count: number;
      releaseDate: string;
      settle: (o: CheckoutOutcome) => void;
    }
  | { kind: 'release'; account: AccountContext; leaseId: string; settle: (err?: TesseraError) => void };

export type CheckoutResult =
  | { ok: true; lease: NewLease; poolId: string }
  | { ok: false; code: Exclude<CheckoutOutcome, { ok: true }>['code']; message: string };

export interface BatchResult {
  /** One per operation of the batch, in its order: a checkout's result, or the leases a release ended. */
  results: (CheckoutResult | EndedLease[])[];
  /** Expiry of each lease granted, by lease id. */
  expiries: Map<string, LeaseExpiry>;
}

/** Who writes the leases of a batch, and for how long they hold. */
export interface BatchContext {
  nodeId: string;
  ttlMs: number;
  /** The node's wall clock, read once the batch holds its locks. */
  now: () => number;
}

/** The customer/feature keys of a batch's checkouts, one each. */
function checkoutKeys(ops: readonly BatchOp[], skip?: ReadonlySet<string>): Map<string, SeatKey> {
  const keys = new Map<string, SeatKey>();
  for (const op of ops) {
    if (op.kind === 'checkout' && !skip?.has(op.account.customerId)) {
      keys.set(`${op.account.customerId}\u0000${op.request.feature}`, {
        customerId: op.account.customerId,
        feature: op.request.feature,
      });
    }
  }
  return keys;
}

/**
 * Answers the checkouts of `batch` that the current counts refuse (no locks taken) and
 * returns the rest. A failed read refuses nothing: the locked path decides.
 */
export async function refuseFromSnapshot(store: SeatStore, batch: BatchOp[], now: () => number): Promise<BatchOp[]> {
  // Seats released in this batch may serve its checkouts: those customers' checkouts go to
  // the locked path whatever the snapshot says.
  const releasing = new Set(batch.flatMap((op) => (op.kind === 'release' ? [op.account.customerId] : [])));
  const keys = checkoutKeys(batch, releasing);
  if (keys.size === 0) return batch;
  let snapshot: EntitlementRecord[];
  try {
    snapshot = await store.entitlements.forSeats('subscription', [...keys.values()]);
  } catch {
    return batch;
  }
  const nowMs = now();
  return batch.filter((op) => {
    if (op.kind !== 'checkout' || releasing.has(op.account.customerId)) return true;
    const sources = snapshot
      .filter((e) => e.customerId === op.account.customerId && e.feature === op.request.feature)
      .map((e) => ({ ...e, licenseId: e.id, inUse: e.used }));
    const picked = selectSeatSource(
      sources,
      { count: op.count, releaseDate: op.releaseDate },
      { nowMs, clockTampered: false },
    );
    if (picked.ok) return true;
    op.settle({ ok: false, code: picked.code, message: denialMessage(picked) });
    return false;
  });
}

/**
 * One batch in one transaction (re-runnable: a deadlock re-runs it from the start). Releases
 * first, so seats they free serve checkouts of the same batch.
 */
export async function applyBatch(tx: SeatStore, batch: readonly BatchOp[], c: BatchContext): Promise<BatchResult> {
  const releasesByCustomer = new Map<string, string[]>();
  for (const op of batch) {
    if (op.kind !== 'release') continue;
    const list = releasesByCustomer.get(op.account.customerId) ?? [];
    list.push(op.leaseId);
    releasesByCustomer.set(op.account.customerId, list);
  }
  // Lease rows first, then entitlement rows: every writer of both takes them in this order
  // (the sweep too), so two nodes cannot deadlock on them.
  const ended = new Map<string, EndedLease>();
  for (const [customerId, ids] of releasesByCustomer) {
    for (const l of await tx.leases.end(customerId, ids, 'RELEASED')) ended.set(l.id, l);
  }
  const locked = await tx.entitlements.lockForSeats(
    'subscription',
    [...checkoutKeys(batch).values()],
    [...new Set([...ended.values()].map((l) => l.entitlementId))],
  );
  const ents = new Map<string, EntitlementRecord>(locked.map((e) => [e.id, { ...e }]));
  const changed = new Set<string>();
  for (const l of ended.values()) {
    const e = ents.get(l.entitlementId);
    if (e) {
      e.used = Math.max(0, e.used - l.count);
      changed.add(e.id);
    }
  }
  const nowMs = c.now();
  const newLeases: NewLease[] = [];
  const results: (CheckoutResult | EndedLease[])[] = batch.map((op) => {
    if (op.kind === 'release') return ended.has(op.leaseId) ? [ended.get(op.leaseId)!] : [];
    const r = takeSeat(op, ents, c.nodeId, nowMs);
    if (r.ok) {
      changed.add(r.lease.entitlementId);
      newLeases.push(r.lease);
    }
    return r;
  });
  const inserted = await tx.leases.insertMany(newLeases, c.ttlMs);
  await tx.entitlements.setUsed([...changed].map((id) => ({ id, used: ents.get(id)!.used })));
  return { results, expiries: new Map(inserted.map((x) => [x.id, x] as const)) };
}

/** Chooses a seat for one checkout among the locked entitlements and counts it taken there. */
function takeSeat(
  op: Extract<BatchOp, { kind: 'checkout' }>,
  ents: Map<string, EntitlementRecord>,
  nodeId: string,
  nowMs: number,
): CheckoutResult {
  const sources: (SeatSource & { id: string })[] = [];
  for (const e of ents.values()) {
    if (e.customerId !== op.account.customerId || e.feature !== op.request.feature || e.type !== 'subscription') {
      continue;
    }
    sources.push({
      id: e.id,
      licenseId: e.id,
      count: e.count,
      inUse: e.used,
      expires: e.expires,
      maintenanceUntil: e.maintenanceUntil,
    });
  }
  const picked = selectSeatSource(
    sources,
    { count: op.count, releaseDate: op.releaseDate },
    { nowMs, clockTampered: false },
  );
  if (!picked.ok) return { ok: false, code: picked.code, message: denialMessage(picked) };
  const e = ents.get(picked.source.licenseId)!;
  e.used += op.count;
  const lease: NewLease = {
    id: cloudId('lease', nowMs),
    customerId: op.account.customerId,
    entitlementId: e.id,
    feature: e.feature,
    count: op.count,
    accountId: op.account.accountId,
    clientId: op.request.client.id,
    host: op.request.client.host ?? null,
    app: op.request.client.app ?? null,
    version: op.request.client.version ?? null,
    releaseDate: op.releaseDate,
    nodeId,
    createdAt: nowMs,
  };
  return { ok: true, lease, poolId: op.account.poolId };
}

/** Heartbeats waiting for their batch: customer -> lease id -> how to answer each. */
export type HeartbeatBatch = Map<string, Map<string, ((o: HeartbeatOutcome) => void)[]>>;

/**
 * Extends the leases of a heartbeat batch (one statement per customer and slice of
 * `maxPerStatement`) and learns why each one not extended is gone.
 */
export async function extendLeases(
  tx: SeatStore,
  batch: HeartbeatBatch,
  ttlMs: number,
  maxPerStatement: number,
): Promise<{ extended: Map<string, LeaseExpiry>; gone: Map<string, string> }> {
  const extended = new Map<string, LeaseExpiry>();
  const gone = new Map<string, string>();
  for (const [customerId, leases] of batch) {
    const ids = [...leases.keys()];
    for (let i = 0; i < ids.length; i += maxPerStatement) {
      const slice = ids.slice(i, i + maxPerStatement);
      for (const x of await tx.leases.extend(customerId, slice, ttlMs)) extended.set(x.id, x);
    }
    const missing = ids.filter((id) => !extended.has(id));
    for (const [id, status] of await tx.leases.statusOf(customerId, missing)) gone.set(id, status);
  }
  return { extended, gone };
}

/** Ends leases (as `end` picks them) and gives their seats back, in one transaction. */
export function freeLeases(
  store: SeatStore,
  entitlementIds: string[],
  end: (tx: SeatStore, ids: string[]) => Promise<EndedLease[]>,
): Promise<number> {
  return store.transaction(async (tx) => {
    // Lease rows, then entitlement rows: the order of the checkout batches.
    const ended = await end(tx, entitlementIds);
    if (ended.length === 0) return 0;
    const ents = new Map<string, EntitlementRecord>(
      (await tx.entitlements.lockForSeats('subscription', [], [...new Set(ended.map((l) => l.entitlementId))])).map(
        (e) => [e.id, e],
      ),
    );
    for (const l of ended) {
      const e = ents.get(l.entitlementId);
      if (e) e.used = Math.max(0, e.used - l.count);
    }
    await tx.entitlements.setUsed([...ents.values()].map((e) => ({ id: e.id, used: e.used })));
    return ended.length;
  });
}

export function denialMessage(d: { code: string; message: string }): string {
  return d.code === 'UNKNOWN_FEATURE' ? 'this account has no subscription of this feature' : d.message;
}

const GONE_REASONS = new Set<LeaseGoneReason>([
  'EXPIRED',
  'RELEASED',
  'LICENSE_UNINSTALLED',
  'LICENSE_EXPIRED',
  'SEATS_REDUCED',
  'REVOKED_BY_ADMIN',
]);

/** The reason a heartbeat hears for a lease it could not extend, from its status in the database. */
export function goneReason(status: string | undefined): LeaseGoneReason {
  if (status === undefined) return 'UNKNOWN_LEASE';
  if (status === 'LIVE') return 'EXPIRED';
  return GONE_REASONS.has(status as LeaseGoneReason) ? (status as LeaseGoneReason) : 'UNKNOWN_LEASE';
}
