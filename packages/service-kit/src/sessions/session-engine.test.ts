import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hashSecret, LOGIN_THROTTLE_POLICY, ManualClock, type TesseraError } from '@tessera/core';
import { SESSION_ID_PATTERN, SESSION_POLICY } from '../session-policy.js';
import { MemoryProduct, type TestActor } from '../test-support/memory-sessions.js';
import { PasswordGate } from './password-gate.js';
import { SessionEngine, type SessionEngineOptions } from './session-engine.js';

const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'a new and long enough password';
const { idleMs, maxAgeMs, touchEveryMs, pruneEveryMs } = SESSION_POLICY;

/** The error a full disk gives in this test product: housekeeping may meet it and go on. */
class DiskFull extends Error {}

async function setUp(o: Partial<SessionEngineOptions> = {}) {
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 9));
  const product = new MemoryProduct();
  const userId = await product.addUser('ada', PASSWORD, { mustChange: true, role: 'admin' });
  const journal = product.journal();
  const now = () => clock.now();
  const gate = new PasswordGate<TestActor>(product, journal, {
    now,
    throttle: { user: LOGIN_THROTTLE_POLICY, address: null },
  });
  const engine = new SessionEngine<TestActor>(gate, product, product, journal, { now, ...o });
  return { clock, product, userId, gate, engine };
}

