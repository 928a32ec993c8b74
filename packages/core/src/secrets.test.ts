import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashPassword, hashSecret, newSecret, passwordProblem, secretsEqual, verifyPassword } from './secrets.js';

test('a password verifies against its own hash only, and a malformed hash never verifies', async () => {
  const hash = await hashPassword('correct horse battery');
  assert.match(hash, /^scrypt\$32768\$8\$1\$/);
  assert.equal(await verifyPassword('correct horse battery', hash), true);
  assert.equal(await verifyPassword('correct horse batterz', hash), false);
  assert.equal(await verifyPassword('x', 'not-a-hash'), false);
  assert.equal(await verifyPassword('x', 'scrypt$1$1$1$$'), false);
});

test('machine secrets are 256-bit and stored as SHA-256', () => {
  const s = newSecret();
  assert.equal(Buffer.from(s, 'base64url').length, 32);
  assert.equal(hashSecret(s), hashSecret(s));
  assert.notEqual(hashSecret(s), hashSecret(newSecret()));
  assert.equal(secretsEqual(hashSecret(s), hashSecret(s)), true);
  assert.equal(secretsEqual('a', 'ab'), false);
});

test('short passwords are refused with the rule', () => {
  assert.match(passwordProblem('short') ?? '', /at least 12/);
  assert.equal(passwordProblem('long enough password'), undefined);
  assert.match(passwordProblem(42) ?? '', /string/);
});
