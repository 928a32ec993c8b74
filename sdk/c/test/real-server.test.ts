/**
 * The C library against real License Servers (`tessera server start`), through its conformance
 * driver built with ASan + UBSan (so a leak or undefined behaviour fails the driver's exit
 * status): the driver protocol of sdk/conformance/DRIVER.md, a lease that survives kill -9 and a
 * restart of its server, and the bench program's output.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cleanup, features, sleep, startServer, tempDir } from '../../../packages/cli/test/support.js';
import { Driver, killDrivers, type LicensedServer, licensedServer, PROGRAMS, sh, writeConf } from './harness.js';

after(() => {
  killDrivers();
  return cleanup();
});

/** Asserts the driver exited 0 with nothing from the sanitizers on its stderr. */
async function endClean(driver: Driver): Promise<void> {
  const exit = await driver.end();
  assert.deepEqual(exit, { code: 0, signal: null }, driver.stderr);
  assert.doesNotMatch(driver.stderr, /AddressSanitizer|LeakSanitizer|runtime error/, driver.stderr);
}

describe('C library: the conformance driver against a License Server', () => {
  let lic: LicensedServer;
  let work: string;

  before(async () => {
    lic = await licensedServer(['asr=3']);
    work = tempDir('tessera-c-driver-');
  });

  test('answers open, checkout, lease, features, release and close as DRIVER.md says', async () => {
    const conf = join(work, 'warn.conf');
    writeFileSync(conf, `[GLOBAL]\nLICENSE_SERVERS = ${lic.address}\nLICENSE_CACHE_PERIOD = 0\nCOLOR = blue\n`);
    const d = new Driver();
    const open = await d.request('open', {
      conf,
      app: 'drv',
      version: '1.0',
      releaseDate: '2026-01-01',
      clientId: 'c1',
    });
    assert.deepEqual(open, { id: 1, ok: true, warnings: [`${conf}:4: unknown key COLOR in [GLOBAL]; ignored`] });
    assert.equal((await d.request('open', { conf })).code, 'DRIVER_ERROR');

    const co = await d.request('checkout', { feature: 'asr', count: 2 });
    assert.equal(co.ok, true, JSON.stringify(co));
    assert.equal(co.lease, 'L1');
    assert.match(String(co.leaseId), /^lease_/);
    assert.equal(co.feature, 'asr');
    assert.equal(co.count, 2);
    assert.match(String(co.licenseId), /^lic_/);
    assert.equal(co.server, lic.server.clientUrl);
    assert.ok(!Number.isNaN(Date.parse(String(co.expiresAt))));
    const fs = await d.request('features');
    assert.equal(fs.server, lic.server.clientUrl);
    assert.equal(fs.poolId, co.poolId);
    assert.deepEqual(
      (fs.features as { feature: string; total: number; inUse: number }[]).map((f) => [f.feature, f.total, f.inUse]),
      [['asr', 3, 2]],
    );
    assert.deepEqual(
      { ...(await d.request('lease', { lease: 'L1' })), id: 0 },
      { id: 0, ok: true, leaseId: co.leaseId, server: co.server, poolId: co.poolId, held: true, released: false },
    );

    const denied = await d.request('checkout', { feature: 'asr', count: 2 });
    assert.equal(denied.code, 'NO_SEATS');
    assert.match(String(denied.message), new RegExp(`^${lic.server.clientUrl}: `));
    assert.equal((await d.request('checkout', { feature: 'tts' })).code, 'UNKNOWN_FEATURE');
    assert.equal((await d.request('checkout', { feature: 'asr', count: 0 })).code, 'INVALID_ARGUMENT');
    assert.equal((await d.request('checkout', { feature: 'asr', releaseDate: '2026-02-30' })).code, 'INVALID_ARGUMENT');
    assert.equal((await d.request('lease', { lease: 'L9' })).code, 'DRIVER_ERROR');

    assert.deepEqual(await d.request('release', { lease: 'L1' }), { id: 11, ok: true });
    assert.deepEqual(
      { ...(await d.request('lease', { lease: 'L1' })), id: 0 },
      { id: 0, ok: true, leaseId: co.leaseId, server: co.server, poolId: co.poolId, held: false, released: true },
    );
    assert.equal((await features(lic.server.clientUrl)).features[0]?.inUse, 0);
    const again = await d.request('checkout', { feature: 'asr' });
    assert.equal(again.lease, 'L2');
    assert.deepEqual(await d.request('close'), { id: 14, ok: true });
    assert.equal((await features(lic.server.clientUrl)).features[0]?.inUse, 0, 'close released L2');
    await endClean(d);
  });

  test('a malformed or missing client_property.conf is CONFIG_ERROR with its line', async () => {
    const bad = join(work, 'bad.conf');
    writeFileSync(bad, '[GLOBAL]\nLICENSE_CACHE_PERIOD = soon\n');
    const d = new Driver();
    assert.deepEqual(await d.request('open', { conf: bad }), {
      id: 1,
      ok: false,
      code: 'CONFIG_ERROR',
      message: `${bad}:2: LICENSE_CACHE_PERIOD must be an integer 0..3600, got "soon"`,
      line: 2,
    });
    await endClean(d);
    const d2 = new Driver();
    const missing = join(work, 'missing.conf');
    assert.deepEqual(await d2.request('open', { conf: missing }), {
      id: 1,
      ok: false,
      code: 'CONFIG_ERROR',
      message: `${missing}: cannot read: no such file`,
      line: null,
    });
    await endClean(d2);
  });

  test('stdin closing releases every lease and exits 0', async () => {
    const d = new Driver();
    await d.request('open', { conf: writeConf(work, lic.address, 30, 'cached.conf') });
    await d.request('checkout', { feature: 'asr' });
    await d.request('checkout', { feature: 'asr' });
    await d.request('release', { lease: 'L2' }); // kept by the release cache
    assert.equal((await features(lic.server.clientUrl)).features[0]?.inUse, 2);
    await endClean(d);
    assert.equal((await features(lic.server.clientUrl)).features[0]?.inUse, 0);
  });

  test('tessera-bench prints one JSON line in each mode', () => {
    const conf = writeConf(work, lic.address, 0, 'bench.conf');
    const bench = join(PROGRAMS, 'tessera-bench');
    for (const mode of ['sdk', 'bare']) {
      const r = sh(bench, ['--conf', conf, '--feature', 'asr', '--seconds', '0.3', '--mode', mode]);
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { mode: string; ops: number; seconds: number };
      assert.equal(out.mode, mode);
      assert.ok(out.ops > 0 && out.seconds >= 0.3, r.stdout);
    }
    const r = sh(bench, ['--conf', conf, '--feature', 'asr', '--seconds', '0.3', '--mode', 'hold', '--leases', '3']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { mode: string; leases: number; seconds: number; cpuSeconds: number };
    assert.deepEqual([out.mode, out.leases], ['hold', 3]);
    assert.ok(out.seconds >= 0.3 && out.cpuSeconds >= 0, r.stdout);
    assert.equal(sh(bench, ['--mode', 'sdk']).status, 1, 'a bad command line exits 1');
  });
});

/** tessera_heartbeats_total{result="ok"} on a server's admin /metrics. */
async function heartbeatsOk(adminUrl: string, data: string): Promise<number> {
  const token = readFileSync(join(data, 'admin.token'), 'utf8').trim();
  const res = await fetch(`${adminUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  const m = /^tessera_heartbeats_total\{result="ok"\} (\d+)/m.exec(await res.text());
  return m ? Number(m[1]) : 0;
}

describe('C library: a lease held by a C program and its License Server killed', () => {
  test('survives kill -9 and a restart of the server: same lease, still held, heartbeats go on', {
    timeout: 120_000,
  }, async () => {
    const timing = ['--lease-seconds', '60', '--heartbeat-seconds', '1'];
    const lic = await licensedServer(['asr=2'], timing);
    const port = new URL(lic.server.clientUrl).port;
    const d = new Driver();
    await d.request('open', { conf: writeConf(lic.work, lic.address) });
    const co = await d.request('checkout', { feature: 'asr' });
    assert.equal(co.ok, true, JSON.stringify(co));

    await lic.server.kill9();
    await sleep(2500); // heartbeats fail meanwhile (connection refused) and are retried
    const vendorPub = join(lic.work, 'vendor', 'vendor.pub');
    const restarted = await startServer(lic.data, {
      vendorKeys: [vendorPub],
      args: [...timing, '--client-listen', `127.0.0.1:${port}`],
    });
    assert.equal(restarted.clientUrl, lic.server.clientUrl, 'the same address');
    // The C client's heartbeats reach the restarted server and are accepted (410 would count as "gone").
    const deadline = Date.now() + 60_000;
    while ((await heartbeatsOk(restarted.adminUrl, lic.data)) < 2) {
      assert.ok(Date.now() < deadline, `no heartbeat reached the restarted server\n${d.stderr}`);
      await sleep(200);
    }
    const now = await d.request('lease', { lease: 'L1' });
    assert.equal(now.leaseId, co.leaseId, 'the same lease, not a new checkout');
    assert.equal(now.held, true);
    assert.equal(now.server, lic.server.clientUrl);
    assert.deepEqual(d.events, [], 'no renewed or lost event');
    assert.match(d.stderr, /heartbeat of lease \S+ to \S+ failed: connection refused/, 'it did see the server down');
    assert.equal((await features(restarted.clientUrl)).features[0]?.inUse, 1);

    await endClean(d);
    assert.equal((await features(restarted.clientUrl)).features[0]?.inUse, 0);
    await restarted.stop();
  });
});
