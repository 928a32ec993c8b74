/**
 * Flexible licensing at the Cloud, the licensing-node half (docs/cloud.md, "Flexible
 * licensing"): a License Server's signed Report in, a signed Sync out, on `POST /v1/sync` of every node (online, or
 * relayed by a PLS for an offline ALS). The Report's signature is the only credential: by the
 * key of a registered server, or, for a server's first Report, by the key of the Server ID
 * document it carries together with a valid one-time enrollment code.
 *
 * What one accepted Report does, in one transaction (a refusal changes nothing):
 * - usage is upserted by (server, feature, hour) with absolute values, a row overwritten only
 *   by a report of the same or higher sequence, so a resent report or a newer one repeating
 *   older hours counts each hour once;
 * - the server's sync counter is `+ 1` in the database (exact across nodes), its highest
 *   sequence raised but never lowered (an older, delayed Report File still brings its usage);
 * - the answer acknowledges every hour up to the newest hour stored for the server, carries
 *   the server's allocations as flexible licenses (a new revision when one changed), valid
 *   until now + grace, next sync after the sync interval.
 *
 * Clone signs (docs/cloud.md) are flagged in `server_flags` and the audit log, visible at
 * `GET /api/v1/servers/{id}/sync`: a sequence seen before with other content is refused
 * (REPORT_REPLAYED, nothing else changes: two machines are speaking as one server, or a
 * report was forged with the key); a report whose factors do not match the previous one's
 * by the fingerprint rule is accepted (hardware changes, containers move) and flagged.
 */
import { createHash, type KeyObject } from 'node:crypto';
import {
  decodeDocumentUnverified,
  type FlexibleLicense,
  hourMark,
  type LicenseFeature,
  MAX_DOCUMENT_BYTES,
  matchFingerprint,
  publicKeyFromJwk,
  type ReportClaims,
  type ServerIdClaims,
  signSync,
  TesseraError,
  verifyReport,
  verifyServerId,
} from '@tessera/core';
import type { ServerRecord } from '../store/rows.js';
import type { Store } from '../store/store.js';
import { type Actor, assertVisible, customerScope, SYSTEM_ACTOR } from './actor.js';
import type { DomainContext } from './context.js';
import type { VendorSigner } from './deployment-service.js';
import { enrollmentCodeHash } from './flexible-service.js';
import type { SyncStatusView, UsagePoint, UsageView } from './flexible-views.js';
import { cloudId } from './ids.js';
import { SYNC_POLICY } from './policy.js';
import type { ServerService } from './server-service.js';

export type { SyncStatusView, UsagePoint, UsageView };

export interface SyncSettings {
  /** Seconds until a server should report again (`--sync-interval`). */
  intervalSeconds: number;
  /** A Sync is valid this long after it is issued (`--grace`). */
  graceSeconds: number;
}

/** One kind of clone sign. */
export type FlagKind = 'SEQUENCE_REUSED' | 'FINGERPRINT_CHANGED';

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('base64url');
}

function refuseEnrollment(reason: string, message: string): never {
  throw new TesseraError('ENROLLMENT_INVALID', message, { reason });
}

export class SyncService {
  constructor(
    private readonly ctx: DomainContext,
    private readonly servers: ServerService,
    private readonly signer: VendorSigner,
    readonly settings: SyncSettings,
  ) {}

