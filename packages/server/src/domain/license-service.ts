import {
  assertFingerprint,
  assertIssuedNotAhead,
  type Clock,
  type FactorHashes,
  type Keyring,
  type LicenseClaims,
  PRODUCT_VERSION,
  publicKeyToJwk,
  signServerId,
  signUninstall,
  TesseraError,
  verifyLicense,
} from '@tessera/core';
import type { InstalledLicenseRow, Store } from '../store/store.js';
import type { Actor, AuditLog } from './audit.js';
import type { LeaseEngine } from './leases/lease-engine.js';
import type { ServerIdentity } from './server-identity.js';

export interface LicenseServiceDeps {
  store: Store;
  engine: LeaseEngine;
  audit: AuditLog;
  clock: Clock;
  identity: ServerIdentity;
  keyring: Keyring;
  hostName: string;
  /** This machine's factor hashes now (read at each install, so a moved disk is noticed). */
  currentFactors: () => FactorHashes;
  /** Fault injection for crash tests; see `TESSERA_TEST_CRASH_AT`. */
  crashPoint?: string | undefined;
}

export interface LicenseFeatureView {
  name: string;
  count: number;
  inUse: number;
  available: number;
  expires: string | null;
  maintenanceUntil: string | null;
  expired: boolean;
}

export interface LicenseView {
  licenseId: string;
  revision: number;
  customer: string;
  /** `flexible`: brought by the last Sync (not installed; it goes when a Sync leaves it out). */
  mode: 'perpetual' | 'flexible';
  issuedAt: string;
  installedAt: string;
  features: LicenseFeatureView[];
}

export interface LicenseTree {
  server: { serverId: string; hostName: string; poolId: string; version: string; clockTampered: boolean };
  licenses: LicenseView[];
  uninstalled: { licenseId: string; revision: number; uninstalledAt: string }[];
}

/**
 * The Dashboard's license buttons as services (seed: Make Server ID File, Install License,
 * Uninstall License, Renew License) plus the license tree. A document is verified in full
 * before it touches state; a refusal is audited and changes nothing else.
 */
export class LicenseService {
  /**
   * Install, Renew and Uninstall run one at a time: each checks the installed state, then
   * writes; two at once could each pass their checks against a state the other is changing.
   */
  private changing: Promise<unknown> = Promise.resolve();

  constructor(private readonly d: LicenseServiceDeps) {}

  /** Make Server ID File: `info.bts`, signed by the server key. */
  async makeServerIdFile(actor: Actor): Promise<string> {
    const file = await signServerId(
      {
        serverId: this.d.identity.serverId,
        publicKeyJwk: await publicKeyToJwk(this.d.identity.publicKey),
        factors: this.d.currentFactors(),
        hostName: this.d.hostName,
        productVersion: PRODUCT_VERSION,
        createdAt: new Date(this.d.clock.now()).toISOString(),
      },
      this.d.identity.privateKey,
    );
    this.d.audit.record({ actor, action: 'server-id.make', target: this.d.identity.serverId, outcome: 'ok' });
    return file;
  }

  async install(actor: Actor, fileText: string): Promise<LicenseView> {
    return this.audited(actor, 'license.install', undefined, async () => {
      const claims = await this.verifyForThisServer(fileText);
      const id = claims.licenseId;
      if (this.d.store.licenses.tombstone(id)) {
        throw new TesseraError(
          'LICENSE_UNINSTALLED',
          `license ${id} was uninstalled from this server and can never be installed again`,
        );
      }
      const existing = this.d.store.licenses.get(id);
      if (existing) {
        throw new TesseraError(
          'LICENSE_EXISTS',
          `license ${id} is already installed (revision ${existing.revision}); use Renew License for a newer revision`,
        );
      }
      const row = this.rowOf(claims, fileText);
      await this.d.engine.putLicense(claims, () => {
        this.d.store.licenses.upsert(row);
        this.crashIf('install-mid-transaction');
        this.d.audit.writer({
          actor,
          action: 'license.install',
          target: id,
          outcome: 'ok',
          detail: this.auditDetail(claims),
        })();
      });
      return this.view(row);
    });
  }

