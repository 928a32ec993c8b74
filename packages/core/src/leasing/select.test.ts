import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { leasesToRevoke, type SeatSource, selectSeatSource } from './select.js';

const now = Date.UTC(2026, 5, 15, 12);
const ctx = { nowMs: now, clockTampered: false };
const src = (o: Partial<SeatSource> & { licenseId: string }): SeatSource => ({
  count: 5,
  inUse: 0,
  expires: null,
  maintenanceUntil: null,
  ...o,
});

describe('selectSeatSource', () => {
  test('a feature no license has is UNKNOWN_FEATURE', () => {
    const r = selectSeatSource([], { count: 1, releaseDate: '2026-01-01' }, ctx);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.code, 'UNKNOWN_FEATURE');
  });

  test('the best fit is the earliest maintenance date that covers the client, then the earliest expiry', () => {
    const sources = [
      src({ licenseId: 'a', maintenanceUntil: null }),
      src({ licenseId: 'b', maintenanceUntil: '2027-01-01', expires: '2028-01-01' }),
      src({ licenseId: 'c', maintenanceUntil: '2027-01-01', expires: '2027-06-01' }),
      src({ licenseId: 'd', maintenanceUntil: '2025-01-01' }),
    ];
    const r = selectSeatSource(sources, { count: 1, releaseDate: '2026-03-01' }, ctx);
    assert.equal(r.ok && r.source.licenseId, 'c');
  });

  test('a lease draws all its seats from one license', () => {
    const sources = [src({ licenseId: 'a', count: 3, inUse: 2 }), src({ licenseId: 'b', count: 3, inUse: 1 })];
    const r = selectSeatSource(sources, { count: 2, releaseDate: '2026-01-01' }, ctx);
    assert.equal(r.ok && r.source.licenseId, 'b');
    const r2 = selectSeatSource(sources, { count: 3, releaseDate: '2026-01-01' }, ctx);
    assert.equal(!r2.ok && r2.code, 'NO_SEATS');
  });

  test('NO_SEATS wins over maintenance and expiry when some license could serve the client', () => {
    const sources = [
      src({ licenseId: 'a', count: 1, inUse: 1 }),
      src({ licenseId: 'b', maintenanceUntil: '2020-01-01' }),
      src({ licenseId: 'c', expires: '2020-01-01' }),
    ];
    const r = selectSeatSource(sources, { count: 1, releaseDate: '2026-01-01' }, ctx);
    assert.equal(!r.ok && r.code, 'NO_SEATS');
  });

  test('a release after every maintenance date is MAINTENANCE_EXPIRED', () => {
    const sources = [src({ licenseId: 'a', maintenanceUntil: '2026-01-01' })];
    assert.equal(selectSeatSource(sources, { count: 1, releaseDate: '2026-01-01' }, ctx).ok, true);
    const r = selectSeatSource(sources, { count: 1, releaseDate: '2026-01-02' }, ctx);
    assert.equal(!r.ok && r.code, 'MAINTENANCE_EXPIRED');
  });

  test('an expired license gives no seats; its last day is still valid', () => {
    const lastDay = src({ licenseId: 'a', expires: '2026-06-15' });
    assert.equal(selectSeatSource([lastDay], { count: 1, releaseDate: '2026-01-01' }, ctx).ok, true);
    const past = src({ licenseId: 'a', expires: '2026-06-14' });
    const r = selectSeatSource([past], { count: 1, releaseDate: '2026-01-01' }, ctx);
    assert.equal(!r.ok && r.code, 'LICENSE_EXPIRED');
  });

  test('a tampered clock refuses time-limited seats but not perpetual ones', () => {
    const tampered = { nowMs: now, clockTampered: true };
    const limited = src({ licenseId: 'a', expires: '2030-01-01' });
    const r = selectSeatSource([limited], { count: 1, releaseDate: '2026-01-01' }, tampered);
    assert.equal(!r.ok && r.code, 'CLOCK_TAMPERED');
    const forever = src({ licenseId: 'b' });
    const r2 = selectSeatSource([limited, forever], { count: 1, releaseDate: '2026-01-01' }, tampered);
    assert.equal(r2.ok && r2.source.licenseId, 'b');
  });
});

describe('leasesToRevoke', () => {
  test('the newest leases go first, only as many as needed', () => {
    const held = [
      { leaseId: 'l1', count: 1, order: 1 },
      { leaseId: 'l2', count: 2, order: 2 },
      { leaseId: 'l3', count: 1, order: 3 },
    ];
    assert.deepEqual(leasesToRevoke(held, 4), []);
    assert.deepEqual(leasesToRevoke(held, 3), ['l3']);
    assert.deepEqual(leasesToRevoke(held, 2), ['l3', 'l2']);
    assert.deepEqual(leasesToRevoke(held, 0), ['l3', 'l2', 'l1']);
  });
});