  /**
   * Takes a Report file's text and answers the Sync file's text.
   *
   * @throws TesseraError DOC_* (malformed, tampered, wrong type, invalid), SERVER_UNKNOWN (no
   *   such server and no enrollment), ENROLLMENT_INVALID (reason UNKNOWN_CODE, CODE_USED,
   *   CODE_EXPIRED, SERVER_ID_DOCUMENT, KEY_MISMATCH, OTHER_CUSTOMER), REPORT_REPLAYED.
   */
  async sync(reportText: unknown): Promise<{ sync: string; serverId: string; syncCounter: number }> {
    if (typeof reportText !== 'string' || Buffer.byteLength(reportText) > MAX_DOCUMENT_BYTES) {
      throw new TesseraError(
        'DOC_MALFORMED',
        `the report must be the text of a report file of at most ${MAX_DOCUMENT_BYTES} bytes`,
      );
    }
    // Only to choose the key: nothing read here is trusted until verifyReport has passed.
    const { header, payload } = decodeDocumentUnverified(reportText);
    if (header.typ !== 'tessera-report+jws') {
      // The header is untrusted: String() of {"toString":1} throws, of an array nested deep overflows.
      const typ = typeof header.typ === 'string' ? header.typ.slice(0, 64) : `(typ of type ${typeof header.typ})`;
      throw new TesseraError('DOC_WRONG_TYPE', `this is a ${typ} document; a report is expected`);
    }
    const head = (typeof payload === 'object' && payload !== null ? payload : {}) as Record<string, unknown>;
    const claimedId = typeof head.serverId === 'string' ? head.serverId : '';
    const server = claimedId ? await this.ctx.store.servers.get(claimedId) : undefined;

    let key: KeyObject;
    let enrolling: { serverId: ServerIdClaims; document: string; codeHash: string } | undefined;
    if (server) {
      key = publicKeyFromJwk(server.publicKeyJwk);
    } else {
      const e = head.enrollment as { code?: unknown; serverIdDocument?: unknown } | undefined;
      if (!e || typeof e !== 'object') {
        throw new TesseraError(
          'SERVER_UNKNOWN',
          `server ${claimedId || '(none named)'} is not registered with this Cloud; enroll it with a code from the portal (--enroll CODE) or register its Server ID file`,
        );
      }
      if (typeof e.serverIdDocument !== 'string' || typeof e.code !== 'string') {
        refuseEnrollment('SERVER_ID_DOCUMENT', 'the enrollment must carry a code and the Server ID document');
      }
      let sid: Awaited<ReturnType<typeof verifyServerId>>;
      try {
        sid = await verifyServerId(e.serverIdDocument);
      } catch (err) {
        refuseEnrollment(
          'SERVER_ID_DOCUMENT',
          `the Server ID document of the enrollment does not verify: ${(err as Error).message}`,
        );
      }
      if (sid.claims.serverId !== claimedId) {
        refuseEnrollment(
          'KEY_MISMATCH',
          `the Server ID document is of ${sid.claims.serverId}, but the report names ${claimedId}; a server enrolls with its own Server ID document`,
        );
      }
      key = sid.publicKey;
      enrolling = { serverId: sid.claims, document: e.serverIdDocument, codeHash: enrollmentCodeHash(e.code) };
    }
    const verified = await verifyReport(reportText, key);
    const claims = verified.claims;
    const hash = sha256(verified.jws.split('.')[1]!);

    try {
      return await this.ctx.store.transaction(async (tx) => {
        let srv = server;
        if (enrolling) srv = await this.enrollIn(tx, enrolling, claims);
        else if (claims.enrollment) await this.checkStrayEnrollment(tx, srv!, claims.enrollment.code);
        return this.process(tx, srv!, claims, hash);
      });
    } catch (err) {
      if (err instanceof TesseraError && err.code === 'REPORT_REPLAYED') {
        const s = (server ?? (await this.ctx.store.servers.get(claims.serverId)))!;
        await this.flag(this.ctx.store, s, 'SEQUENCE_REUSED', {
          sequence: claims.sequence,
          createdAt: claims.createdAt,
        });
      }
      if (err instanceof TesseraError) {
        await this.ctx.audit
          .write(this.ctx.store, {
            actor: SYSTEM_ACTOR,
            action: 'server.sync',
            customerId: server?.customerId ?? null,
            target: claims.serverId,
            outcome: `refused:${err.code}`,
            detail: { message: err.message, sequence: claims.sequence },
          })
          .catch(() => {});
      }
      throw err;
    }
  }

