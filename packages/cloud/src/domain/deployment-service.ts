/**
 * Deployments (the seed's "license deployments"): a group of licenses hosted by one License
 * Server, issued as one signed, hardware-bound license file. Creating one draws seats from
 * the customer's perpetual entitlements; adding licenses or a changed maintenance date makes
 * the next revision of the same license (same id, same binding) for Renew License; an
 * uninstall certificate gives the seats back, once (license-returns.ts).
 *
 * Seat counts are changed under row locks of the entitlements (PostgreSQL `FOR NO KEY UPDATE`,
 * deployment-draw.ts), and the database refuses `used > count` by a CHECK, so two nodes
 * deploying at once cannot over-allocate.
 */
import type { KeyObject } from 'node:crypto';
import { assertHardwareFactors, type LicenseClaims, signLicense, TesseraError } from '@tessera/core';
import type { DeploymentLineRecord, DeploymentRecord, EntitlementRecord } from '../store/rows.js';
import type { Store } from '../store/store.js';
import { type Actor, assertVisible, customerScope } from './actor.js';
import { audited, type DomainContext } from './context.js';
import { drawSeats, type FeatureRequest, featuresOf, sameFeatures, validateFeatures } from './deployment-draw.js';
import { cloudId } from './ids.js';
import { returnLicense } from './license-returns.js';
import type { ServerService } from './server-service.js';
import { type DeploymentView, type DeploymentWithFile, deploymentView, type ReturnView, returnView } from './views.js';

/** The vendor's signing key, as the Cloud holds it. */
export interface VendorSigner {
  privateKey: KeyObject;
  /** RFC 7638 thumbprint: the `kid` of every license the Cloud signs. */
  kid: string;
}

export type { FeatureRequest } from './deployment-draw.js';

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
        const draw = await drawSeats(tx, this.ctx.clock, licenseId, server.customerId, [], features);
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
        const draw = await drawSeats(
          tx,
          this.ctx.clock,
          licenseId,
          d.customerId,
          await tx.deployments.lines(licenseId),
          wanted,
        );
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
  returnCertificate(actor: Actor, certificate: string): Promise<ReturnView> {
    return returnLicense(this.ctx, actor, certificate);
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
