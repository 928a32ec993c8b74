/**
 * Conformance: checkout. A grant carries what the server granted (count, license, pool,
 * server); the client's identity and release date reach the server; every denial is a result
 * with its code, never an exception; arguments the SDK refuses are INVALID_ARGUMENT.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dayFromNow } from '../../packages/cli/test/support.js';
import { closedPort, errorStub, holdSeat, sameServer } from './support/http.js';
import { conformance, eventually, type ScenarioContext } from './support/suite.js';

const TODAY = dayFromNow(0);
const MAINTENANCE_UNTIL = dayFromNow(30);
const AFTER_MAINTENANCE = dayFromNow(31);

async function grantAndReleaseDate(ctx: ScenarioContext): Promise<void> {
  const server = await ctx.server();
  const licenseId = await server.install({ features: ['asr=10'], maintenanceUntil: MAINTENANCE_UNTIL });
  const conf = ctx.conf({ servers: [server.address] });
  const driver = await ctx.open(conf, {
    app: 'conformance-app',
    version: '1.2.3',
    releaseDate: TODAY,
    clientId: 'conformance-client-1',
  });

  const g = await driver.ok('checkout', { feature: 'asr', count: 3 });
  assert.equal(typeof g.lease, 'string', 'a lease handle');
  assert.equal(typeof g.leaseId, 'string');
  assert.match(g.leaseId as string, /^lease_/);
  assert.equal(g.feature, 'asr');
  assert.equal(g.count, 3);
  assert.equal(g.licenseId, licenseId);
  assert.equal(g.poolId, server.poolId);
  assert.ok(sameServer(g.server, server.clientUrl), `server ${g.server} is ${server.clientUrl}`);
  assert.ok(Number.isFinite(Date.parse(g.expiresAt as string)), `expiresAt is an instant: ${g.expiresAt}`);

  // What the server holds: the seats, and who holds them.
  const held = await server.leases('asr');
  assert.equal(held.length, 1);
  assert.deepEqual(
    {
      leaseId: held[0]!.leaseId,
      count: held[0]!.count,
      clientId: held[0]!.clientId,
      app: held[0]!.app,
      version: held[0]!.version,
      releaseDate: held[0]!.releaseDate,
    },
    {
      leaseId: g.leaseId,
      count: 3,
      clientId: 'conformance-client-1',
      app: 'conformance-app',
      version: '1.2.3',
      releaseDate: TODAY,
    },
  );
  const seen = await driver.ok('lease', { lease: g.lease });
  assert.deepEqual(
    { leaseId: seen.leaseId, held: seen.held, released: seen.released, poolId: seen.poolId },
    { leaseId: g.leaseId, held: true, released: false, poolId: server.poolId },
  );
  assert.ok(sameServer(seen.server, server.clientUrl));

  // A release date past the license's maintenance, per checkout: a denial, as a result.
  const late = await driver.fails(
    'checkout',
    { feature: 'asr', releaseDate: AFTER_MAINTENANCE },
    'MAINTENANCE_EXPIRED',
  );
  assert.doesNotMatch(late.message, /^\s*$/);
  // Arguments the SDK refuses before asking anyone.
  await driver.fails('checkout', { feature: 'asr', count: 0 }, 'INVALID_ARGUMENT');
  await driver.fails('checkout', { feature: 'asr', releaseDate: '2026-02-30' }, 'INVALID_ARGUMENT');
  assert.equal(await server.inUse('asr'), 3, 'refusals took nothing');

  await driver.ok('release', { lease: g.lease });
  assert.equal((await driver.ok('lease', { lease: g.lease })).released, true);
  assert.ok(await eventually(async () => (await server.inUse('asr')) === 0, 10_000), 'the seats come back');

  // The release date given at open is the one every checkout sends.
  const old = await ctx.open(conf, { releaseDate: AFTER_MAINTENANCE });
  await old.fails('checkout', { feature: 'asr' }, 'MAINTENANCE_EXPIRED');
}

async function serverDenials(ctx: ScenarioContext): Promise<void> {
  const server = await ctx.server({ licenses: [{ features: ['asr=1'] }] });
  const driver = await ctx.open(ctx.conf({ servers: [server.address] }));
  const other = await holdSeat(server.clientUrl, 'asr'); // the only seat

  await driver.fails('checkout', { feature: 'asr' }, 'NO_SEATS');
  await driver.fails('checkout', { feature: 'no-such-feature' }, 'UNKNOWN_FEATURE');
  // More seats than the server allows in one lease: the server's limit, not the SDK's to know.
  await driver.fails('checkout', { feature: 'asr', count: 2_000_000 }, 'BAD_REQUEST');

  // After the denials the client works as before.
  assert.equal(await other.release(), 204);
  const g = await driver.ok('checkout', { feature: 'asr' });
  assert.deepEqual(
    (await server.leases('asr')).map((l) => l.leaseId),
    [g.leaseId],
  );
}

async function clockDenials(ctx: ScenarioContext): Promise<void> {
  const clockFile = join(ctx.dir, 'clock');
  writeFileSync(clockFile, '0');
  const server = await ctx.server({ env: { TESSERA_TEST_CLOCK_FILE: clockFile } });
  await server.install({ features: ['old=1'], expires: dayFromNow(1) });
  await server.install({ features: ['term=2'], expires: dayFromNow(365) });
  // A second server that would grant `term`: CLOCK_TAMPERED must not move on to it.
  const spare = await ctx.server({ licenses: [{ features: ['term=2'], expires: dayFromNow(365) }] });

  // Three days on: the license of `old` has ended. The server is restarted on the new time: a
  // server marks the time it starts at (its clock guard), so the step back below is then surely
  // one it has seen, whatever a loaded machine does to its timers.
  writeFileSync(clockFile, String(3 * 86_400_000));
  await server.kill9();
  await server.restart();
  const driver = await ctx.open(ctx.conf({ servers: [server.address, spare.address] }));
  await driver.fails('checkout', { feature: 'old' }, 'LICENSE_EXPIRED');

  // Back to today: the server has seen time three days later, so its clock was set back.
  writeFileSync(clockFile, '0');
  const tampered = await eventually(
    async () => (await server.admin<{ clockTampered: boolean }>('GET', '/api/v1/server')).body.clockTampered,
    10_000,
  );
  assert.ok(tampered, 'the server says its clock is tampered with');
  await driver.fails('checkout', { feature: 'term' }, 'CLOCK_TAMPERED');
  assert.equal(await spare.inUse('term'), 0, 'CLOCK_TAMPERED is final: the next server was not asked');
}

async function unauthorized(ctx: ScenarioContext): Promise<void> {
  const token = 'conformance-client-token-0123456789';
  const server = await ctx.server({ licenses: [{ features: ['asr=2'] }] });
  await server.setSettings({ client_token: token });

  const anonymous = await ctx.open(ctx.conf({ servers: [server.address] }));
  await anonymous.fails('checkout', { feature: 'asr' }, 'UNAUTHORIZED');
  const wrong = await ctx.open(
    ctx.conf({ servers: [server.address], auth: { username: 'app', password: 'not-the-token-0123456789' } }),
  );
  await wrong.fails('checkout', { feature: 'asr' }, 'UNAUTHORIZED');
  assert.equal(await server.inUse('asr'), 0);

  // The token sent as the Basic password is let in.
  const right = await ctx.open(ctx.conf({ servers: [server.address], auth: { username: 'app', password: token } }));
  const g = await right.ok('checkout', { feature: 'asr' });
  assert.deepEqual(
    (await server.leases('asr')).map((l) => l.leaseId),
    [g.leaseId],
  );
}

async function unavailable(ctx: ScenarioContext): Promise<void> {
  const ports = [await closedPort(), await closedPort()];
  const driver = await ctx.open(ctx.conf({ servers: ports }));
  const denial = await driver.fails('checkout', { feature: 'asr' }, 'UNAVAILABLE');
  for (const p of ports) assert.ok(denial.message.includes(p), `the message names ${p}: ${denial.message}`);
}

async function rateLimited(ctx: ScenarioContext): Promise<void> {
  // A License Server sheds checkouts with 429 when its writes pile up; a stub says it on cue.
  const busy = await errorStub(429, 'RATE_LIMITED', 'the server is writing as fast as it can; retry shortly');
  const spare = await ctx.server({ licenses: [{ features: ['asr=2'] }] });
  const driver = await ctx.open(ctx.conf({ servers: [busy.address, spare.address] }));
  await driver.fails('checkout', { feature: 'asr' }, 'RATE_LIMITED');
  assert.equal(busy.seen.filter((r) => r.method === 'POST').length, 1, 'the busy server was asked once');
  assert.equal(await spare.inUse('asr'), 0, 'a 4xx is final: the next server was not asked');
}

conformance('checkout', [
  {
    name: 'a grant carries count, license, pool and server; the release date reaches the server',
    run: grantAndReleaseDate,
  },
  { name: 'NO_SEATS, UNKNOWN_FEATURE and BAD_REQUEST are results', run: serverDenials },
  { name: "LICENSE_EXPIRED and CLOCK_TAMPERED by the server's clock; CLOCK_TAMPERED is final", run: clockDenials },
  { name: 'UNAUTHORIZED without the client token; with it as the Basic password, granted', run: unauthorized },
  { name: 'UNAVAILABLE when no server answers, naming each one', run: unavailable },
  { name: 'RATE_LIMITED is a result and final', run: rateLimited },
]);
