/** The Sessions page's query rules (src/seats.ts): sorting, filters back to page 1, the addresses asked. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  exportUrl,
  FIRST_QUERY,
  pageCount,
  releasedText,
  SORT_KEYS,
  seatsUrl,
  sortBy,
  withFilter,
} from '../src/seats.js';

describe('the Sessions query', () => {
  test('the first page asked is the one public/early.js starts before the bundle runs', () => {
    const early = readFileSync(new URL('../public/early.js', import.meta.url), 'utf8');
    assert.ok(early.includes(`'${seatsUrl(FIRST_QUERY)}'`), seatsUrl(FIRST_QUERY));
  });

  test('a heading sorts ascending (Since newest first), and a second click flips it; either goes to page 1', () => {
    const onPage3 = { ...FIRST_QUERY, page: 3 };
    assert.deepEqual(sortBy(onPage3, 'user'), { ...FIRST_QUERY, sort: 'user', dir: 'asc', page: 1 });
    assert.equal(sortBy(sortBy(FIRST_QUERY, 'user'), 'user').dir, 'desc');
    assert.equal(sortBy(FIRST_QUERY, 'since').dir, 'asc', 'Since is sorted newest first already: flips');
    assert.equal(sortBy({ ...FIRST_QUERY, sort: 'host' }, 'since').dir, 'desc');
  });

  test('a filter or page size goes back to page 1; filters are trimmed and empty ones left out', () => {
    const q = withFilter({ ...FIRST_QUERY, page: 7 }, { user: ' alice ', host: '', search: 'ws, 1' });
    assert.equal(q.page, 1);
    assert.equal(seatsUrl(q), '/api/v1/seats?user=alice&q=ws%2C+1&sort=since&dir=desc&page=1&limit=50');
    assert.equal(exportUrl(q), '/api/v1/seats/export?user=alice&q=ws%2C+1');
    assert.equal(exportUrl(FIRST_QUERY), '/api/v1/seats/export');
    assert.equal(withFilter(q, { limit: 200 }).limit, 200);
  });

  test('pages: an empty list is page 1 of 1; a partial last page counts', () => {
    assert.equal(pageCount(0, 50), 1);
    assert.equal(pageCount(50, 50), 1);
    assert.equal(pageCount(51, 50), 2);
    assert.equal(pageCount(100_000, 50), 2000);
  });

  test('a release says how many, and how many had already ended', () => {
    assert.equal(
      releasedText({ released: 1, notFound: [] }),
      'Released 1 seat; its application hears so at the next heartbeat.',
    );
    assert.equal(
      releasedText({ released: 1200, notFound: ['a', 'b'] }),
      'Released 1,200 seats; their applications hear so at the next heartbeat. 2 leases had already ended.',
    );
  });

  test('the sort keys are the server’s', async () => {
    const { LEASE_SORT_COLUMNS } = await import('../../server/src/store/lease-listing.js');
    assert.deepEqual([...SORT_KEYS].sort(), Object.keys(LEASE_SORT_COLUMNS).sort());
  });
});
