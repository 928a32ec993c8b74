/** Rows the store's own tests start from: one customer (`cus_a`) with one feature (`asr`). */
import type { EntitlementRecord } from '../store/rows.js';
import type { Store } from '../store/store.js';

export async function seedCustomerAndFeature(store: Store): Promise<void> {
  await store.customers.insert({ id: 'cus_a', name: 'A', createdAt: '2026-01-01T00:00:00.000Z' });
  await store.features.insert({ name: 'asr', description: '', createdAt: '2026-01-01T00:00:00.000Z' });
}

/** An entitlement of `cus_a` to `count` seats of `asr`, none taken. */
export function entitlementRow(
  id: string,
  count: number,
  type: 'perpetual' | 'subscription' = 'subscription',
): EntitlementRecord {
  return {
    id,
    customerId: 'cus_a',
    type,
    feature: 'asr',
    count,
    used: 0,
    maintenanceUntil: null,
    expires: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
}
