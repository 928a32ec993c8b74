import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newId } from './ids.js';

test('ids carry their prefix, sort by time, and never repeat across pool refills', () => {
  const seen = new Set<string>();
  let last = '';
  for (let i = 0; i < 2000; i++) {
    const id = newId('lease', 1_700_000_000_000 + i);
    assert.match(id, /^lease_[0-9a-z]{36}$/);
    assert.ok(id > last, 'a later id sorts after an earlier one');
    last = id;
    seen.add(id.slice(-26));
  }
  assert.equal(seen.size, 2000, 'the random parts are all different');
});

test('the random part of an id is 128 bits wide: its characters vary across the whole alphabet', () => {
  const chars = new Set<string>();
  for (let i = 0; i < 300; i++) for (const c of newId('lease', 0).slice(-25)) chars.add(c);
  assert.equal(chars.size, 32);
});
