import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, test } from 'node:test';
import { signSync } from '@tessera/core';
import pino from 'pino';
import { LOCAL_CLI_ACTOR } from '../domain/audit.js';
import { adminToken, type Env, makeEnv, start, stopEnvs, syncClaims } from '../test-support/flexible.js';
import type { RunningServer } from './server.js';

afterEach(stopEnvs);

/** A logger whose lines the test reads. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'warn' }, sink), lines };
}

async function api(s: RunningServer, env: Env, method: 'GET' | 'PUT', url: string, payload?: object) {
  const r = await s.admin.inject({
    method,
    url,
    headers: { authorization: `Bearer ${adminToken(env)}` },
    ...(payload && { payload }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers are checked field by field below
  return r.json() as Record<string, any>;
}

const confOf = (env: Env) => readFileSync(join(env.dataDir, 'server.conf'), 'utf8');

describe('the mode and Cloud across restarts', () => {
  test('enrolling saves the flags the enrollment was given in server.conf, audited; a restart without them keeps them', async () => {
    const env = makeEnv();
    let s = await start(env, { mode: 'als', enrollCode: 'ENROLL-9', portalUrl: 'https://portal.example' });
    assert.doesNotMatch(confOf(env), /^mode = /m, 'flags alone write nothing');
    await s.core.flexible.createReport(LOCAL_CLI_ACTOR);
    const sync = await signSync(syncClaims(s, env.clock), env.vendor.privateKey);
    await s.core.flexible.applySync(LOCAL_CLI_ACTOR, sync, 'file');
    const conf = confOf(env);
    assert.match(conf, /^mode = als$/m);
    assert.match(conf, /^portal_url = https:\/\/portal\.example$/m);
    assert.doesNotMatch(conf, /^enrollment_code/m, 'the code is spent: it is not kept');
    const audit = await api(s, env, 'GET', '/api/v1/audit?limit=20');
    const saved = audit.entries.filter((e: { action: string; actor: string }) => e.action === 'settings.set');
    assert.deepEqual(
      saved
        .map((e: { actor: string; target: string; detail: { new: string } }) => [e.actor, e.target, e.detail.new])
        .sort(),
      [
        ['system:enrollment', 'mode', 'als'],
        ['system:enrollment', 'portal_url', 'https://portal.example'],
      ],
    );
    await s.stop();

    s = await start(env, { mode: undefined });
    assert.equal(s.core.settings.settings.mode, 'als');
    assert.equal(s.core.settings.settings.portalUrl, 'https://portal.example');
    const info = await api(s, env, 'GET', '/api/v1/server');
    assert.deepEqual([info.mode, info.modeChangedFrom], ['als', null]);
  });

  test('a Sync applied after enrollment saves nothing more', async () => {
    const env = makeEnv();
    let s = await start(env, { mode: 'als' });
    await s.core.flexible.createReport(LOCAL_CLI_ACTOR);
    await s.core.flexible.applySync(
      LOCAL_CLI_ACTOR,
      await signSync(syncClaims(s, env.clock), env.vendor.privateKey),
      'file',
    );
    assert.doesNotMatch(confOf(env), /^mode = /m, 'no enrollment code was pending: flags stay flags');
    await s.stop();
    s = await start(env, { mode: undefined });
    assert.equal(s.core.settings.settings.mode, 'perpetual');
  });

  test('a start in another mode than the last run says so in its log and on GET /api/v1/server, until the mode is switched', async () => {
    const env = makeEnv();
    let s = await start(env, { mode: 'als' });
    assert.equal((await api(s, env, 'GET', '/api/v1/server')).modeChangedFrom, null, 'a first start changes nothing');
    await s.stop();

    const { logger, lines } = capturingLogger();
    s = await start(env, { mode: undefined, logger });
    const info = await api(s, env, 'GET', '/api/v1/server');
    assert.deepEqual([info.mode, info.modeChangedFrom, info.modeSource], ['perpetual', 'als', 'default']);
    const warning = lines.find((l) => l.from === 'als');
    assert.ok(warning, JSON.stringify(lines));
    assert.equal(warning.to, 'perpetual');
    assert.match(
      String(warning.msg),
      /it was als, it is perpetual now \(the default: neither --mode nor .*server\.conf sets it\); `tessera config set mode als` goes back/,
    );

    // Switched back at once: the notice is moot, and the next start compares with als.
    await api(s, env, 'PUT', '/api/v1/settings', { values: { mode: 'als' } });
    assert.equal((await api(s, env, 'GET', '/api/v1/server')).modeChangedFrom, null);
    await s.stop();
    s = await start(env, { mode: undefined });
    assert.equal((await api(s, env, 'GET', '/api/v1/server')).modeChangedFrom, null, 'als, as it ran last');
    await s.stop();

    s = await start(env, { mode: 'perpetual' });
    const flagged = await api(s, env, 'GET', '/api/v1/server');
    assert.deepEqual([flagged.modeChangedFrom, flagged.modeSource], ['als', 'flag --mode']);
  });
});
