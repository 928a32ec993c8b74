/**
 * Subscription accounts (docs/protocol.md): an id (`acct_...`, the HTTP Basic user name) and a
 * generated 256-bit secret, shown once and stored as SHA-256, with a ready
 * `client_property.conf` naming the Cloud's licensing nodes. Client applications present
 * them to any node; each node keeps verified accounts in memory for a few seconds, and
 * keeps using them while the database is unreachable so held seats can still heartbeat.
 */
import { hashSecret, newSecret, secretsEqual, TesseraError } from '@tessera/core';
import type { AccountRecord } from '../store/rows.js';
import { type Actor, assertVisible, customerScope } from './actor.js';
import { audited, type DomainContext, nowIso } from './context.js';
import type { CustomerService } from './customer-service.js';
import { cloudId } from './ids.js';
import { INPUT_RULES, SEAT_POLICY } from './policy.js';
import { type AccountView, accountView, type NewAccountView } from './views.js';

/** Who a licensing-node request comes from, once its account is verified. */
export interface AccountContext {
  accountId: string;
  customerId: string;
  poolId: string;
}

export type AccountCheck = { ok: true; account: AccountContext } | { ok: false; unavailable: boolean };

interface CachedAccount {
  record: AccountRecord;
  readAt: number;
}

export class AccountService {
  private readonly cache = new Map<string, CachedAccount>();

  constructor(
    private readonly ctx: DomainContext,
    private readonly customers: CustomerService,
    /** The licensing nodes' URLs, for generated client configurations. */
    private readonly nodeUrls: () => Promise<string[]>,
    private readonly isUnavailable: (err: unknown) => boolean,
  ) {}

  /** Makes an account for a customer; the response holds the secret and configuration, once. */
  async add(
    actor: Actor,
    input: { customerId?: string | undefined; label?: string | undefined },
  ): Promise<NewAccountView> {
    return audited(this.ctx, actor, 'account.add', { customerId: input.customerId }, async () => {
      const customerId = await this.customers.require(actor, input.customerId);
      const label = (input.label ?? '').trim();
      if (label.length > INPUT_RULES.accountLabelMax) {
        throw new TesseraError('BAD_REQUEST', `a label is at most ${INPUT_RULES.accountLabelMax} characters`);
      }
      const secret = newSecret(32);
      const record: AccountRecord = {
        id: cloudId('acct', this.ctx.clock.now()),
        customerId,
        secretHash: hashSecret(secret),
        label,
        createdAt: nowIso(this.ctx.clock),
        disabledAt: null,
      };
      await this.ctx.store.transaction(async (tx) => {
        await tx.accounts.insert(record);
        await this.ctx.audit.write(tx, { actor, action: 'account.add', customerId, target: record.id, outcome: 'ok' });
      });
      const customer = await this.ctx.store.customers.get(customerId);
      const clientConfig = clientPropertiesFor({
        servers: await this.nodeUrls(),
        username: record.id,
        password: secret,
        customerName: customer?.name ?? customerId,
      });
      return { ...accountView(record, this.ctx.pools.of(customerId)), password: secret, clientConfig };
    });
  }

  async list(actor: Actor, customerId?: string): Promise<AccountView[]> {
    const rows = await this.ctx.store.accounts.list(customerScope(actor, customerId));
    return rows.map((a) => accountView(a, this.ctx.pools.of(a.customerId)));
  }

  /** Disables an account: its credentials stop working within the node cache time. */
  async disable(actor: Actor, id: string): Promise<AccountView> {
    return audited(this.ctx, actor, 'account.disable', { target: id }, async () => {
      const a = await this.ctx.store.accounts.get(id);
      if (!a) throw new TesseraError('NOT_FOUND', `no account ${id}`);
      assertVisible(actor, a.customerId, `account ${id}`);
      const at = nowIso(this.ctx.clock);
      await this.ctx.store.transaction(async (tx) => {
        await tx.accounts.disable(id, at);
        await this.ctx.audit.write(tx, {
          actor,
          action: 'account.disable',
          customerId: a.customerId,
          target: id,
          outcome: 'ok',
        });
      });
      this.cache.delete(id);
      return accountView({ ...a, disabledAt: a.disabledAt ?? at }, this.ctx.pools.of(a.customerId));
    });
  }

  /**
   * Verifies HTTP Basic credentials of a licensing-node request. `unavailable` when the
   * account is not in memory and the database cannot be asked.
   */
  async authenticate(username: string, password: string): Promise<AccountCheck> {
    const now = this.ctx.clock.monotonic();
    let cached = this.cache.get(username);
    if (!cached || now - cached.readAt > SEAT_POLICY.accountCacheMs) {
      try {
        const record = await this.ctx.store.accounts.get(username);
        if (record) {
          cached = { record, readAt: now };
          this.cache.set(username, cached);
        } else {
          this.cache.delete(username);
          cached = undefined;
        }
      } catch (err) {
        // With the database away, an account verified before still works: held seats must
        // keep their heartbeats. An account never seen cannot be checked.
        if (!this.isUnavailable(err)) throw err;
        if (!cached) return { ok: false, unavailable: true };
      }
    }
    const hash = hashSecret(password);
    if (!cached || cached.record.disabledAt !== null || !secretsEqual(hash, cached.record.secretHash)) {
      return { ok: false, unavailable: false };
    }
    const a = cached.record;
    return {
      ok: true,
      account: { accountId: a.id, customerId: a.customerId, poolId: this.ctx.pools.of(a.customerId) },
    };
  }
}

/**
 * The text of a `client_property.conf` (docs/sdk/README.md) for a subscription account: the nodes in
 * failover order under `[GLOBAL]`, the credentials under `[AUTHENTICATION]`.
 */
export function clientPropertiesFor(o: {
  servers: readonly string[];
  username: string;
  password: string;
  customerName: string;
  cacheSeconds?: number;
}): string {
  const name = o.customerName.replace(/[\r\n]+/g, ' ');
  return [
    `# client_property.conf for ${name}: Tessera subscription licensing`,
    '# LICENSE_SERVERS lists the licensing nodes in failover order; they share one seat pool.',
    '# Keep this file private: AUTHENTICATION_PASSWORD is the account secret.',
    '[GLOBAL]',
    `LICENSE_SERVERS = ${o.servers.join(';')}`,
    `LICENSE_CACHE_PERIOD = ${o.cacheSeconds ?? 30}`,
    '',
    '[AUTHENTICATION]',
    `AUTHENTICATION_USERNAME = ${o.username}`,
    `AUTHENTICATION_PASSWORD = ${o.password}`,
    '',
  ].join('\n');
}
