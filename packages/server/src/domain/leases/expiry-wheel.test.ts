import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExpiryWheel } from './expiry-wheel.js';

test('an entry is due once its deadline passes, and not before', () => {
  const w = new ExpiryWheel<{ deadline: number; id: string }>(0, 250);
  w.add({ deadline: 1_100, id: 'a' });
  const due: string[] = [];
  w.advance(
    1_000,
    () => true,
    (e) => due.push(e.id),
  );
  assert.equal(due.length, 0);
  w.advance(
    1_250,
    () => true,
    (e) => due.push(e.id),
  );
  assert.deepEqual(due, ['a']);
});

test('a heartbeat that moved the deadline keeps the entry until the new deadline', () => {
  const w = new ExpiryWheel<{ deadline: number; id: string }>(0, 250);
  const e = { deadline: 1_000, id: 'a' };
  w.add(e);
  e.deadline = 5_000;
  const due: string[] = [];
  w.advance(
    1_000,
    () => true,
    (x) => due.push(x.id),
  );
  w.advance(
    4_999,
    () => true,
    (x) => due.push(x.id),
  );
  assert.equal(due.length, 0);
  w.advance(
    5_000,
    () => true,
    (x) => due.push(x.id),
  );
  assert.deepEqual(due, ['a']);
});

test('removed entries are dropped, and an entry is freed within one slot of its deadline', () => {
  const w = new ExpiryWheel<{ deadline: number; id: string }>(0, 250);
  const live = new Set(['b']);
  w.add({ deadline: 700, id: 'a' });
  w.add({ deadline: 701, id: 'b' });
  const due: string[] = [];
  w.advance(
    750,
    (e) => live.has(e.id),
    (x) => due.push(x.id),
  );
  assert.deepEqual(due, ['b']);
});
