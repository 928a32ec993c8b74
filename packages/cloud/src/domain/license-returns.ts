/**
 * Licenses coming back: an uninstall certificate, signed by the License Server that removed
 * the license, gives the license's seats back to the customer's entitlements, once.
 */
import {
  decodeDocumentUnverified,
  hashSecret,
  MAX_DOCUMENT_BYTES,
  publicKeyFromJwk,
  TesseraError,
  verifyUninstall,
} from '@tessera/core';
import type { EntitlementRecord, ReturnedSeat, ReturnRecord } from '../store/rows.js';
import type { Store } from '../store/store.js';
import { type Actor, assertVisible } from './actor.js';
import { audited, type DomainContext, nowIso } from './context.js';
import { cloudId } from './ids.js';
import { RETURN_POLICY } from './policy.js';
import { type ReturnView, returnView } from './views.js';

/**
 * Takes an uninstall certificate back: verified with the key of the registered server it
 * names, for a license of the caller's customer bound to that server, of its current or an
 * older revision. The seats go back to the customer's entitlements, once: a certificate for
 * a license already returned is refused.
 *
 * @throws TesseraError DOC_* (malformed, forged, foreign), NOT_FOUND (not a license of the
 *   caller's customer), WRONG_SERVER, CONFLICT reason ALREADY_RETURNED or RETURN_LIMIT.
 */
export async function returnLicense(ctx: DomainContext, actor: Actor, certificate: string): Promise<ReturnView> {
  return audited(ctx, actor, 'deployment.return', {}, async () => {
    if (typeof certificate !== 'string' || Buffer.byteLength(certificate) > MAX_DOCUMENT_BYTES) {
      throw new TesseraError('DOC_MALFORMED', `the certificate must be text of at most ${MAX_DOCUMENT_BYTES} bytes`);
    }
    // The certificate names the server that signed it; only that registered server's key,
    // as this Cloud knows it from its Server ID file, may verify it.
    const claimedServer = (decodeDocumentUnverified(certificate).payload as { serverId?: unknown } | null)?.serverId;
    if (typeof claimedServer !== 'string') {
      throw new TesseraError('DOC_INVALID', 'the certificate names no serverId');
    }
    const server = await ctx.store.servers.get(claimedServer);
    if (!server) {
      throw new TesseraError(
        'DOC_UNKNOWN_KEY',
        `the certificate is from server ${claimedServer}, which is not registered with this Cloud`,
      );
    }
    const { claims, jws } = await verifyUninstall(certificate, publicKeyFromJwk(server.publicKeyJwk));
    const d = await ctx.store.deployments.get(claims.licenseId);
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
    const now = nowIso(ctx.clock);
    const record = await ctx.store.transaction(async (tx) => {
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
      if (actor.role === 'customer') await checkReturnLimit(tx, ctx.clock.now(), entIds);
      const ents = new Map<string, EntitlementRecord>((await tx.entitlements.lockByIds(entIds)).map((e) => [e.id, e]));
      const seats: ReturnedSeat[] = [];
      for (const l of lines) {
        const e = ents.get(l.entitlementId)!;
        e.used = Math.max(0, e.used - l.count);
        seats.push({ feature: l.feature, count: l.count, entitlementId: l.entitlementId });
      }
      await tx.entitlements.setUsed([...ents.values()].map((e) => ({ id: e.id, used: e.used })));
      const ret: ReturnRecord = {
        id: cloudId('ret', ctx.clock.now()),
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
      await ctx.audit.write(tx, {
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

/** Refuses a customer's return when one of its entitlements came back too often lately (RETURN_POLICY). */
async function checkReturnLimit(tx: Store, nowMs: number, entitlementIds: string[]): Promise<void> {
  const since = new Date(nowMs - RETURN_POLICY.windowDays * 86_400_000).toISOString();
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
