import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { newSecret } from '@tessera/core';
import { SESSION_ID_PATTERN, SESSION_POLICY, sessionEndsAt, sessionExpired } from './session-policy.js';

describe('session policy', () => {
  const signIn = Date.UTC(2026, 0, 1);
  const { idleMs, maxAgeMs } = SESSION_POLICY;

  test('a session ends when idle too long, or too old however busy', () => {
    const fresh = { createdAt: signIn, lastSeen: signIn };
    assert.equal(sessionExpired(fresh, signIn + idleMs), false);
    assert.equal(sessionExpired(fresh, signIn + idleMs + 1), true);
    const busy = { createdAt: signIn, lastSeen: signIn + maxAgeMs - 1 };
    assert.equal(sessionExpired(busy, signIn + maxAgeMs), false);
    assert.equal(sessionExpired(busy, signIn + maxAgeMs + 1), true);
  });

  test('it ends at the earlier of its idle timeout and its maximum age', () => {
    assert.equal(sessionEndsAt({ createdAt: signIn, lastSeen: signIn }), signIn + idleMs);
    assert.equal(sessionEndsAt({ createdAt: signIn, lastSeen: signIn + maxAgeMs - 60_000 }), signIn + maxAgeMs);
  });

  test('a session id is a secret of the policy size, and nothing else matches', () => {
    assert.match(newSecret(SESSION_POLICY.secretBytes), SESSION_ID_PATTERN);
    assert.doesNotMatch(newSecret(16), SESSION_ID_PATTERN);
    assert.doesNotMatch(`${newSecret(SESSION_POLICY.secretBytes)}=`, SESSION_ID_PATTERN);
  });
});
