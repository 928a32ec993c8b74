import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import type { LicenseServerOptions } from '../../runtime/options.js';
import { type RunningServer, startLicenseServer } from '../../runtime/server.js';
import { licenseFor, makeVendor, type Vendor } from '../../test-support/fixtures.js';

/** A server on `dir`, started as a test would, with `flags` as its command line would give them. */
/** Start flags; one set to undefined is a flag not given (its value then comes from server.conf). */
type Flags = { [K in keyof LicenseServerOptions]?: LicenseServerOptions[K] | undefined };

async function start(dir: string, flags: Flags = {}): Promise<RunningServer> {
  // A logger of its own: these tests change the level at run time (log_level), and the shared
  // silent one would then print every later test's log lines.
  const logger = pino({ level: 'silent' });
  const all: Flags = { clientListen: '127.0.0.1:0', adminListen: '127.0.0.1:0', logger, ...flags };
  const given = Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined));
  return startLicenseServer({
    ...(given as Partial<LicenseServerOptions>),
    dataDir: join(dir, 'data'),
    vendorKeyFiles: [join(dir, 'vendor.pub')],
  });
}

function tokenOf(dir: string): string {
  return readFileSync(join(dir, 'data', 'admin.token'), 'utf8').trim();
}

/** An answer's JSON, read by path in assertions. */
// biome-ignore lint/suspicious/noExplicitAny: JSON answers are checked field by field below
type Json = Record<string, any>;

async function api(s: RunningServer, dir: string, method: 'GET' | 'PUT' | 'POST', url: string, payload?: unknown) {
  const r = await s.admin.inject({
    method,
    url,
    headers: { authorization: `Bearer ${tokenOf(dir)}` },
    ...(payload !== undefined && { payload: payload as object }),
  });
  return { status: r.statusCode, body: r.json() as Json };
}

function setting(body: Json, key: string) {
  return (body.settings as { key: string }[]).find((s) => s.key === key) as Record<string, unknown>;
}

function confOf(dir: string): string {
  return readFileSync(join(dir, 'data', 'server.conf'), 'utf8');
}

