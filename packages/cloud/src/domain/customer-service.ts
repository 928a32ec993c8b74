/**
 * The feature catalog (what the vendor sells) and customers (who buys it).
 */
import { TesseraError } from '@tessera/core';
import { type Actor, assertVisible, customerScope, requireVendor } from './actor.js';
import { audited, type DomainContext, nowIso } from './context.js';
import { cloudId } from './ids.js';
import { INPUT_RULES } from './policy.js';
import { type CustomerView, customerView, type FeatureView, featureView } from './views.js';

export class CatalogService {
  constructor(private readonly ctx: DomainContext) {}

  /** Every signed-in user may read the catalog: it is the vendor's price list, not a secret. */
  async list(): Promise<FeatureView[]> {
    return (await this.ctx.store.features.list()).map(featureView);
  }

  async add(actor: Actor, input: { name: string; description?: string | undefined }): Promise<FeatureView> {
    return audited(this.ctx, actor, 'feature.add', { target: input.name }, async () => {
      requireVendor(actor, 'change the feature catalog');
      if (typeof input.name !== 'string' || !INPUT_RULES.featureName.test(input.name)) {
        throw new TesseraError(
          'BAD_REQUEST',
          `a feature name is 1–64 characters of A-Z a-z 0-9 . _ -, got "${input.name}"`,
        );
      }
      const description = (input.description ?? '').trim();
      if (description.length > INPUT_RULES.featureDescriptionMax) {
        throw new TesseraError(
          'BAD_REQUEST',
          `a description is at most ${INPUT_RULES.featureDescriptionMax} characters`,
        );
      }
      const record = { name: input.name, description, createdAt: nowIso(this.ctx.clock) };
      await this.ctx.store.transaction(async (tx) => {
        if (!(await tx.features.insert(record))) {
          throw new TesseraError('CONFLICT', `feature ${input.name} is in the catalog already`);
        }
        await this.ctx.audit.write(tx, { actor, action: 'feature.add', target: input.name, outcome: 'ok' });
      });
      return featureView(record);
    });
  }
}

export class CustomerService {
  constructor(private readonly ctx: DomainContext) {}

  async list(actor: Actor): Promise<CustomerView[]> {
    const rows = await this.ctx.store.customers.list(customerScope(actor));
    return rows.map((c) => customerView(c, this.ctx.pools.of(c.id)));
  }

  async get(actor: Actor, id: string): Promise<CustomerView> {
    assertVisible(actor, id, `customer ${id}`);
    const c = await this.ctx.store.customers.get(id);
    if (!c) throw new TesseraError('NOT_FOUND', `no customer ${id}`);
    return customerView(c, this.ctx.pools.of(c.id));
  }

  async add(actor: Actor, input: { name: string }): Promise<CustomerView> {
    return audited(this.ctx, actor, 'customer.add', { target: input.name }, async () => {
      requireVendor(actor, 'add customers');
      const name = typeof input.name === 'string' ? input.name.trim() : '';
      const { min, max } = INPUT_RULES.customerName;
      if (name.length < min || name.length > max) {
        throw new TesseraError('BAD_REQUEST', `a customer name is ${min}–${max} characters`);
      }
      // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
      if (/[\u0000-\u001f\u007f]/.test(name)) {
        throw new TesseraError('BAD_REQUEST', 'a customer name must not hold control characters');
      }
      const record = { id: cloudId('cus', this.ctx.clock.now()), name, createdAt: nowIso(this.ctx.clock) };
      await this.ctx.store.transaction(async (tx) => {
        await tx.customers.insert(record);
        await this.ctx.audit.write(tx, {
          actor,
          action: 'customer.add',
          customerId: record.id,
          target: record.id,
          outcome: 'ok',
          detail: { name },
        });
      });
      return customerView(record, this.ctx.pools.of(record.id));
    });
  }

  /** Throws NOT_FOUND unless the customer exists and the actor may see it. */
  async require(actor: Actor, id: string | undefined): Promise<string> {
    const scoped = customerScope(actor, id);
    if (scoped === undefined) throw new TesseraError('BAD_REQUEST', 'a customerId is required');
    if (!(await this.ctx.store.customers.get(scoped))) throw new TesseraError('NOT_FOUND', `no customer ${scoped}`);
    return scoped;
  }
}