  /** A server's first Report: consume the code and register the server for the code's customer. */
  private async enrollIn(
    tx: Store,
    e: { serverId: ServerIdClaims; document: string; codeHash: string },
    claims: ReportClaims,
  ): Promise<ServerRecord> {
    const now = new Date(this.ctx.clock.now()).toISOString();
    const code = await tx.enrollments.byCodeHash(e.codeHash);
    if (!code) refuseEnrollment('UNKNOWN_CODE', 'the enrollment code is not known to this Cloud (mistyped?)');
    if (code.usedAt !== null) {
      refuseEnrollment('CODE_USED', `the enrollment code was used at ${code.usedAt}; ask for a new one on the portal`);
    }
    if (code.expiresAt <= now) {
      refuseEnrollment(
        'CODE_EXPIRED',
        `the enrollment code expired at ${code.expiresAt}; ask for a new one on the portal`,
      );
    }
    if (!(await tx.enrollments.consume(e.codeHash, claims.serverId, now))) {
      refuseEnrollment('CODE_USED', 'the enrollment code was used just now by another request');
    }
    const c = e.serverId;
    const record: ServerRecord = {
      id: c.serverId,
      customerId: code.customerId,
      hostName: c.hostName,
      productVersion: c.productVersion,
      publicKeyJwk: c.publicKeyJwk,
      factors: c.factors,
      document: e.document,
      registeredAt: now,
      updatedAt: now,
    };
    if (!(await tx.servers.insert(record))) {
      // Registered meanwhile (another node, or the portal): fine for the same customer only.
      const existing = (await tx.servers.get(record.id))!;
      if (existing.customerId !== code.customerId) {
        refuseEnrollment('OTHER_CUSTOMER', `server ${record.id} is registered to another customer`);
      }
      return existing;
    }
    await this.ctx.audit.write(tx, {
      actor: SYSTEM_ACTOR,
      action: 'server.enroll',
      customerId: code.customerId,
      target: record.id,
      outcome: 'ok',
      detail: { enrollmentId: code.id, hostName: c.hostName },
    });
    return record;
  }

  /**
   * A known server's Report still carrying an enrollment (a resent first report, say) is fine,
   * unless its code is a live code of another customer: then someone is moving the server.
   */
  private async checkStrayEnrollment(tx: Store, server: ServerRecord, code: string): Promise<void> {
    const e = await tx.enrollments.byCodeHash(enrollmentCodeHash(code));
    const now = new Date(this.ctx.clock.now()).toISOString();
    if (e && e.usedAt === null && e.expiresAt > now && e.customerId !== server.customerId) {
      refuseEnrollment('OTHER_CUSTOMER', `server ${server.id} is registered to another customer; the code is not used`);
    }
  }

