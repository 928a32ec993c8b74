import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LoginThrottle } from './login-throttle.js';

const policy = { blockAfterFailures: 3, firstCooldownMs: 1000, maxCooldownMs: 4000, windowMs: 60_000 };

test('a few wrong passwords are free; then each failure blocks for longer, up to the cap', () => {
  let now = 0;
  const t = new LoginThrottle(() => now, policy);
  for (let i = 0; i < 2; i++) t.failed('admin');
  assert.equal(t.retryAfterMs('admin'), 0);
  t.failed('admin');
  assert.equal(t.retryAfterMs('admin'), 1000);
  now += 1000;
  t.failed('admin');
  assert.equal(t.retryAfterMs('admin'), 2000);
  now += 2000;
  t.failed('admin');
  t.failed('admin');
  assert.equal(t.retryAfterMs('admin'), 4000, 'capped');
  assert.equal(t.retryAfterMs('other'), 0, 'other names are not affected');
});

test('a success, or a quiet hour, clears the record', () => {
  let now = 0;
  const t = new LoginThrottle(() => now, policy);
  for (let i = 0; i < 3; i++) t.failed('a');
  assert.ok(t.retryAfterMs('a') > 0);
  t.succeeded('a');
  assert.equal(t.retryAfterMs('a'), 0);
  for (let i = 0; i < 3; i++) t.failed('b');
  now += 61_000;
  assert.equal(t.retryAfterMs('b'), 0);
});
