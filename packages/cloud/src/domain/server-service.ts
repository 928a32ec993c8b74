/**
 * License Servers registered from their Server ID file (`info.bts`). The file is verified in
 * full before anything is stored; a server id belongs to one customer for good.
 */
import { MAX_DOCUMENT_BYTES, TesseraError, verifyServerId } from '@tessera/core';
import type { ServerRecord } from '../store/rows.js';
import { type Actor, assertVisible, customerScope } from './actor.js';
import { audited, type DomainContext, nowIso } from './context.js';
import type { CustomerService } from './customer-service.js';
import { type ServerView, serverView } from './views.js';

export class ServerService {
  constructor(
    private readonly ctx: DomainContext,
    private readonly customers: CustomerService,
  ) {}

  /**
   * Registers the server of a Server ID file for a customer (a customer's user registers for
   * its own customer). Registering the same server again for the same customer keeps it and
   * takes a newer file's factors for future deployments; for another customer it is refused.
   *
   * @throws TesseraError DOC_* for a file that does not verify, CONFLICT for a server of
   *   another customer, NOT_FOUND for an unknown customer.
   */
  async register(
    actor: Actor,
    input: { customerId?: string | undefined; file: string },
  ): Promise<ServerView & { created: boolean }> {
    return audited(this.ctx, actor, 'server.register', { customerId: input.customerId }, async () => {
      if (typeof input.file !== 'string' || Buffer.byteLength(input.file) > MAX_DOCUMENT_BYTES) {
        throw new TesseraError(
          'DOC_MALFORMED',
          `the Server ID file must be text of at most ${MAX_DOCUMENT_BYTES} bytes`,
        );
      }
      const customerId = await this.customers.require(actor, input.customerId);
      const { claims } = await verifyServerId(input.file);
      const now = nowIso(this.ctx.clock);
      const record: ServerRecord = {
        id: claims.serverId,
        customerId,
        hostName: claims.hostName,
        productVersion: claims.productVersion,
        publicKeyJwk: claims.publicKeyJwk,
        factors: claims.factors,
        document: input.file,
        registeredAt: now,
        updatedAt: now,
      };
      return this.ctx.store.transaction(async (tx) => {
        const created = await tx.servers.insert(record);
        let stored = record;
        if (!created) {
          const existing = (await tx.servers.get(record.id)) as ServerRecord;
          if (existing.customerId !== customerId) {
            throw new TesseraError('CONFLICT', `server ${record.id} is registered to another customer`);
          }
          const previous = await verifyServerId(existing.document);
          if (claims.createdAt > previous.claims.createdAt) {
            await tx.servers.updateDocument(record.id, { ...record, updatedAt: now });
            stored = { ...existing, ...record, registeredAt: existing.registeredAt };
          } else {
            stored = existing;
          }
        }
        await this.ctx.audit.write(tx, {
          actor,
          action: 'server.register',
          customerId,
          target: record.id,
          outcome: 'ok',
          detail: { created, hostName: claims.hostName },
        });
        return { ...serverView(stored), created };
      });
    });
  }

  async list(actor: Actor, customerId?: string): Promise<ServerView[]> {
    return (await this.ctx.store.servers.list(customerScope(actor, customerId))).map(serverView);
  }

  async get(actor: Actor, id: string): Promise<ServerView> {
    return serverView(await this.require(actor, id));
  }

  /** The server record, if the actor may see it. */
  async require(actor: Actor, id: string): Promise<ServerRecord> {
    const s = await this.ctx.store.servers.get(id);
    if (!s) throw new TesseraError('NOT_FOUND', `no server ${id}`);
    assertVisible(actor, s.customerId, `server ${id}`);
    return s;
  }
}
