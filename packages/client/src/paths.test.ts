import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PROTOCOL_PATHS } from '@tessera/core';
import { PATHS } from './paths.js';

test('SDK paths are the protocol paths of @tessera/core', () => {
  assert.equal(PATHS.leases, PROTOCOL_PATHS.leases);
  assert.equal(PATHS.features, PROTOCOL_PATHS.features);
  assert.equal(PATHS.lease('a/b c'), PROTOCOL_PATHS.lease('a/b c'));
  assert.equal(PATHS.heartbeat('a/b c'), PROTOCOL_PATHS.heartbeat('a/b c'));
});
