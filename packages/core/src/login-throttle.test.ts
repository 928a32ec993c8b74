import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTesseraError } from './errors.js';
import { LoginThrottle, SignInThrottle } from './login-throttle.js';

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

test('sign-ins are throttled by name and by address; a success clears the name, never the address', () => {
  let now = 0;
  const t = new SignInThrottle(() => now, {
    user: policy,
    address: { blockAfterFailures: 5, firstCooldownMs: 2000, maxCooldownMs: 8000, windowMs: 60_000 },
  });
  const refusal = (user: string, address?: string) => {
    try {
      t.check(user, address);
      return undefined;
    } catch (err) {
      assert.ok(isTesseraError(err));
      return { code: err.code, wait: err.details?.retryAfterSeconds };
    }
  };
  for (let i = 0; i < 4; i++) t.failed(`name-${i}`, '10.0.0.1');
  assert.equal(refusal('name-9', '10.0.0.1'), undefined, 'four failures from one address: still free');
  t.failed('name-4', '10.0.0.1');
  assert.deepEqual(refusal('name-9', '10.0.0.1'), { code: 'RATE_LIMITED', wait: 2 });
  assert.equal(refusal('name-9', '10.0.0.2'), undefined, 'other addresses are not affected');
  t.succeeded('name-4');
  assert.deepEqual(
    refusal('name-4', '10.0.0.1'),
    { code: 'RATE_LIMITED', wait: 2 },
    'a success keeps the address count',
  );
  for (let i = 0; i < 3; i++) t.failed('admin', '10.0.0.3');
  assert.deepEqual(refusal('admin'), { code: 'RATE_LIMITED', wait: 1 }, 'the name is blocked from any address');
  now += 2000;
  assert.equal(refusal('name-9', '10.0.0.1'), undefined);
});
