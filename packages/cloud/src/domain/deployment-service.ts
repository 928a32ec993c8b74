/**
 * Deployments (the seed's "license deployments"): a group of licenses hosted by one License
 * Server, issued as one signed, hardware-bound license file. Creating one draws seats from
 * the customer's perpetual entitlements; adding licenses or a changed maintenance date makes
 * the next revision of the same license (same id, same binding) for Renew License; an
 * uninstall certificate gives the seats back, once.
 *
 * Seat counts are changed under row locks of the entitlements (PostgreSQL `FOR UPDATE`), and
 * the database refuses `used > count` by a CHECK, so two nodes deploying at once cannot
 * over-allocate.
 */
import type { KeyObject } from 'node:crypto';
import {
  assertHardwareFactors,
  decodeDocumentUnverified,
  hashSecret,
  isExpired,
  type LicenseClaims,
  type LicenseFeature,
  MAX_DOCUMENT_BYTES,
  MAX_FEATURE_COUNT,
  publicKeyFromJwk,
  signLicense,
  TesseraError,
  verifyUninstall,
} from '@tessera/core';
import type {
  DeploymentLineRecord,
  DeploymentRecord,
  EntitlementRecord,
  ReturnedSeat,
  ReturnRecord,
} from '../store/rows.js';
import type { Store } from '../store/store.js';
import { type Actor, assertVisible, customerScope } from './actor.js';
import { audited, type DomainContext, nowIso } from './context.js';
import { cloudId } from './ids.js';
import { INPUT_RULES, RETURN_POLICY } from './policy.js';
import type { ServerService } from './server-service.js';
import { type DeploymentView, type DeploymentWithFile, deploymentView, type ReturnView, returnView } from './views.js';

/** The vendor's signing key, as the Cloud holds it. */
export interface VendorSigner {
  privateKey: KeyObject;
  /** RFC 7638 thumbprint: the `kid` of every license the Cloud signs. */
  kid: string;
}

/** Seats of one feature asked for; `entitlementId` picks the entitlement to draw from. */
export interface FeatureRequest {
  name: string;
  count: number;
  entitlementId?: string | undefined;
}

/** What drawing seats decided: the new lines and the entitlements' new `used`. */
interface Draw {
  lines: Map<string, DeploymentLineRecord>;
  entitlements: Map<string, EntitlementRecord>;
  changed: Set<string>;
}

export class DeploymentService {
  constructor(
    private readonly ctx: DomainContext,
    private readonly servers: ServerService,
    private readonly signer: VendorSigner,
  ) {}

  /**
   * Creates a deployment on a registered server: draws the seats from the server's
   * customer's perpetual entitlements and signs revision 1 of a new license bound to it.
   *
   * @throws TesseraError BAD_REQUEST (bad features), UNKNOWN_FEATURE (not in the catalog),
   *   CONFLICT with reason OVER_ALLOCATION / NOT_ENTITLED, LICENSE_EXPIRED, NOT_FOUND (server),
   *   NO_HARDWARE_FACTORS (a server whose Server ID file names none).
   */
  async deploy(actor: Actor, input: { serverId: string; features: FeatureRequest[] }): Promise<DeploymentWithFile> {
    return audited(this.ctx, actor, 'deployment.create', { target: input.serverId }, async () => {
      const features = validateFeatures(input.features);
      const server = await this.servers.require(actor, input.serverId);
      assertHardwareFactors(server.id, server.factors);
      const customer = await this.ctx.store.customers.get(server.customerId);
      if (!customer) throw new TesseraError('NOT_FOUND', `no customer ${server.customerId}`);
      const now = this.ctx.clock.now();
      const licenseId = cloudId('lic', now);
      return this.ctx.store.transaction(async (tx) => {
        const draw = await this.draw(tx, licenseId, server.customerId, [], features);
        await tx.entitlements.setUsed([...draw.changed].map((id) => ({ id, used: draw.entitlements.get(id)!.used })));
        const deployment: DeploymentRecord = {
          licenseId,
          customerId: server.customerId,
          serverId: server.id,
          revision: 1,
          status: 'active',
          binding: { serverId: server.id, factors: server.factors },
          createdAt: new Date(now).toISOString(),
          updatedAt: new Date(now).toISOString(),
          returnedAt: null,
        };
        await tx.deployments.insert(deployment);
        for (const line of draw.lines.values()) await tx.deployments.upsertLine(line);
        const claims = this.claimsOf(deployment, customer.name, [...draw.lines.values()], draw.entitlements, now);
        const file = await this.sign(tx, claims, 'deployed');
        await this.ctx.audit.write(tx, {
          actor,
          action: 'deployment.create',
          customerId: server.customerId,
          target: licenseId,
          outcome: 'ok',
          detail: { serverId: server.id, features: features.map((f) => `${f.name}=${f.count}`) },
        });
        return this.withFile(tx, deployment, file);
      });
    });
  }

