/**
 * Entitlements: what a customer bought. A perpetual entitlement's seats are drawn by
 * deployments; a subscription's are served by the licensing nodes; a flexible one's are
 * allocated to servers (the next piece of work; storable now). Counts and dates are the
 * vendor's to change; a change applies at once: subscription seats to the next checkout,
 * perpetual dates to a new revision of every deployment drawing on the entitlement.
 */
import { isIsoDate, leasesToRevoke, MAX_FEATURE_COUNT, TesseraError, utcDate } from '@tessera/core';
import type { EntitlementRecord, EntitlementType } from '../store/rows.js';
import { type Actor, assertVisible, customerScope, requireVendor } from './actor.js';
import { audited, type DomainContext, nowIso } from './context.js';
import type { CustomerService } from './customer-service.js';
import type { DeploymentService } from './deployment-service.js';
import { cloudId } from './ids.js';
import { INPUT_RULES, TERM_RULES } from './policy.js';
import { type EntitlementChangeResult, type EntitlementView, entitlementView } from './views.js';

const TYPES: readonly EntitlementType[] = ['perpetual', 'flexible', 'subscription'];

export interface NewEntitlement {
  customerId: string;
  type: EntitlementType;
  feature: string;
  count: number;
  maintenanceUntil?: string | null | undefined;
  /** Last valid day (inclusive); for a subscription, the end of its term. */
  expires?: string | null | undefined;
  /** A term in days from today, instead of `expires`. */
  termDays?: number | undefined;
}

export interface EntitlementChange {
  count?: number | undefined;
  maintenanceUntil?: string | null | undefined;
  expires?: string | null | undefined;
}

export type { EntitlementChangeResult };

export class EntitlementService {
  constructor(
    private readonly ctx: DomainContext,
    private readonly customers: CustomerService,
    private readonly deployments: DeploymentService,
  ) {}

  async list(
    actor: Actor,
    filter: { customerId?: string; type?: EntitlementType; feature?: string },
  ): Promise<EntitlementView[]> {
    const rows = await this.ctx.store.entitlements.list({
      customerId: customerScope(actor, filter.customerId),
      type: filter.type,
      feature: filter.feature,
    });
    return rows.map(entitlementView);
  }

  async get(actor: Actor, id: string): Promise<EntitlementView> {
    const e = await this.ctx.store.entitlements.get(id);
    if (!e) throw new TesseraError('NOT_FOUND', `no entitlement ${id}`);
    assertVisible(actor, e.customerId, `entitlement ${id}`);
    return entitlementView(e);
  }

  /**
   * @throws TesseraError BAD_REQUEST (type, count, dates), UNKNOWN_FEATURE, NOT_FOUND (customer), FORBIDDEN.
   */
  async add(actor: Actor, input: NewEntitlement): Promise<EntitlementView> {
    return audited(this.ctx, actor, 'entitlement.add', { customerId: input.customerId }, async () => {
      requireVendor(actor, 'add entitlements');
      if (!TYPES.includes(input.type)) {
        throw new TesseraError('BAD_REQUEST', `type must be one of ${TYPES.join(', ')}, got "${input.type}"`);
      }
      checkCount(input.count);
      if (typeof input.feature !== 'string' || !INPUT_RULES.featureName.test(input.feature)) {
        throw new TesseraError('BAD_REQUEST', `a feature name is 1–64 characters of A-Z a-z 0-9 . _ -`);
      }
      checkDate('maintenanceUntil', input.maintenanceUntil);
      checkDate('expires', input.expires);
      let expires = input.expires ?? null;
      if (input.termDays !== undefined) {
        if (input.expires != null) throw new TesseraError('BAD_REQUEST', 'give expires or termDays, not both');
        if (!Number.isSafeInteger(input.termDays) || input.termDays < 1 || input.termDays > TERM_RULES.maxTermDays) {
          throw new TesseraError(
            'BAD_REQUEST',
            `termDays must be an integer from 1 to ${TERM_RULES.maxTermDays}, got ${input.termDays}`,
          );
        }
        expires = utcDate(this.ctx.clock.now() + (input.termDays - 1) * 86_400_000);
      }
      const customerId = await this.customers.require(actor, input.customerId);
      if (!(await this.ctx.store.features.get(input.feature))) {
        throw new TesseraError('UNKNOWN_FEATURE', `feature ${input.feature} is not in the catalog; add it first`);
      }
      const now = nowIso(this.ctx.clock);
      const record: EntitlementRecord = {
        id: cloudId('ent', this.ctx.clock.now()),
        customerId,
        type: input.type,
        feature: input.feature,
        count: input.count,
        used: 0,
        maintenanceUntil: input.maintenanceUntil ?? null,
        expires,
        createdAt: now,
        updatedAt: now,
      };
      await this.ctx.store.transaction(async (tx) => {
        await tx.entitlements.insert(record);
        await this.ctx.audit.write(tx, {
          actor,
          action: 'entitlement.add',
          customerId,
          target: record.id,
          outcome: 'ok',
          detail: {
            type: record.type,
            feature: record.feature,
            count: record.count,
            expires,
            maintenanceUntil: record.maintenanceUntil,
          },
        });
      });
      return entitlementView(record);
    });
  }