  async renew(actor: Actor, fileText: string): Promise<LicenseView & { revokedLeases: number }> {
    return this.audited(actor, 'license.renew', undefined, async () => {
      const claims = await this.verifyForThisServer(fileText);
      const id = claims.licenseId;
      if (this.d.store.licenses.tombstone(id)) {
        throw new TesseraError(
          'LICENSE_UNINSTALLED',
          `license ${id} was uninstalled from this server; it cannot be renewed`,
        );
      }
      const existing = this.d.store.licenses.get(id);
      if (!existing) {
        this.refuseIfFlexible(id, 'renewed');
        throw new TesseraError('LICENSE_NOT_INSTALLED', `license ${id} is not installed; use Install License`);
      }
      if (claims.revision <= existing.revision) {
        throw new TesseraError(
          'REVISION_NOT_NEWER',
          `the file has revision ${claims.revision}; the installed license has revision ${existing.revision}, and a renewal must be higher`,
        );
      }
      if (!sameBinding(existing.claims, claims)) {
        throw new TesseraError(
          'BINDING_CHANGED',
          `the renewal of ${id} is bound differently from the installed license`,
        );
      }
      const row = this.rowOf(claims, fileText);
      const revokedLeases = await this.d.engine.putLicense(claims, () => {
        this.d.store.licenses.upsert(row);
        this.d.audit.writer({
          actor,
          action: 'license.renew',
          target: id,
          outcome: 'ok',
          detail: { from: existing.revision, ...this.auditDetail(claims) },
        })();
      });
      return { ...this.view(row), revokedLeases };
    });
  }

  /**
   * Uninstall License: permanent. The tombstone, the certificate and the revocation of the
   * license's leases commit in one transaction. Returns the signed certificate file.
   */
  async uninstall(actor: Actor, licenseId: string): Promise<{ certificate: string; revokedLeases: number }> {
    return this.audited(actor, 'license.uninstall', licenseId, async () => {
      const existing = this.d.store.licenses.get(licenseId);
      if (!existing) {
        this.refuseIfFlexible(licenseId, 'uninstalled');
        const gone = this.d.store.licenses.tombstone(licenseId);
        throw new TesseraError(
          gone ? 'LICENSE_UNINSTALLED' : 'LICENSE_NOT_INSTALLED',
          gone
            ? `license ${licenseId} was already uninstalled at ${gone.uninstalledAt}`
            : `no license ${licenseId} is installed`,
        );
      }
      const uninstalledAt = new Date(this.d.clock.now()).toISOString();
      const certificate = await signUninstall(
        { licenseId, revision: existing.revision, serverId: this.d.identity.serverId, uninstalledAt },
        this.d.identity.privateKey,
      );
      const revokedLeases = await this.d.engine.removeLicense(licenseId, 'LICENSE_UNINSTALLED', () => {
        this.d.store.licenses.addTombstone({ licenseId, revision: existing.revision, uninstalledAt, certificate });
        this.d.store.licenses.delete(licenseId);
        this.d.audit.writer({
          actor,
          action: 'license.uninstall',
          target: licenseId,
          outcome: 'ok',
          detail: { revision: existing.revision },
        })();
      });
      return { certificate, revokedLeases };
    });
  }

  /** The certificate of an uninstalled license, to download again. */
  certificate(licenseId: string): string {
    const t = this.d.store.licenses.tombstone(licenseId);
    if (!t) throw new TesseraError('NOT_FOUND', `license ${licenseId} has not been uninstalled from this server`);
    return t.certificate;
  }

  tree(): LicenseTree {
    return {
      server: {
        serverId: this.d.identity.serverId,
        hostName: this.d.hostName,
        poolId: this.d.engine.poolId,
        version: PRODUCT_VERSION,
        clockTampered: this.d.engine.clockTampered,
      },
      licenses: [
        ...this.d.store.licenses.all().map((r) => this.view(r)),
        ...this.d.store.flexible.licenses().map((f) => ({
          ...this.view(this.rowOf(f.claims, '')),
          mode: 'flexible' as const,
          installedAt: f.claims.issuedAt,
        })),
      ],
      uninstalled: this.d.store.licenses
        .tombstones()
        .map((t) => ({ licenseId: t.licenseId, revision: t.revision, uninstalledAt: t.uninstalledAt })),
    };
  }