  /** Adds seats (of new or present features) to a deployment: the next revision of its license. */
  async addLicenses(actor: Actor, licenseId: string, features: FeatureRequest[]): Promise<DeploymentWithFile> {
    return audited(this.ctx, actor, 'deployment.add-licenses', { target: licenseId }, async () => {
      const wanted = validateFeatures(features);
      await this.require(actor, licenseId);
      return this.ctx.store.transaction(async (tx) => {
        const d = await this.requireActive(tx, licenseId);
        const draw = await this.draw(tx, licenseId, d.customerId, await tx.deployments.lines(licenseId), wanted);
        await tx.entitlements.setUsed([...draw.changed].map((id) => ({ id, used: draw.entitlements.get(id)!.used })));
        for (const line of draw.lines.values()) await tx.deployments.upsertLine(line);
        const file = await this.nextRevision(tx, d, [...draw.lines.values()], draw.entitlements, 'licenses added');
        await this.ctx.audit.write(tx, {
          actor,
          action: 'deployment.add-licenses',
          customerId: d.customerId,
          target: licenseId,
          outcome: 'ok',
          detail: { revision: d.revision + 1, features: wanted.map((f) => `${f.name}=${f.count}`) },
        });
        return this.withFile(tx, { ...d, revision: d.revision + 1 }, file);
      });
    });
  }

  /**
   * Re-issues a deployment's license with its entitlements' current dates (say, maintenance
   * extended): the next revision when anything changed, else the current one (`changed: false`).
   */
  async renew(actor: Actor, licenseId: string): Promise<DeploymentWithFile & { changed: boolean }> {
    return audited(this.ctx, actor, 'deployment.renew', { target: licenseId }, async () => {
      await this.require(actor, licenseId);
      return this.ctx.store.transaction(async (tx) => {
        const d = await this.requireActive(tx, licenseId);
        const revision = await this.reissue(tx, actor, licenseId, 'renewed');
        const current = revision === undefined ? d : { ...d, revision };
        const rev = await tx.revisions.get(licenseId, current.revision);
        return { ...(await this.withFile(tx, current, rev!.file)), changed: revision !== undefined };
      });
    });
  }

  /**
   * Within a transaction: issues the next revision of an active deployment if its claims
   * (features, counts, dates) differ from the current revision's. Returns the new revision,
   * or undefined when nothing changed. Entitlement changes call this for every deployment
   * drawing on them.
   */
  async reissue(tx: Store, actor: Actor, licenseId: string, reason: string): Promise<number | undefined> {
    const d = await this.requireActive(tx, licenseId);
    const lines = await tx.deployments.lines(licenseId);
    const ents = new Map<string, EntitlementRecord>(
      (await tx.entitlements.lockByIds(lines.map((l) => l.entitlementId))).map((e) => [e.id, e]),
    );
    const current = await tx.revisions.get(licenseId, d.revision);
    const next = featuresOf(lines, ents);
    if (current && sameFeatures(current.claims.features, next)) return undefined;
    await this.nextRevision(tx, d, lines, ents, reason);
    await this.ctx.audit.write(tx, {
      actor,
      action: 'deployment.reissue',
      customerId: d.customerId,
      target: licenseId,
      outcome: 'ok',
      detail: { revision: d.revision + 1, reason },
    });
    return d.revision + 1;
  }

  async get(actor: Actor, licenseId: string): Promise<DeploymentView> {
    const d = await this.require(actor, licenseId);
    return this.view(this.ctx.store, d);
  }

