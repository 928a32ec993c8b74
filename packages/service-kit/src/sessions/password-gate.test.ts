import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ADDRESS_THROTTLE_POLICY,
  LOGIN_THROTTLE_POLICY,
  ManualClock,
  TesseraError,
  verifyPassword,
} from '@tessera/core';
import { MemoryProduct, type TestActor } from '../test-support/memory-sessions.js';
import { PasswordGate, type PasswordGateOptions } from './password-gate.js';

const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a new and long enough password';

async function setUp(o: Partial<PasswordGateOptions> = {}) {
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 9));
  const product = new MemoryProduct();
  const userId = await product.addUser('ada', PASSWORD, { mustChange: true });
  const gate = new PasswordGate<TestActor>(product, product.journal(), {
    now: () => clock.now(),
    throttle: { user: LOGIN_THROTTLE_POLICY, address: null },
    ...o,
  });
  return { clock, product, userId, gate };
}

function rateLimited(err: unknown): number {
  assert.ok(err instanceof TesseraError && err.code === 'RATE_LIMITED', String(err));
  return (err.details as { retryAfterSeconds: number }).retryAfterSeconds;
}

describe('password gate', () => {
  test('the right password gives the account with its actor and must-change flag; a wrong one or an unknown name does not', async () => {
    const { gate } = await setUp();
    const ok = await gate.check('ada', PASSWORD);
    assert.ok(ok.ok);
    assert.deepEqual(ok.account.actor, { id: 'user:ada', role: 'reader' });
    assert.equal(ok.account.mustChange, true);
    assert.deepEqual(await gate.check('ada', 'wrong password!'), { ok: false });
    assert.deepEqual(await gate.check('nobody', PASSWORD), { ok: false });
  });

  test('a disabled account is told apart only after its right password', async () => {
    const { gate, product, userId } = await setUp();
    product.users.get(userId)!.disabled = true;
    assert.deepEqual(await gate.check('ada', PASSWORD), { ok: false, disabled: true });
    assert.deepEqual(await gate.check('ada', 'wrong password!'), { ok: false });
  });

  test('after 5 wrong passwords a name cools down, the wait doubling with each further failure', async () => {
    const { gate, clock } = await setUp();
    for (let i = 0; i < LOGIN_THROTTLE_POLICY.blockAfterFailures; i++) await gate.check('ada', 'wrong password!');
    // While cooling down, even the right password is refused.
    const first = await gate.check('ada', PASSWORD).then(() => assert.fail('not throttled'), rateLimited);
    assert.equal(first, LOGIN_THROTTLE_POLICY.firstCooldownMs / 1000);
    clock.advance(LOGIN_THROTTLE_POLICY.firstCooldownMs);
    await gate.check('ada', 'wrong password!');
    const second = await gate.check('ada', PASSWORD).then(() => assert.fail('not throttled'), rateLimited);
    assert.equal(second, (2 * LOGIN_THROTTLE_POLICY.firstCooldownMs) / 1000);
    clock.advance(2 * LOGIN_THROTTLE_POLICY.firstCooldownMs);
    assert.equal((await gate.check('ada', PASSWORD)).ok, true, 'the right password once the wait is over');
    // A success forgets the name's failures: one wrong password does not block again.
    await gate.check('ada', 'wrong password!');
    assert.equal((await gate.check('ada', PASSWORD)).ok, true);
  });

  test('with an address policy, one address trying many names cools down, and a success does not reset it', async () => {
    const { gate } = await setUp({ throttle: { user: LOGIN_THROTTLE_POLICY, address: ADDRESS_THROTTLE_POLICY } });
    const address = '203.0.113.7';
    for (let i = 0; i < ADDRESS_THROTTLE_POLICY.blockAfterFailures - 1; i++) {
      await gate.check(`guess${i}`, 'wrong password!', address);
    }
    assert.equal((await gate.check('ada', PASSWORD, address)).ok, true);
    await gate.check('guess-last', 'wrong password!', address);
    await gate.check('ada', PASSWORD, address).then(() => assert.fail('not throttled'), rateLimited);
    assert.equal((await gate.check('ada', PASSWORD, '198.51.100.1')).ok, true, 'another address may');
    assert.equal((await gate.check('ada', PASSWORD)).ok, true, 'no address: names only');
  });

  test('names are compared as the product folds them, and throttled under the same key', async () => {
    const { gate } = await setUp({ normalizeName: (n) => n.toLowerCase() });
    assert.equal((await gate.check('ADA', PASSWORD)).ok, true);
    for (let i = 0; i < LOGIN_THROTTLE_POLICY.blockAfterFailures; i++) await gate.check(i % 2 ? 'Ada' : 'aDA', 'x');
    await gate.check('ada', PASSWORD).then(() => assert.fail('not throttled'), rateLimited);
  });

  test('a password change needs the current password; refusals are journaled and change nothing', async () => {
    const { gate, product, userId } = await setUp();
    const before = product.users.get(userId)!.passwordHash;
    const refused = async (current: string, next: string, code: string) => {
      await assert.rejects(gate.change('ada', current, next), (e: TesseraError) => e.code === code);
      assert.equal(product.users.get(userId)!.passwordHash, before);
    };
    await refused('wrong password!', NEW_PASSWORD, 'UNAUTHORIZED');
    await refused(PASSWORD, PASSWORD, 'BAD_REQUEST');
    await refused(PASSWORD, 'short', 'BAD_REQUEST');
    assert.deepEqual(
      product.refusals.map((r) => [r.action, r.code, r.actor?.id]),
      [
        ['user.password.change', 'UNAUTHORIZED', undefined],
        ['user.password.change', 'BAD_REQUEST', 'user:ada'],
        ['user.password.change', 'BAD_REQUEST', 'user:ada'],
      ],
    );
    assert.match(product.refusals[1]!.message, /must differ/);
    assert.deepEqual(product.events, []);
  });

  test('a change stores only a hash of the new password and clears the forced change', async () => {
    const { gate, product, userId } = await setUp();
    const account = await gate.change('ada', PASSWORD, NEW_PASSWORD);
    assert.equal(account.username, 'ada');
    const user = product.users.get(userId)!;
    assert.equal(user.mustChange, false);
    assert.ok(!user.passwordHash.includes(NEW_PASSWORD));
    assert.equal(await verifyPassword(NEW_PASSWORD, user.passwordHash), true);
    assert.equal((await gate.check('ada', PASSWORD)).ok, false, 'the old password no longer works');
    assert.equal((await gate.check('ada', NEW_PASSWORD)).ok, true);
    assert.deepEqual(product.events, ['password ada']);
  });

  test('a change while the name cools down is refused with RATE_LIMITED, not journaled', async () => {
    const { gate, product } = await setUp();
    for (let i = 0; i < LOGIN_THROTTLE_POLICY.blockAfterFailures; i++) await gate.check('ada', 'wrong password!');
    await gate.change('ada', PASSWORD, NEW_PASSWORD).then(() => assert.fail('not throttled'), rateLimited);
    assert.deepEqual(product.refusals, []);
    assert.deepEqual(product.events, []);
  });
});