  private async process(
    tx: Store,
    server: ServerRecord,
    claims: ReportClaims,
    hash: string,
  ): Promise<{ sync: string; serverId: string; syncCounter: number }> {
    const nowMs = this.ctx.clock.now();
    const now = new Date(nowMs).toISOString();
    await tx.serverSync.ensure(server.id);
    const seen = await tx.usage.reportHash(server.id, claims.sequence);
    const inserted =
      seen === undefined &&
      (await tx.usage.insertReport({
        serverId: server.id,
        sequence: claims.sequence,
        hash,
        at: now,
        hours: claims.usage.length,
      }));
    const stored = inserted ? hash : (seen ?? (await tx.usage.reportHash(server.id, claims.sequence)));
    if (stored !== hash) {
      throw new TesseraError(
        'REPORT_REPLAYED',
        `server ${server.id} already sent a different report ${claims.sequence}; flagged as a possible clone (two machines with one server key?)`,
      );
    }
    const state = await tx.serverSync.get(server.id);
    const previous = state?.lastFactors ? (JSON.parse(state.lastFactors) as ServerRecord['factors']) : server.factors;
    const fp = matchFingerprint(
      { serverId: server.id, factors: previous },
      { serverId: server.id, factors: claims.factors },
    );
    if (!fp.ok) await this.flag(tx, server, 'FINGERPRINT_CHANGED', { sequence: claims.sequence, message: fp.message });

    // A server whose clock runs ahead could report hours that have not happened; acknowledging
    // them would make it drop real hours later. Such a report is refused (nothing changes).
    const openHour = hourMark(nowMs + SYNC_POLICY.clockToleranceMs);
    const future = claims.usage.find((u) => u.hour >= openHour);
    if (future) {
      throw new TesseraError(
        'BAD_REQUEST',
        `the report holds usage of hour ${future.hour}, which has not ended by the Cloud's clock (${now}); check the server's clock`,
        { reason: 'REPORT_FROM_THE_FUTURE' },
      );
    }
    await tx.usage.upsert(
      { serverId: server.id, customerId: server.customerId, sequence: claims.sequence },
      claims.usage,
    );
    const { syncCounter } = await tx.serverSync.nextCounter(server.id, {
      sequence: claims.sequence,
      at: now,
      factors: JSON.stringify(claims.factors),
    });
    const acknowledgedThrough = await tx.usage.newestHour(server.id);
    const licenses = await this.licensesOf(tx, server, now);
    const validUntil = new Date(nowMs + this.settings.graceSeconds * 1000).toISOString();
    const sync = await signSync(
      {
        serverId: server.id,
        syncCounter,
        reportSequence: claims.sequence,
        acknowledgedThrough,
        licenses,
        issuedAt: now,
        validUntil,
        nextSyncSeconds: this.settings.intervalSeconds,
      },
      this.signer.privateKey,
    );
    await tx.serverSync.record(server.id, { at: now, validUntil, acknowledgedThrough, file: sync });
    await this.ctx.audit.write(tx, {
      actor: SYSTEM_ACTOR,
      action: 'server.sync',
      customerId: server.customerId,
      target: server.id,
      outcome: 'ok',
      detail: { sequence: claims.sequence, syncCounter, hours: claims.usage.length, acknowledgedThrough },
    });
    return { sync, serverId: server.id, syncCounter };
  }

  /** The server's allocations as flexible licenses; a changed one gets its next revision. */
  private async licensesOf(tx: Store, server: ServerRecord, now: string): Promise<FlexibleLicense[]> {
    const allocations = await tx.allocations.ofServer(server.id);
    if (allocations.length === 0) return [];
    const customer = await tx.customers.get(server.customerId);
    const out: FlexibleLicense[] = [];
    for (const a of allocations) {
      if (a.count === 0) {
        // Gone from this Sync; a later allocation with the same content is a new revision.
        if (a.issued !== null) await tx.allocations.upsert({ ...a, issued: null, updatedAt: now });
        continue;
      }
      const e = await tx.entitlements.get(a.entitlementId);
      if (!e) continue;
      const features: LicenseFeature[] = [
        { name: a.feature, count: a.count, expires: e.expires, maintenanceUntil: e.maintenanceUntil },
      ];
      const issued = JSON.stringify(features);
      let revision = a.revision;
      if (issued !== a.issued) {
        revision += 1;
        await tx.allocations.upsert({ ...a, revision, issued, updatedAt: now });
      }
      out.push({ licenseId: a.licenseId, revision, customer: customer?.name ?? server.customerId, features });
    }
    return out;
  }

  private async flag(store: Store, server: ServerRecord, kind: FlagKind, detail: unknown): Promise<void> {
    const nowMs = this.ctx.clock.now();
    await store.serverFlags.insert({
      id: cloudId('flag', nowMs),
      serverId: server.id,
      customerId: server.customerId,
      kind,
      at: new Date(nowMs).toISOString(),
      detail,
    });
    await this.ctx.audit.write(store, {
      actor: SYSTEM_ACTOR,
      action: 'server.flag',
      customerId: server.customerId,
      target: server.id,
      outcome: 'ok',
      detail: { kind, ...((detail ?? {}) as object) },
    });
  }