  async list(actor: Actor, filter: { customerId?: string; serverId?: string }): Promise<DeploymentView[]> {
    const rows = await this.ctx.store.deployments.list({
      customerId: customerScope(actor, filter.customerId),
      serverId: filter.serverId,
    });
    return Promise.all(rows.map((d) => this.view(this.ctx.store, d)));
  }

  /** The license file of a revision (default: the current one), to download. */
  async file(
    actor: Actor,
    licenseId: string,
    revision?: number,
  ): Promise<{ licenseId: string; revision: number; file: string; fileName: string }> {
    const d = await this.require(actor, licenseId);
    const wanted = revision ?? d.revision;
    const rev = await this.ctx.store.revisions.get(licenseId, wanted);
    if (!rev) throw new TesseraError('NOT_FOUND', `license ${licenseId} has no revision ${wanted}`);
    return { licenseId, revision: wanted, file: rev.file, fileName: fileNameOf(licenseId, wanted) };
  }

  /**
   * Takes an uninstall certificate back: verified with the key of the registered server it
   * names, for a license of the caller's customer bound to that server, of its current or an
   * older revision. The seats go back to the customer's entitlements, once: a certificate for
   * a license already returned is refused.
   *
   * @throws TesseraError DOC_* (malformed, forged, foreign), NOT_FOUND (not a license of the
   *   caller's customer), WRONG_SERVER, CONFLICT reason ALREADY_RETURNED or RETURN_LIMIT.
   */
  async returnCertificate(actor: Actor, certificate: string): Promise<ReturnView> {
    return audited(this.ctx, actor, 'deployment.return', {}, async () => {
      if (typeof certificate !== 'string' || Buffer.byteLength(certificate) > MAX_DOCUMENT_BYTES) {
        throw new TesseraError('DOC_MALFORMED', `the certificate must be text of at most ${MAX_DOCUMENT_BYTES} bytes`);
      }
      // The certificate names the server that signed it; only that registered server's key,
      // as this Cloud knows it from its Server ID file, may verify it.
      const claimedServer = (decodeDocumentUnverified(certificate).payload as { serverId?: unknown } | null)?.serverId;
      if (typeof claimedServer !== 'string') {
        throw new TesseraError('DOC_INVALID', 'the certificate names no serverId');
      }
      const server = await this.ctx.store.servers.get(claimedServer);
      if (!server) {
        throw new TesseraError(
          'DOC_UNKNOWN_KEY',
          `the certificate is from server ${claimedServer}, which is not registered with this Cloud`,
        );
      }
      const { claims, jws } = await verifyUninstall(certificate, publicKeyFromJwk(server.publicKeyJwk));
      const d = await this.ctx.store.deployments.get(claims.licenseId);
      if (!d) throw new TesseraError('NOT_FOUND', `license ${claims.licenseId} was not issued by this Cloud`);
      assertVisible(actor, d.customerId, `license ${claims.licenseId}`);
      if (d.serverId !== claims.serverId) {
        throw new TesseraError(
          'WRONG_SERVER',
          `license ${claims.licenseId} is bound to ${d.serverId}; the certificate comes from ${claims.serverId}`,
        );
      }
      if (claims.revision > d.revision) {
        throw new TesseraError(
          'DOC_INVALID',
          `revision ${claims.revision} of license ${claims.licenseId} was never issued (the current one is ${d.revision})`,
        );
      }
      const now = nowIso(this.ctx.clock);
      const record = await this.ctx.store.transaction(async (tx) => {
        if (!(await tx.deployments.markReturned(claims.licenseId, now))) {
          const earlier = await tx.returns.byLicense(claims.licenseId);
          throw new TesseraError(
            'CONFLICT',
            `license ${claims.licenseId} was returned already${earlier ? ` at ${earlier.returnedAt}` : ''}; its seats come back once`,
            { reason: 'ALREADY_RETURNED' },
          );
        }
        const lines = await tx.deployments.lines(claims.licenseId);
        const entIds = lines.map((l) => l.entitlementId);
        if (actor.role === 'customer') await this.checkReturnLimit(tx, entIds);
        const ents = new Map<string, EntitlementRecord>(
          (await tx.entitlements.lockByIds(entIds)).map((e) => [e.id, e]),
        );
        const seats: ReturnedSeat[] = [];
        for (const l of lines) {
          const e = ents.get(l.entitlementId)!;
          e.used = Math.max(0, e.used - l.count);
          seats.push({ feature: l.feature, count: l.count, entitlementId: l.entitlementId });
        }
        await tx.entitlements.setUsed([...ents.values()].map((e) => ({ id: e.id, used: e.used })));
        const ret: ReturnRecord = {
          id: cloudId('ret', this.ctx.clock.now()),
          licenseId: claims.licenseId,
          revision: claims.revision,
          serverId: claims.serverId,
          customerId: d.customerId,
          certificateHash: hashSecret(jws),
          certificate,
          uninstalledAt: claims.uninstalledAt,
          returnedAt: now,
          seats,
        };
        await tx.returns.insert(ret);
        await this.ctx.audit.write(tx, {
          actor,
          action: 'deployment.return',
          customerId: d.customerId,
          target: claims.licenseId,
          outcome: 'ok',
          detail: { revision: claims.revision, seats: seats.map((s) => `${s.feature}=${s.count}`) },
        });
        return ret;
      });
      return returnView(record);
    });
  }

