/**
 * Flexible licensing at the Cloud, the vendor-API half: one-time enrollment codes for a
 * customer's new License Servers, and allocations of a customer's flexible entitlements to
 * its servers (effective at each server's next sync; see sync-service.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { isExpired, MAX_FEATURE_COUNT, TesseraError } from '@tessera/core';
import type { AllocationRecord } from '../store/allocations.js';
import type { EnrollmentRecord } from '../store/enrollments.js';
import type { EntitlementRecord } from '../store/rows.js';
import { type Actor, customerScope } from './actor.js';
import { audited, type DomainContext, nowIso } from './context.js';
import type { CustomerService } from './customer-service.js';
import type { AllocationView, EnrollmentView, FlexibleServerView } from './flexible-views.js';
import { cloudId } from './ids.js';
import { ENROLLMENT_POLICY, INPUT_RULES } from './policy.js';
import type { ServerService } from './server-service.js';

export type { AllocationView, EnrollmentView, FlexibleServerView };

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A new code: 25 Crockford base32 characters (125 random bits) in groups of five. */
function newEnrollmentCode(): string {
  const bytes = randomBytes(16);
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let out = '';
  for (let i = 0; i < 25; i++) {
    out += CROCKFORD[Number(bits & 31n)];
    bits >>= 5n;
  }
  return out.match(/.{5}/g)!.join('-');
}

/** The stored form of a code: SHA-256 of it upper-cased without dashes or spaces. */
export function enrollmentCodeHash(code: string): string {
  const normal = code.toUpperCase().replace(/[\s-]/g, '');
  return createHash('sha256').update(normal).digest('base64url');
}

function enrollmentView(e: EnrollmentRecord): EnrollmentView {
  return {
    id: e.id,
    customerId: e.customerId,
    createdAt: e.createdAt,
    expiresAt: e.expiresAt,
    usedAt: e.usedAt,
    serverId: e.serverId,
  };
}

export function allocationView(
  serverId: string,
  customerId: string,
  rows: readonly AllocationRecord[],
): AllocationView {
  const byFeature = new Map<string, AllocationView['features'][number]>();
  for (const a of rows) {
    if (a.count === 0) continue;
    let f = byFeature.get(a.feature);
    if (!f) {
      f = { feature: a.feature, count: 0, entitlements: [] };
      byFeature.set(a.feature, f);
    }
    f.count += a.count;
    f.entitlements.push({
      entitlementId: a.entitlementId,
      count: a.count,
      licenseId: a.licenseId,
      revision: a.revision,
    });
  }
  return { serverId, customerId, features: [...byFeature.values()] };
}

/** Seats per feature of an allocation row's last issued features (its `issued` JSON). */
function issuedCounts(issued: string | null): [string, number][] {
  if (issued === null) return [];
  try {
    const features = JSON.parse(issued) as { name?: unknown; count?: unknown }[];
    return features
      .filter((f) => typeof f.name === 'string' && typeof f.count === 'number')
      .map((f) => [f.name as string, f.count as number]);
  } catch {
    return [];
  }
}

/** The license id of an allocation in Syncs: stable per (entitlement, server). */
export function flexibleLicenseId(entitlementId: string, serverId: string): string {
  return `flex.${entitlementId}.${serverId}`;
}

function laterFirst(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a > b ? -1 : 1;
}