describe('session engine', () => {
  test('sign-in gives a 256-bit id stored only as its hash, and a CSRF token', async () => {
    const { engine, product, userId } = await setUp();
    const { sessionId, session } = await engine.signIn('ada', PASSWORD);
    assert.match(sessionId, SESSION_ID_PATTERN);
    assert.deepEqual([...product.sessions.keys()], [hashSecret(sessionId)]);
    assert.ok(!JSON.stringify([...product.sessions.values()]).includes(sessionId), 'the id itself is not stored');
    assert.equal(session.idHash, hashSecret(sessionId));
    assert.equal(session.subject, userId);
    assert.deepEqual(session.actor, { id: 'user:ada', role: 'admin' });
    assert.equal(session.mustChange, true);
    assert.match(session.csrfToken, SESSION_ID_PATTERN);
    assert.notEqual(session.csrfToken, sessionId);
    assert.equal(session.expiresAt, new Date(Date.UTC(2026, 5, 1, 9) + idleMs).toISOString());
    assert.deepEqual(product.events, ['sign-in ada']);
    assert.deepEqual(await engine.authenticate(sessionId), session);
  });

  test('a wrong password or an unknown name is refused alike, journaled, and opens no session', async () => {
    const { engine, product } = await setUp();
    for (const [name, password] of [
      ['ada', 'wrong password!'],
      ['nobody', PASSWORD],
    ] as const) {
      await assert.rejects(
        engine.signIn(name, password),
        (e: TesseraError) => e.code === 'UNAUTHORIZED' && e.message === 'wrong user name or password',
      );
    }
    assert.equal(product.sessions.size, 0);
    assert.deepEqual(
      product.refusals.map((r) => [r.action, r.username, r.code, r.actor]),
      [
        ['session.sign-in', 'ada', 'UNAUTHORIZED', undefined],
        ['session.sign-in', 'nobody', 'UNAUTHORIZED', undefined],
      ],
    );
  });

  test('a disabled account is refused with reason USER_DISABLED, and its open sessions end', async () => {
    const { engine, product, userId } = await setUp();
    const { sessionId } = await engine.signIn('ada', PASSWORD);
    product.users.get(userId)!.disabled = true;
    await assert.rejects(
      engine.signIn('ada', PASSWORD),
      (e: TesseraError) => e.code === 'UNAUTHORIZED' && e.reason === 'USER_DISABLED',
    );
    assert.equal(await engine.isLive(hashSecret(sessionId)), false);
    assert.equal(await engine.authenticate(sessionId), undefined);
    assert.equal(product.sessions.size, 0, 'the session is deleted');
  });

  test('sign-in while the name cools down is refused with RATE_LIMITED, and journaled as such', async () => {
    const { engine, product } = await setUp();
    for (let i = 0; i < LOGIN_THROTTLE_POLICY.blockAfterFailures; i++) {
      await assert.rejects(engine.signIn('ada', 'wrong password!'));
    }
    await assert.rejects(engine.signIn('ada', PASSWORD), (e: TesseraError) => e.code === 'RATE_LIMITED');
    assert.equal(product.refusals.at(-1)?.code, 'RATE_LIMITED');
    assert.equal(product.sessions.size, 0);
  });

  test('an idle session ends after the idle timeout; requests keep it alive, written at most once a minute', async () => {
    const { engine, product, clock } = await setUp();
    const { sessionId } = await engine.signIn('ada', PASSWORD);
    const row = () => product.sessions.get(hashSecret(sessionId))!;
    const signedInAt = clock.now();
    clock.advance(touchEveryMs - 1);
    await engine.authenticate(sessionId);
    assert.equal(row().lastSeen, signedInAt, 'not written within the minute');
    clock.advance(1);
    const s = await engine.authenticate(sessionId);
    assert.equal(row().lastSeen, clock.now());
    assert.equal(s?.expiresAt, new Date(clock.now() + idleMs).toISOString());
    clock.advance(idleMs);
    assert.ok(await engine.authenticate(sessionId), 'alive at exactly the idle timeout');
    clock.advance(idleMs + 1);
    assert.equal(await engine.isLive(hashSecret(sessionId)), false);
    assert.equal(await engine.authenticate(sessionId), undefined);
    assert.equal(product.sessions.size, 0, 'the expired session is deleted');
  });

  test('a busy session ends at its maximum age', async () => {
    const { engine, clock } = await setUp();
    const { sessionId } = await engine.signIn('ada', PASSWORD);
    const end = clock.now() + maxAgeMs;
    while (clock.now() + idleMs / 2 < end) {
      clock.advance(idleMs / 2);
      assert.ok(await engine.authenticate(sessionId));
    }
    const last = await engine.authenticate(sessionId);
    assert.equal(last?.expiresAt, new Date(end).toISOString(), 'the maximum age comes first now');
    clock.advance(end - clock.now() + 1);
    assert.equal(await engine.authenticate(sessionId), undefined);
  });

  test('anything but a well-formed live id names no session', async () => {
    const { engine } = await setUp();
    const { sessionId } = await engine.signIn('ada', PASSWORD);
    for (const bad of ['', 'x', `${sessionId}=`, sessionId.slice(1), 'A'.repeat(43)]) {
      assert.equal(await engine.authenticate(bad), undefined, bad);
    }
  });

  test('the account is read at every request: the forced change, once done, is gone at once', async () => {
    const { engine, gate } = await setUp();
    const { sessionId, session } = await engine.signIn('ada', PASSWORD);
    assert.equal(session.mustChange, true);
    await gate.change('ada', PASSWORD, NEW_PASSWORD);
    assert.equal((await engine.authenticate(sessionId))?.mustChange, false);
  });

  test('after a password change, the other sessions of the account end and this one stays', async () => {
    const { engine, gate, product } = await setUp();
    const other = await engine.signIn('ada', PASSWORD);
    const here = await engine.signIn('ada', PASSWORD);
    const bob = await product.addUser('bob', PASSWORD);
    const bobs = await engine.signIn('bob', PASSWORD);
    await gate.change('ada', PASSWORD, NEW_PASSWORD);
    assert.equal(await engine.endOtherSessions(here.session), 1);
    assert.equal(await engine.authenticate(other.sessionId), undefined);
    assert.ok(await engine.authenticate(here.sessionId));
    assert.equal((await engine.authenticate(bobs.sessionId))?.subject, bob, "another account's session stays");
  });

  test('sign-out ends the session through the journal', async () => {
    const { engine, product } = await setUp();
    const { sessionId, session } = await engine.signIn('ada', PASSWORD);
    await engine.signOut(session);
    assert.equal(await engine.authenticate(sessionId), undefined);
    assert.deepEqual(product.events, ['sign-in ada', 'sign-out ada']);
  });

  test('the CSRF token is checked exactly', async () => {
    const { engine } = await setUp();
    const { session } = await engine.signIn('ada', PASSWORD);
    assert.equal(engine.csrfMatches(session, session.csrfToken), true);
    for (const bad of [undefined, '', `${session.csrfToken}x`, session.csrfToken.slice(1)]) {
      assert.equal(engine.csrfMatches(session, bad), false, String(bad));
    }
  });

  test('expired sessions are swept at sign-in at most every ten minutes, once for concurrent sign-ins', async () => {
    const { engine, product, clock } = await setUp();
    const stale = await engine.signIn('ada', PASSWORD);
    assert.equal(product.prunes, 1);
    clock.advance(idleMs + 1);
    await Promise.all([engine.signIn('ada', PASSWORD), engine.signIn('ada', PASSWORD)]);
    assert.equal(product.prunes, 2);
    assert.equal(product.sessions.has(stale.session.idHash), false, 'the stale session was swept');
    clock.advance(pruneEveryMs - 1);
    await engine.signIn('ada', PASSWORD);
    assert.equal(product.prunes, 2);
  });

  test('housekeeping writes the product lets fail are skipped; the request goes on and they are tried again', async () => {
    const { engine, product, clock } = await setUp({ housekeepingMayFail: (e) => e instanceof DiskFull });
    const signedInAt = clock.now();
    const { sessionId, session } = await engine.signIn('ada', PASSWORD);
    clock.advance(pruneEveryMs);
    product.failNextWrite = new DiskFull();
    await engine.signIn('ada', PASSWORD);
    assert.equal(product.prunes, 1, 'the sweep failed');
    await engine.signIn('ada', PASSWORD);
    assert.equal(product.prunes, 2, 'and is tried at the next sign-in');
    product.failNextWrite = new DiskFull();
    const touched = await engine.authenticate(sessionId);
    assert.equal(touched?.expiresAt, session.expiresAt, 'the idle timer was not moved');
    assert.equal(product.sessions.get(session.idHash)?.lastSeen, signedInAt);
    assert.notEqual((await engine.authenticate(sessionId))?.expiresAt, session.expiresAt, 'moved at the next request');
  });

  test('without that leave, a failing housekeeping write fails the request', async () => {
    const { engine, product, clock } = await setUp();
    const { sessionId } = await engine.signIn('ada', PASSWORD);
    clock.advance(touchEveryMs);
    product.failNextWrite = new Error('the database is away');
    await assert.rejects(engine.authenticate(sessionId), /the database is away/);
    clock.advance(pruneEveryMs);
    product.failNextWrite = new Error('the database is away');
    await assert.rejects(engine.signIn('ada', PASSWORD), /the database is away/);
  });
});