  async listReturns(actor: Actor, customerId?: string): Promise<ReturnView[]> {
    return (await this.ctx.store.returns.list(customerScope(actor, customerId))).map(returnView);
  }

  // ---------------------------------------------------------------- internals

  private async require(actor: Actor, licenseId: string): Promise<DeploymentRecord> {
    const d = await this.ctx.store.deployments.get(licenseId);
    if (!d) throw new TesseraError('NOT_FOUND', `no deployment ${licenseId}`);
    assertVisible(actor, d.customerId, `deployment ${licenseId}`);
    return d;
  }

  private async requireActive(tx: Store, licenseId: string): Promise<DeploymentRecord> {
    const d = await tx.deployments.get(licenseId);
    if (!d) throw new TesseraError('NOT_FOUND', `no deployment ${licenseId}`);
    if (d.status !== 'active') {
      throw new TesseraError('CONFLICT', `license ${licenseId} was returned at ${d.returnedAt}; it cannot change`, {
        reason: 'RETURNED',
      });
    }
    return d;
  }

  /**
   * Decides which entitlement each requested feature draws from and checks that the seats
   * are free; changes nothing in the database (the caller writes `changed`). A license holds
   * each feature once, so a feature already in the deployment draws from the same
   * entitlement; a new one from the customer's live perpetual entitlement of it with enough
   * free seats and the latest maintenance date (then the latest expiry).
   */
  private async draw(
    tx: Store,
    licenseId: string,
    customerId: string,
    existing: readonly DeploymentLineRecord[],
    requests: readonly FeatureRequest[],
  ): Promise<Draw> {
    const lines = new Map(existing.map((l) => [l.feature, { ...l }] as const));
    const locked = await tx.entitlements.lockForSeats(
      'perpetual',
      requests.map((r) => ({ customerId, feature: r.name })),
      [...requests.flatMap((r) => (r.entitlementId ? [r.entitlementId] : [])), ...existing.map((l) => l.entitlementId)],
    );
    const entitlements = new Map<string, EntitlementRecord>(locked.map((e) => [e.id, { ...e }]));
    const changed = new Set<string>();
    const nowMs = this.ctx.clock.now();
    for (const r of requests) {
      const line = lines.get(r.name);
      let candidates = [...entitlements.values()].filter(
        (e) => e.customerId === customerId && e.type === 'perpetual' && e.feature === r.name,
      );
      if (r.entitlementId !== undefined) {
        const e = entitlements.get(r.entitlementId);
        if (!e || e.customerId !== customerId || e.type !== 'perpetual' || e.feature !== r.name) {
          throw new TesseraError(
            'BAD_REQUEST',
            `entitlement ${r.entitlementId} is not a perpetual entitlement of feature ${r.name} of this customer`,
          );
        }
        candidates = [e];
      }
      if (line) {
        if (r.entitlementId !== undefined && r.entitlementId !== line.entitlementId) {
          throw new TesseraError(
            'CONFLICT',
            `this license draws ${r.name} from ${line.entitlementId}; a license holds each feature once`,
          );
        }
        candidates = [entitlements.get(line.entitlementId)!];
      }
      if (candidates.length === 0) {
        if (!(await tx.features.get(r.name))) {
          throw new TesseraError('UNKNOWN_FEATURE', `feature ${r.name} is not in the catalog`);
        }
        throw new TesseraError('CONFLICT', `customer ${customerId} holds no perpetual entitlement of ${r.name}`, {
          reason: 'NOT_ENTITLED',
        });
      }
      const live = candidates.filter((e) => !isExpired(e, nowMs));
      if (live.length === 0) {
        throw new TesseraError(
          'LICENSE_EXPIRED',
          `every perpetual entitlement of ${r.name} of this customer has expired`,
        );
      }
      const fitting = live.filter((e) => e.count - e.used >= r.count).sort(bestFirst);
      const pick = fitting[0];
      if (!pick) {
        const free = live.reduce((n, e) => n + Math.max(0, e.count - e.used), 0);
        const detail = live.map((e) => `${e.id}: ${Math.max(0, e.count - e.used)} of ${e.count} free`).join(', ');
        throw new TesseraError(
          'CONFLICT',
          `${r.count} seat${r.count === 1 ? '' : 's'} of ${r.name} asked, but only ${free} ${free === 1 ? 'is' : 'are'} free (${detail}); nothing was changed`,
          { reason: 'OVER_ALLOCATION', details: { feature: r.name, asked: r.count, free } },
        );
      }
      pick.used += r.count;
      changed.add(pick.id);
      lines.set(r.name, {
        licenseId,
        feature: r.name,
        entitlementId: pick.id,
        count: (line?.count ?? 0) + r.count,
      });
    }
    return { lines, entitlements, changed };
  }