/** The entitlement to draw from first: latest maintenance, then latest expiry, then id. */
function bestFirst(a: EntitlementRecord, b: EntitlementRecord): number {
  return (
    laterFirst(a.maintenanceUntil, b.maintenanceUntil) ||
    laterFirst(a.expires, b.expires) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

export interface AllocationRequest {
  feature: string;
  count: number;
}

function validateAllocation(features: unknown): AllocationRequest[] {
  if (!Array.isArray(features))
    throw new TesseraError('BAD_REQUEST', 'features must be an array of { feature, count }');
  if (features.length > INPUT_RULES.maxFeaturesPerRequest) {
    throw new TesseraError('BAD_REQUEST', `at most ${INPUT_RULES.maxFeaturesPerRequest} features at once`);
  }
  const seen = new Set<string>();
  return features.map((f: unknown, i: number) => {
    const o = (typeof f === 'object' && f !== null ? f : {}) as Record<string, unknown>;
    if (typeof o.feature !== 'string' || !INPUT_RULES.featureName.test(o.feature)) {
      throw new TesseraError('BAD_REQUEST', `features[${i}].feature must be 1–64 characters of A-Z a-z 0-9 . _ -`);
    }
    if (typeof o.count !== 'number' || !Number.isSafeInteger(o.count) || o.count < 0 || o.count > MAX_FEATURE_COUNT) {
      throw new TesseraError(
        'BAD_REQUEST',
        `features[${i}].count must be an integer from 0 to ${MAX_FEATURE_COUNT}, got ${JSON.stringify(o.count)}`,
      );
    }
    if (seen.has(o.feature)) throw new TesseraError('BAD_REQUEST', `feature ${o.feature} is given twice`);
    seen.add(o.feature);
    return { feature: o.feature, count: o.count };
  });
}

export class FlexibleService {
  constructor(
    private readonly ctx: DomainContext,
    private readonly customers: CustomerService,
    private readonly servers: ServerService,
  ) {}

  /**
   * Makes a one-time enrollment code for a customer (vendor staff, or a customer's user for its
   * own customer). The code is answered once and stored as a hash; it expires after
   * {@link ENROLLMENT_POLICY}.validDays.
   */
  async enroll(actor: Actor, input: { customerId?: string | undefined }): Promise<EnrollmentView & { code: string }> {
    return audited(this.ctx, actor, 'enrollment.create', { customerId: input.customerId }, async () => {
      const customerId = await this.customers.require(actor, input.customerId);
      const now = this.ctx.clock.now();
      const code = newEnrollmentCode();
      const record: EnrollmentRecord = {
        id: cloudId('enr', now),
        customerId,
        codeHash: enrollmentCodeHash(code),
        createdBy: actor.id,
        createdAt: new Date(now).toISOString(),
        expiresAt: new Date(now + ENROLLMENT_POLICY.validDays * 86_400_000).toISOString(),
        usedAt: null,
        serverId: null,
      };
      await this.ctx.store.transaction(async (tx) => {
        await tx.enrollments.insert(record);
        await this.ctx.audit.write(tx, {
          actor,
          action: 'enrollment.create',
          customerId,
          target: record.id,
          outcome: 'ok',
          detail: { expiresAt: record.expiresAt },
        });
      });
      return { ...enrollmentView(record), code };
    });
  }

  async enrollments(actor: Actor, customerId?: string): Promise<EnrollmentView[]> {
    return (await this.ctx.store.enrollments.list(customerScope(actor, customerId))).map(enrollmentView);
  }

  /**
   * The customer's flexible License Servers (every customer's for vendor staff asking for
   * none): those that have synced or hold an allocation, with seats per feature, what their
   * last Sync carried, their sync state and clone flags. One query per table, not per server.
   */
  async flexibleServers(actor: Actor, customerId?: string): Promise<FlexibleServerView[]> {
    const scope = customerScope(actor, customerId);
    const store = this.ctx.store;
    const [servers, syncs, allocations, flags, enrollments] = await Promise.all([
      store.servers.list(scope),
      store.serverSync.ofCustomer(scope),
      store.allocations.ofCustomer(scope),
      store.serverFlags.counts(scope),
      store.enrollments.list(scope),
    ]);
    const syncOf = new Map(syncs.map((s) => [s.serverId, s]));
    const enrolledAt = new Map(
      enrollments.filter((e) => e.serverId !== null && e.usedAt !== null).map((e) => [e.serverId, e.usedAt]),
    );
    const features = new Map<string, Map<string, { feature: string; count: number; delivered: number }>>();
    const seat = (serverId: string, feature: string) => {
      let byFeature = features.get(serverId);
      if (!byFeature) {
        byFeature = new Map();
        features.set(serverId, byFeature);
      }
      let f = byFeature.get(feature);
      if (!f) {
        f = { feature, count: 0, delivered: 0 };
        byFeature.set(feature, f);
      }
      return f;
    };
    const allocated = new Set<string>();
    for (const a of allocations) {
      allocated.add(a.serverId);
      if (a.count > 0) seat(a.serverId, a.feature).count += a.count;
      for (const [name, count] of issuedCounts(a.issued)) seat(a.serverId, name).delivered += count;
    }
    return servers
      .filter((s) => syncOf.has(s.id) || allocated.has(s.id))
      .map((s) => {
        const st = syncOf.get(s.id);
        return {
          id: s.id,
          customerId: s.customerId,
          hostName: s.hostName,
          productVersion: s.productVersion,
          registeredAt: s.registeredAt,
          enrolledAt: enrolledAt.get(s.id) ?? null,
          features: [...(features.get(s.id)?.values() ?? [])]
            .filter((f) => f.count > 0 || f.delivered > 0)
            .sort((a, b) => (a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0)),
          sync: {
            syncCounter: st?.syncCounter ?? 0,
            lastSequence: st?.lastSequence ?? 0,
            lastReportAt: st?.lastReportAt ?? null,
            lastSyncAt: st?.lastSyncAt ?? null,
            validUntil: st?.validUntil ?? null,
            acknowledgedThrough: st?.acknowledgedThrough ?? null,
          },
          flags: flags.filter((f) => f.serverId === s.id).map(({ kind, count, lastAt }) => ({ kind, count, lastAt })),
        };
      });
  }

  async allocations(actor: Actor, serverId: string): Promise<AllocationView> {
    const server = await this.servers.require(actor, serverId);
    return allocationView(server.id, server.customerId, await this.ctx.store.allocations.ofServer(server.id));
  }

  /**
   * Sets a server's flexible allocation (the whole of it: features not named go to 0), drawn
   * from its customer's live flexible entitlements under their row locks. Seats a server holds
   * already stay on the entitlements they come from where they can. Asking for more than is
   * free across all the customer's servers is refused with CONFLICT reason OVER_ALLOCATION
   * and changes nothing. Effective at the server's next sync.
   *
   * @throws TesseraError BAD_REQUEST, NOT_FOUND (server), UNKNOWN_FEATURE, CONFLICT
   *   (OVER_ALLOCATION, NOT_ENTITLED).
   */
  async allocate(actor: Actor, serverId: string, input: { features: unknown }): Promise<AllocationView> {
    return audited(this.ctx, actor, 'server.allocate', { target: serverId }, async () => {
      const requests = validateAllocation(input.features);
      const server = await this.servers.require(actor, serverId);
      const customerId = server.customerId;
      const nowMs = this.ctx.clock.now();
      const now = nowIso(this.ctx.clock);
      return this.ctx.store.transaction(async (tx) => {
        const current = await tx.allocations.ofServer(server.id);
        const target = new Map<string, number>(requests.map((r) => [r.feature, r.count]));
        for (const a of current) if (!target.has(a.feature)) target.set(a.feature, 0);
        const locked = await tx.entitlements.lockForSeats(
          'flexible',
          [...target.keys()].map((feature) => ({ customerId, feature })),
          current.map((a) => a.entitlementId),
        );
        const ents = new Map(locked.map((e) => [e.id, { ...e }]));
        const before = new Map(locked.map((e) => [e.id, e.used]));
        const next = new Map<string, AllocationRecord>(current.map((a) => [a.entitlementId, { ...a }]));
        for (const [feature, want] of target) {
          const mine = current.filter((a) => a.feature === feature);
          for (const a of mine) ents.get(a.entitlementId)!.used -= a.count;
          const candidates = [...ents.values()].filter(
            (e) =>
              e.customerId === customerId && e.type === 'flexible' && e.feature === feature && !isExpired(e, nowMs),
          );
          if (want > 0 && candidates.length === 0) {
            if (!(await tx.features.get(feature))) {
              throw new TesseraError('UNKNOWN_FEATURE', `feature ${feature} is not in the catalog`);
            }
            throw new TesseraError(
              'CONFLICT',
              `customer ${customerId} holds no live flexible entitlement of ${feature}`,
              {
                reason: 'NOT_ENTITLED',
              },
            );
          }
          const held = new Set(mine.filter((a) => a.count > 0).map((a) => a.entitlementId));
          candidates.sort((a, b) => Number(held.has(b.id)) - Number(held.has(a.id)) || bestFirst(a, b));
          let remaining = want;
          const took = new Map<string, number>();
          for (const e of candidates) {
            const take = Math.min(remaining, e.count - e.used);
            if (take <= 0) continue;
            e.used += take;
            took.set(e.id, take);
            remaining -= take;
            if (remaining === 0) break;
          }
          if (remaining > 0) {
            const free = want - remaining;
            const detail = candidates.map(
              (e) => `${e.id}: ${e.count - e.used + (took.get(e.id) ?? 0)} of ${e.count} free`,
            );
            throw new TesseraError(
              'CONFLICT',
              `${want} seat${want === 1 ? '' : 's'} of ${feature} asked for ${server.id}, but only ${free} ${free === 1 ? 'is' : 'are'} free for it (${detail.join(', ')}; seats allocated to this server count as free); nothing was changed`,
              { reason: 'OVER_ALLOCATION', details: { feature, asked: want, free } },
            );
          }
          for (const a of mine) {
            if (!took.has(a.entitlementId)) next.set(a.entitlementId, { ...a, count: 0, updatedAt: now });
          }
          for (const [entitlementId, count] of took) {
            const old = next.get(entitlementId);
            next.set(
              entitlementId,
              old
                ? { ...old, count, updatedAt: old.count === count ? old.updatedAt : now }
                : {
                    serverId: server.id,
                    entitlementId,
                    customerId,
                    feature,
                    count,
                    licenseId: flexibleLicenseId(entitlementId, server.id),
                    revision: 0,
                    issued: null,
                    updatedAt: now,
                  },
            );
          }
        }
        await tx.entitlements.setUsed(
          [...ents.values()].filter((e) => e.used !== before.get(e.id)).map((e) => ({ id: e.id, used: e.used })),
        );
        const oldCounts = new Map(current.map((a) => [a.entitlementId, a.count]));
        for (const a of next.values()) {
          if (oldCounts.get(a.entitlementId) !== a.count) await tx.allocations.upsert(a);
        }
        const rows = await tx.allocations.ofServer(server.id);
        const view = allocationView(server.id, customerId, rows);
        await this.ctx.audit.write(tx, {
          actor,
          action: 'server.allocate',
          customerId,
          target: server.id,
          outcome: 'ok',
          detail: { features: view.features.map((f) => ({ feature: f.feature, count: f.count })) },
        });
        return view;
      });
    });
  }
}