describe('settings through the admin API', () => {
  let dir: string;
  let server: RunningServer;
  let vendor: Vendor;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-settings-'));
    vendor = makeVendor(dir);
    server = await start(dir);
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the first start writes a commented server.conf; every key shows its default as the source', async () => {
    assert.match(confOf(dir), /^# mode = perpetual$/m);
    const r = await api(server, dir, 'GET', '/api/v1/settings');
    assert.equal(r.status, 200);
    assert.equal(r.body.file, join(dir, 'data', 'server.conf'));
    assert.deepEqual(setting(r.body, 'mode'), {
      ...setting(r.body, 'mode'),
      value: 'perpetual',
      source: 'default',
      saved: null,
      pinnedBy: null,
    });
  });

  test('a saved setting is in the file, in force at once, audited with old and new, and survives a restart', async () => {
    const r = await api(server, dir, 'PUT', '/api/v1/settings', {
      values: { lease_seconds: '45', heartbeat_seconds: '15' },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(
      r.body.changes.map((c: { key: string; old: unknown; new: unknown; apply: string }) => [
        c.key,
        c.old,
        c.new,
        c.apply,
      ]),
      [
        ['lease_seconds', null, '45', 'live'],
        ['heartbeat_seconds', null, '15', 'live'],
      ],
    );
    assert.match(confOf(dir), /^lease_seconds = 45$/m);
    assert.match(confOf(dir), /^# mode = perpetual$/m, 'the comments of the file are kept');
    assert.equal(server.core.engine.leaseSeconds, 45);
    const audit = await api(server, dir, 'GET', '/api/v1/audit?limit=5');
    const entry = audit.body.entries.find((e: { target: string }) => e.target === 'lease_seconds');
    assert.deepEqual(
      {
        action: entry.action,
        actor: entry.actor,
        outcome: entry.outcome,
        old: entry.detail.old,
        new: entry.detail.new,
      },
      { action: 'settings.set', actor: 'token:cli', outcome: 'ok', old: null, new: '45' },
    );

    await server.stop();
    server = await start(dir);
    const after = await api(server, dir, 'GET', '/api/v1/settings');
    assert.deepEqual(
      [setting(after.body, 'lease_seconds').value, setting(after.body, 'lease_seconds').source],
      ['45', 'file'],
    );
    assert.equal(server.core.engine.heartbeatSeconds, 15);
  });

  test('an invalid value is refused by name and nothing changes, not even the valid values sent with it', async () => {
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ sync_time: '25:00', portal_url: 'https://vendor.example' }, 'sync_time', /hour must be 0-23, got 25/],
      [{ lease_seconds: '-5' }, 'lease_seconds', /whole number of seconds, got "-5"/],
      [{ mode: 'lease' }, 'mode', /mode must be one of perpetual, flexible, als, pls/],
      [{ client_listen: 'no-port-here' }, 'client_listen', /HOST:PORT/],
      [{ mode: 'flexible' }, 'cloud_nodes', /mode flexible talks to the Cloud/],
      [{ heartbeat_seconds: '45' }, 'heartbeat_seconds', /less than lease_seconds \(45\)/],
      [{ cloud_ca_file: join(dir, 'no-such-ca.pem') }, 'cloud_ca_file', /cannot read .*ENOENT/],
    ];
    for (const [values, key, message] of cases) {
      const before = confOf(dir);
      const r = await api(server, dir, 'PUT', '/api/v1/settings', { values });
      assert.equal(r.status, 400, JSON.stringify(values));
      assert.equal(r.body.error.code, 'SETTINGS_INVALID');
      assert.match(r.body.error.details.errors[key], message);
      assert.equal(confOf(dir), before, `the file is unchanged after ${JSON.stringify(values)}`);
    }
    const s = await api(server, dir, 'GET', '/api/v1/settings');
    assert.equal(setting(s.body, 'portal_url').value, null);
    assert.equal(setting(s.body, 'mode').value, 'perpetual');
    const audit = await api(server, dir, 'GET', '/api/v1/audit?limit=1');
    assert.equal(audit.body.entries[0].outcome, 'refused:SETTINGS_INVALID');
    const unknown = await api(server, dir, 'PUT', '/api/v1/settings', { values: { lease_time: '5' } });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error.message, /unknown setting "lease_time"/);
  });

  test('two changes at once both land: neither writes over the other', async () => {
    const [a, b] = await Promise.all([
      api(server, dir, 'PUT', '/api/v1/settings', { values: { mode: 'flexible', cloud_nodes: 'http://127.0.0.1:1' } }),
      api(server, dir, 'PUT', '/api/v1/settings', { values: { sync_time: '04:15' } }),
    ]);
    assert.deepEqual([a.status, b.status], [200, 200]);
    assert.match(confOf(dir), /^cloud_nodes = http:\/\/127\.0\.0\.1:1$/m);
    assert.match(confOf(dir), /^sync_time = 04:15$/m);
    const listed = await api(server, dir, 'GET', '/api/v1/settings');
    assert.deepEqual(
      [setting(listed.body, 'sync_time').value, setting(listed.body, 'cloud_nodes').value],
      ['04:15', 'http://127.0.0.1:1'],
      'both are in force, not only in the file',
    );
    const back = await api(server, dir, 'PUT', '/api/v1/settings', {
      values: { mode: null, cloud_nodes: null, sync_time: null },
    });
    assert.equal(back.status, 200);
    assert.equal(server.core.flexible.currentMode, 'perpetual');
  });

  test("a value edited by hand while the server runs comes into force with the next change, audited as the file's", async () => {
    writeFileSync(join(dir, 'data', 'server.conf'), `${confOf(dir)}portal_url = https://by-hand.example\n`);
    const r = await api(server, dir, 'PUT', '/api/v1/settings', { values: { log_level: 'error' } });
    assert.equal(r.status, 200);
    assert.equal((await api(server, dir, 'GET', '/api/v1/server')).body.portalUrl, 'https://by-hand.example');
    const audit = await api(server, dir, 'GET', '/api/v1/audit?limit=5');
    const entry = audit.body.entries.find((e: { target: string }) => e.target === 'portal_url');
    assert.deepEqual(
      [entry?.actor, entry?.detail.new, entry?.detail.note],
      ['file:server.conf', 'https://by-hand.example', 'edited by hand in server.conf; read with a change by token:cli'],
    );
    assert.equal((await api(server, dir, 'PUT', '/api/v1/settings', { values: { portal_url: null } })).status, 200);
  });

  test('check says what saving would say, and saves nothing', async () => {
    const before = confOf(dir);
    const r = await api(server, dir, 'POST', '/api/v1/settings/check', { values: { sync_time: '24:61' } });
    assert.equal(r.status, 200);
    assert.match(r.body.errors.sync_time, /hour must be 0-23/);
    assert.equal(confOf(dir), before);
  });

  test('an unreachable Cloud is a warning with the reason; the mode switch applies at once', async () => {
    const r = await api(server, dir, 'PUT', '/api/v1/settings', {
      values: { mode: 'flexible', cloud_nodes: 'http://127.0.0.1:1' },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.match(r.body.warnings.cloud_nodes, /no Cloud node answers \(http:\/\/127\.0\.0\.1:1: ECONNREFUSED\)/);
    assert.equal(server.core.flexible.currentMode, 'flexible');
    const info = await api(server, dir, 'GET', '/api/v1/server');
    assert.equal(info.body.mode, 'flexible');
    const back = await api(server, dir, 'PUT', '/api/v1/settings', { values: { mode: 'perpetual' } });
    assert.equal(back.status, 200);
    assert.match(back.body.warnings.cloud_nodes, /not used in mode perpetual/);
    assert.equal(server.core.flexible.currentMode, 'perpetual');
  });

  test('a restart-only value is saved and shown as waiting for the restart', async () => {
    const r = await api(server, dir, 'PUT', '/api/v1/settings', { values: { client_listen: '127.0.0.1:0' } });
    assert.equal(r.status, 200);
    // The test server was started with 127.0.0.1:0 as a flag: the flag keeps it.
    assert.equal(r.body.changes[0].pinnedBy, '--client-listen');
    assert.deepEqual(r.body.restartNeeded, []);
    const s = await api(server, dir, 'GET', '/api/v1/settings');
    assert.deepEqual(
      [setting(s.body, 'client_listen').source, setting(s.body, 'client_listen').pinnedBy],
      ['flag', '--client-listen'],
    );
    const log = await api(server, dir, 'PUT', '/api/v1/settings', { values: { log_level: 'warn' } });
    assert.deepEqual(log.body.restartNeeded, []);
    const perms = await api(server, dir, 'PUT', '/api/v1/settings', {
      values: { portal_url: 'https://vendor.example/portal' },
    });
    assert.equal(perms.body.changes[0].apply, 'live');
    assert.equal((await api(server, dir, 'GET', '/api/v1/server')).body.portalUrl, 'https://vendor.example/portal');
  });

  test('a restart-only value from the file is saved, waits for the restart, and is in force after it', async () => {
    await server.stop();
    // The client listener from the file this time (saved while a flag pinned it), not from a flag.
    assert.match(confOf(dir), /^client_listen = 127\.0\.0\.1:0$/m);
    server = await start(dir, { clientListen: undefined });
    const port = await freePort();
    const r = await api(server, dir, 'PUT', '/api/v1/settings', { values: { client_listen: `127.0.0.1:${port}` } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.restartNeeded, ['client_listen']);
    const listed = setting(r.body, 'client_listen');
    assert.deepEqual([listed.value, listed.saved, listed.restartPending], ['127.0.0.1:0', `127.0.0.1:${port}`, true]);
    assert.notEqual(new URL(server.clientUrl).port, String(port), 'the running listener stays where it is');
    await server.stop();
    server = await start(dir, { clientListen: undefined });
    assert.equal(new URL(server.clientUrl).port, String(port));
    assert.equal(
      setting((await api(server, dir, 'GET', '/api/v1/settings')).body, 'client_listen').restartPending,
      false,
    );
  });

  test('a flag overrides the file, and the listing says which flag', async () => {
    await server.stop();
    server = await start(dir, { leaseSeconds: 60, heartbeatSeconds: 20 });
    const s = await api(server, dir, 'GET', '/api/v1/settings');
    assert.deepEqual(
      {
        value: setting(s.body, 'lease_seconds').value,
        saved: setting(s.body, 'lease_seconds').saved,
        source: setting(s.body, 'lease_seconds').source,
        pinnedBy: setting(s.body, 'lease_seconds').pinnedBy,
      },
      { value: '60', saved: '45', source: 'flag', pinnedBy: '--lease-seconds' },
    );
    const r = await api(server, dir, 'PUT', '/api/v1/settings', { values: { lease_seconds: '90' } });
    assert.equal(r.body.changes[0].pinnedBy, '--lease-seconds');
    assert.equal(server.core.engine.leaseSeconds, 60, 'the flag keeps its value in force');
    const pinnedBad = await api(server, dir, 'PUT', '/api/v1/settings', { values: { lease_seconds: '-1' } });
    assert.equal(pinnedBad.status, 400, 'a value saved for a pinned key is checked all the same');
    assert.match(pinnedBad.body.error.details.errors.lease_seconds, /whole number of seconds/);
    assert.match(confOf(dir), /^lease_seconds = 90$/m);
  });

  test('a client token: clients without it get 401, with it (Basic or Bearer) a seat; kept hashed', async () => {
    const license = await licenseFor(server.core, vendor, { features: [{ name: 'asr', count: 2 }] });
    await server.core.licenses.install({ id: 'test', role: 'admin' }, license.file);
    const short = await api(server, dir, 'PUT', '/api/v1/settings', { values: { client_token: 'too-short' } });
    assert.equal(short.status, 400);
    assert.match(short.body.error.details.errors.client_token, /at least 16 characters/);
    const token = 'client-token-0123456789';
    const r = await api(server, dir, 'PUT', '/api/v1/settings', { values: { client_token: token } });
    assert.equal(r.status, 200);
    assert.equal(r.body.changes[0].new, '(set)', 'the token is never shown');
    assert.doesNotMatch(confOf(dir), new RegExp(token));
    assert.match(confOf(dir), /^client_token = sha256:[0-9a-f]{64}$/m);
    const checkout = (authorization?: string) =>
      fetch(`${server.clientUrl}/v1/leases`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization && { authorization }) },
        body: JSON.stringify({ feature: 'asr', client: { id: 'c1' } }),
      });
    const refused = await checkout();
    assert.equal(refused.status, 401);
    assert.match(((await refused.json()) as { error: { message: string } }).error.message, /requires a client token/);
    assert.equal((await checkout(`Basic ${Buffer.from('anyone:wrong-token-0000000').toString('base64')}`)).status, 401);
    assert.equal((await checkout(`Basic ${Buffer.from(`app:${token}`).toString('base64')}`)).status, 201);
    assert.equal((await checkout(`Bearer ${token}`)).status, 201);
    assert.equal((await fetch(`${server.clientUrl}/healthz`)).status, 200, 'readiness stays open');
    const off = await api(server, dir, 'PUT', '/api/v1/settings', { values: { client_token: null } });
    assert.equal(off.status, 200);
    assert.equal((await checkout()).status, 409, 'open again (and both seats are taken)');
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