  private claimsOf(
    d: DeploymentRecord,
    customerName: string,
    lines: readonly DeploymentLineRecord[],
    ents: ReadonlyMap<string, EntitlementRecord>,
    nowMs: number,
  ): LicenseClaims {
    return {
      licenseId: d.licenseId,
      revision: d.revision,
      customer: customerName,
      binding: d.binding,
      features: featuresOf(lines, ents),
      issuedAt: new Date(nowMs).toISOString(),
    };
  }

  private async sign(tx: Store, claims: LicenseClaims, reason: string): Promise<string> {
    const file = await signLicense(claims, this.signer.privateKey);
    await tx.revisions.insert({
      licenseId: claims.licenseId,
      revision: claims.revision,
      claims,
      file,
      issuedAt: claims.issuedAt,
      reason,
    });
    return file;
  }

  /** Signs revision `d.revision + 1` with `lines` and moves the deployment to it. */
  private async nextRevision(
    tx: Store,
    d: DeploymentRecord,
    lines: readonly DeploymentLineRecord[],
    ents: ReadonlyMap<string, EntitlementRecord>,
    reason: string,
  ): Promise<string> {
    const customer = await tx.customers.get(d.customerId);
    const now = this.ctx.clock.now();
    const next = { ...d, revision: d.revision + 1 };
    const file = await this.sign(tx, this.claimsOf(next, customer?.name ?? d.customerId, lines, ents, now), reason);
    if (!(await tx.deployments.advanceRevision(d.licenseId, d.revision, new Date(now).toISOString()))) {
      throw new TesseraError('CONFLICT', `license ${d.licenseId} changed meanwhile; try again`);
    }
    return file;
  }

  private async checkReturnLimit(tx: Store, entitlementIds: string[]): Promise<void> {
    const since = new Date(this.ctx.clock.now() - RETURN_POLICY.windowDays * 86_400_000).toISOString();
    const counts = await tx.returns.countTouching(entitlementIds, since);
    for (const [id, n] of counts) {
      // `counts` includes nothing of this return yet (it is inserted after this check).
      if (n >= RETURN_POLICY.maxReturnsPerEntitlement) {
        throw new TesseraError(
          'CONFLICT',
          `seats of entitlement ${id} came back ${n} times in the last ${RETURN_POLICY.windowDays} days; ask the vendor to take this one`,
          { reason: 'RETURN_LIMIT' },
        );
      }
    }
  }