  /**
   * Changes an entitlement's count or dates (vendor staff). Lowering a perpetual or flexible
   * count below the seats already deployed is refused; lowering a subscription's below the
   * seats in use revokes the newest leases (`LEASE_GONE` SEATS_REDUCED at their next
   * heartbeat). New dates on a perpetual entitlement re-issue every active deployment that
   * draws on it, as the next revision.
   */
  async update(actor: Actor, id: string, change: EntitlementChange): Promise<EntitlementChangeResult> {
    return audited(this.ctx, actor, 'entitlement.update', { target: id }, async () => {
      requireVendor(actor, 'change entitlements');
      if (change.count !== undefined) checkCount(change.count);
      checkDate('maintenanceUntil', change.maintenanceUntil);
      checkDate('expires', change.expires);
      return this.ctx.store.transaction(async (tx) => {
        const [e] = await tx.entitlements.lockByIds([id]);
        if (!e) throw new TesseraError('NOT_FOUND', `no entitlement ${id}`);
        let used = e.used;
        let revokedLeases = 0;
        const count = change.count ?? e.count;
        if (count < e.used) {
          if (e.type !== 'subscription') {
            throw new TesseraError(
              'CONFLICT',
              `${e.used} seats of ${id} are ${e.type === 'perpetual' ? 'deployed' : 'allocated'}; the count cannot go below that`,
            );
          }
          const held = await tx.leases.liveOfEntitlement(id);
          const revoke = leasesToRevoke(
            held.map((l, i) => ({ leaseId: l.id, count: l.count, order: i })),
            count,
          );
          const ended = await tx.leases.end(undefined, revoke, 'SEATS_REDUCED');
          revokedLeases = ended.length;
          used -= ended.reduce((n, l) => n + l.count, 0);
        }
        const updated: EntitlementRecord = {
          ...e,
          count,
          used,
          maintenanceUntil: change.maintenanceUntil === undefined ? e.maintenanceUntil : change.maintenanceUntil,
          expires: change.expires === undefined ? e.expires : change.expires,
          updatedAt: nowIso(this.ctx.clock),
        };
        await tx.entitlements.update(id, {
          count: updated.count,
          used: updated.used,
          maintenanceUntil: updated.maintenanceUntil,
          expires: updated.expires,
          updatedAt: updated.updatedAt,
        });
        const reissued: EntitlementChangeResult['reissued'] = [];
        const datesChanged = updated.maintenanceUntil !== e.maintenanceUntil || updated.expires !== e.expires;
        if (e.type === 'perpetual' && datesChanged) {
          for (const licenseId of await tx.deployments.activeUsingEntitlement(id)) {
            const revision = await this.deployments.reissue(tx, actor, licenseId, 'entitlement changed');
            if (revision !== undefined) reissued.push({ licenseId, revision });
          }
        }
        await this.ctx.audit.write(tx, {
          actor,
          action: 'entitlement.update',
          customerId: e.customerId,
          target: id,
          outcome: 'ok',
          detail: { ...change, revokedLeases, reissued: reissued.map((r) => `${r.licenseId}@${r.revision}`) },
        });
        return { ...entitlementView(updated), reissued, revokedLeases };
      });
    });
  }
}

function checkCount(count: unknown): void {
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1 || count > MAX_FEATURE_COUNT) {
    throw new TesseraError(
      'BAD_REQUEST',
      `count must be an integer from 1 to ${MAX_FEATURE_COUNT}, got ${JSON.stringify(count)}`,
    );
  }
}

function checkDate(what: string, v: unknown): void {
  if (v !== undefined && v !== null && !isIsoDate(v)) {
    throw new TesseraError('BAD_REQUEST', `${what} must be a date YYYY-MM-DD, got ${JSON.stringify(v)}`);
  }
}