  /**
   * A flexible license came with a Sync and is the Cloud's to change: the vendor allocates its
   * seats there, and the next Sync brings the change (or leaves the license out).
   */
  private refuseIfFlexible(licenseId: string, what: 'uninstalled' | 'renewed'): void {
    const flexible = this.d.store.flexible;
    if (!flexible.licenseIds().includes(licenseId)) return;
    throw new TesseraError(
      'CONFLICT',
      `license ${licenseId} is a flexible license from the Cloud's last Sync; it cannot be ${what} on the License Server: its seats are allocated at the Cloud, and the next Sync (Resync Info, or Import Sync File) brings any change`,
      { reason: 'FLEXIBLE_LICENSE', details: { licenseId } },
    );
  }

  private async verifyForThisServer(fileText: string): Promise<LicenseClaims> {
    const { claims } = await verifyLicense(fileText, this.d.keyring);
    assertIssuedNotAhead(
      `license ${claims.licenseId} (revision ${claims.revision})`,
      claims.issuedAt,
      this.d.clock.now(),
    );
    assertFingerprint(claims.binding, { serverId: this.d.identity.serverId, factors: this.d.currentFactors() });
    return claims;
  }

  private rowOf(claims: LicenseClaims, document: string): InstalledLicenseRow {
    return {
      licenseId: claims.licenseId,
      revision: claims.revision,
      customer: claims.customer,
      serverId: claims.binding.serverId,
      claims,
      document,
      issuedAt: claims.issuedAt,
      installedAt: new Date(this.d.clock.now()).toISOString(),
    };
  }

  private view(row: InstalledLicenseRow): LicenseView {
    const used = this.d.engine.usageOf(row.licenseId);
    const now = this.d.clock.now();
    return {
      licenseId: row.licenseId,
      revision: row.revision,
      customer: row.customer,
      mode: 'perpetual',
      issuedAt: row.issuedAt,
      installedAt: row.installedAt,
      features: row.claims.features.map((f) => {
        const inUse = used.get(f.name) ?? 0;
        const expired = f.expires !== null && now > Date.parse(`${f.expires}T23:59:59.999Z`);
        return {
          name: f.name,
          count: f.count,
          inUse,
          available: expired ? 0 : Math.max(0, f.count - inUse),
          expires: f.expires,
          maintenanceUntil: f.maintenanceUntil,
          expired,
        };
      }),
    };
  }

  private auditDetail(claims: LicenseClaims) {
    return { revision: claims.revision, features: claims.features.map((f) => `${f.name}=${f.count}`) };
  }

  /**
   * Runs a license change, one at a time (see `changing`); a refusal is written to the audit
   * log (if the disk has room for it) and rethrown unchanged.
   */
  private async audited<T>(actor: Actor, action: string, target: string | undefined, fn: () => Promise<T>): Promise<T> {
    const run = this.changing.then(fn);
    this.changing = run.catch(() => undefined);
    try {
      return await run;
    } catch (err) {
      const code = err instanceof TesseraError ? err.code : 'INTERNAL';
      this.d.audit.recordRefusal({
        actor,
        action,
        target: target ?? null,
        outcome: `refused:${code}`,
        detail: { message: err instanceof Error ? err.message : String(err) },
      });
      throw err;
    }
  }

  private crashIf(point: string): void {
    if (this.d.crashPoint === point) process.kill(process.pid, 'SIGKILL');
  }
}

function sameBinding(a: LicenseClaims, b: LicenseClaims): boolean {
  if (a.binding.serverId !== b.binding.serverId) return false;
  const ka = Object.keys(a.binding.factors).sort();
  const kb = Object.keys(b.binding.factors).sort();
  if (ka.join() !== kb.join()) return false;
  return ka.every((k) => a.binding.factors[k as keyof FactorHashes] === b.binding.factors[k as keyof FactorHashes]);
}