  private async view(store: Store, d: DeploymentRecord): Promise<DeploymentView> {
    const lines = await store.deployments.lines(d.licenseId);
    const ents = new Map<string, EntitlementRecord>();
    for (const l of lines) {
      const e = await store.entitlements.get(l.entitlementId);
      if (e) ents.set(e.id, e);
    }
    return deploymentView(d, lines, ents, await store.revisions.history(d.licenseId));
  }

  private async withFile(store: Store, d: DeploymentRecord, file: string): Promise<DeploymentWithFile> {
    return { ...(await this.view(store, d)), file, fileName: fileNameOf(d.licenseId, d.revision) };
  }
}

function fileNameOf(licenseId: string, revision: number): string {
  return `${licenseId}-rev${revision}.lic`;
}

function featuresOf(
  lines: readonly DeploymentLineRecord[],
  ents: ReadonlyMap<string, EntitlementRecord>,
): LicenseFeature[] {
  return [...lines]
    .sort((a, b) => (a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0))
    .map((l) => {
      const e = ents.get(l.entitlementId);
      return {
        name: l.feature,
        count: l.count,
        expires: e?.expires ?? null,
        maintenanceUntil: e?.maintenanceUntil ?? null,
      };
    });
}

function sameFeatures(a: readonly LicenseFeature[], b: readonly LicenseFeature[]): boolean {
  if (a.length !== b.length) return false;
  const key = (f: LicenseFeature) => `${f.name}|${f.count}|${f.expires}|${f.maintenanceUntil}`;
  const as = a.map(key).sort();
  const bs = b.map(key).sort();
  return as.every((k, i) => k === bs[i]);
}

/** Latest maintenance date first (no limit is best), then latest expiry (never is best), then oldest. */
function bestFirst(a: EntitlementRecord, b: EntitlementRecord): number {
  const m = laterFirst(a.maintenanceUntil, b.maintenanceUntil);
  if (m !== 0) return m;
  const e = laterFirst(a.expires, b.expires);
  if (e !== 0) return e;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function laterFirst(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a > b ? -1 : 1;
}

/**
 * Checks a list of requested features: 1 to 100 of them, names of the catalog's form,
 * counts integers ≥ 1, no feature twice.
 *
 * @throws TesseraError BAD_REQUEST naming the bad entry.
 */
export function validateFeatures(features: unknown): FeatureRequest[] {
  if (!Array.isArray(features) || features.length === 0) {
    throw new TesseraError('BAD_REQUEST', 'at least one feature (NAME=COUNT) is needed');
  }
  if (features.length > INPUT_RULES.maxFeaturesPerRequest) {
    throw new TesseraError('BAD_REQUEST', `at most ${INPUT_RULES.maxFeaturesPerRequest} features at once`);
  }
  const seen = new Set<string>();
  return features.map((f: unknown, i: number) => {
    const o = (typeof f === 'object' && f !== null ? f : {}) as Record<string, unknown>;
    if (typeof o.name !== 'string' || !INPUT_RULES.featureName.test(o.name)) {
      throw new TesseraError('BAD_REQUEST', `features[${i}].name must be 1–64 characters of A-Z a-z 0-9 . _ -`);
    }
    if (typeof o.count !== 'number' || !Number.isSafeInteger(o.count) || o.count < 1 || o.count > MAX_FEATURE_COUNT) {
      throw new TesseraError(
        'BAD_REQUEST',
        `features[${i}].count must be an integer from 1 to ${MAX_FEATURE_COUNT}, got ${JSON.stringify(o.count)}`,
      );
    }
    if (seen.has(o.name)) throw new TesseraError('BAD_REQUEST', `feature ${o.name} is given twice`);
    seen.add(o.name);
    if (o.entitlementId !== undefined && typeof o.entitlementId !== 'string') {
      throw new TesseraError('BAD_REQUEST', `features[${i}].entitlementId must be a string`);
    }
    return { name: o.name, count: o.count, entitlementId: o.entitlementId as string | undefined };
  });
}