  /** A server's Report/Sync state and clone flags, for the portal. */
  async status(actor: Actor, serverId: string): Promise<SyncStatusView> {
    const server = await this.servers.require(actor, serverId);
    const s = await this.ctx.store.serverSync.get(server.id);
    const flags = await this.ctx.store.serverFlags.ofServer(server.id);
    return {
      serverId: server.id,
      customerId: server.customerId,
      syncCounter: s?.syncCounter ?? 0,
      lastSequence: s?.lastSequence ?? 0,
      lastReportAt: s?.lastReportAt ?? null,
      lastSyncAt: s?.lastSyncAt ?? null,
      validUntil: s?.validUntil ?? null,
      acknowledgedThrough: s?.acknowledgedThrough ?? null,
      lastSync: s?.lastSync ?? null,
      flags: flags.map((f) => ({ id: f.id, kind: f.kind, at: f.at, detail: f.detail })),
    };
  }

  /**
   * Usage for charts: per server and feature, by hour or by day (peak = the highest hourly
   * peak, the rest summed), over the last `days` days; totals per feature over the period.
   */
  async usage(
    actor: Actor,
    q: {
      customerId?: string | undefined;
      serverId?: string | undefined;
      days?: number | undefined;
      bucket?: 'hour' | 'day' | undefined;
    },
  ): Promise<UsageView> {
    let customerId = customerScope(actor, q.customerId);
    if (q.serverId !== undefined) {
      const server = await this.servers.require(actor, q.serverId);
      assertVisible(actor, server.customerId, `server ${q.serverId}`);
      if (customerId !== undefined && customerId !== server.customerId) {
        throw new TesseraError('NOT_FOUND', `no server ${q.serverId} of customer ${customerId}`);
      }
      customerId = server.customerId;
    }
    const days = q.days ?? 30;
    if (!Number.isSafeInteger(days) || days < 1 || days > SYNC_POLICY.maxUsageDays) {
      throw new TesseraError(
        'BAD_REQUEST',
        `days must be an integer from 1 to ${SYNC_POLICY.maxUsageDays}, got ${days}`,
      );
    }
    const bucket = q.bucket ?? 'day';
    const from = hourMark(this.ctx.clock.now() - days * 86_400_000);
    const rows = await this.ctx.store.usage.list({ customerId, serverId: q.serverId, from });
    const series = new Map<string, UsageView['series'][number]>();
    const totals = new Map<string, UsageView['totals'][number]>();
    for (const r of rows) {
      const sk = `${r.serverId}\u0000${r.feature}`;
      let s = series.get(sk);
      if (!s) {
        s = { serverId: r.serverId, feature: r.feature, points: [] };
        series.set(sk, s);
      }
      const t = bucket === 'hour' ? r.hour : r.hour.slice(0, 10);
      let p = s.points[s.points.length - 1];
      if (!p || p.t !== t) {
        p = { t, peakSeats: 0, seatSeconds: 0, checkouts: 0, denials: 0 };
        s.points.push(p);
      }
      p.peakSeats = Math.max(p.peakSeats, r.peakSeats);
      p.seatSeconds += r.seatSeconds;
      p.checkouts += r.checkouts;
      p.denials += r.denials;
      let tot = totals.get(r.feature);
      if (!tot) {
        tot = { feature: r.feature, peakSeats: 0, seatSeconds: 0, checkouts: 0, denials: 0 };
        totals.set(r.feature, tot);
      }
      tot.peakSeats = Math.max(tot.peakSeats, r.peakSeats);
      tot.seatSeconds += r.seatSeconds;
      tot.checkouts += r.checkouts;
      tot.denials += r.denials;
    }
    return {
      customerId: customerId ?? null,
      serverId: q.serverId ?? null,
      bucket,
      from,
      series: [...series.values()],
      totals: [...totals.values()].sort((a, b) => (a.feature < b.feature ? -1 : 1)),
    };
  }
}
