import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { LicenseClient, parseServerAddress } from '@tessera/client';
import { CONNECTION_POLICY, connectionBudget } from '@tessera/service-kit';
import { LOCAL_CLI_ACTOR } from '../domain/audit.js';
import { licenseFor, startTestServer } from '../test-support/fixtures.js';

/** Short timeouts for the test (production's are seconds to minutes: `LISTENER_POLICY`). */
const POLICY = {
  headersTimeoutMs: 3_000,
  requestTimeoutMs: 4_000,
  keepAliveTimeoutMs: 1_000,
  idleTimeoutMs: 5_000,
  timeoutCheckMs: 200,
};
/** An open-file limit as low as the one the flood exhausted (1,024), lower still so the test stays small. */
const FD_LIMIT = 400;

interface Held {
  socket: Socket;
  openedAt: number;
  /** When the server closed it; undefined while it is open. */
  closedAt?: number;
  /** What the server said before closing, if anything. */
  answer: string;
}

/** Half-sent requests: headers never finished, or a body promised and never sent. */
function holdSlowConnection(port: number, localAddress: string, i: number): Promise<Held> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    const held: Held = { socket, openedAt: Date.now(), answer: '' };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      held.answer += chunk;
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      held.closedAt = Date.now();
      resolve(held);
    });
    socket.on('connect', () => {
      socket.write(
        i % 2 === 0
          ? 'GET /v1/features HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: '
          : 'POST /v1/leases HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{"feature":',
      );
      resolve(held);
    });
  });
}

function adminGet(url: string, path: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { headers: { authorization: `Bearer ${token}` }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('connections a License Server holds', { timeout: 60_000 }, () => {
  test('caps follow the open-file limit and keep a share for the admin listener', () => {
    const { client, admin } = connectionBudget(1024, true);
    assert.ok(admin);
    assert.ok(client.max + admin.max + CONNECTION_POLICY.reservedFds <= 1024);
    assert.ok(admin.max >= CONNECTION_POLICY.adminMin);
    assert.ok(client.perAddress < client.max);
    const small = connectionBudget(64, true);
    assert.ok(small.client.max >= CONNECTION_POLICY.listenerMin, 'a listener always takes some connections');
  });

  test('a flood of half-sent requests starves neither a real client nor the admin API, and the server closes them in time', async () => {
    const t = await startTestServer({ listenerPolicy: POLICY, fdLimit: FD_LIMIT });
    const budget = connectionBudget(FD_LIMIT, true);
    const client = new LicenseClient(
      { servers: [parseServerAddress(t.server.clientUrl)], cacheSeconds: 0 },
      { app: 'flood-test' },
    );
    try {
      const { file } = await licenseFor(t.core, t.vendor, { features: [{ name: 'asr', count: 5 }] });
      await t.core.licenses.install(LOCAL_CLI_ACTOR, file);
      const port = Number(new URL(t.server.clientUrl).port);
      const flooded = 3 * budget.client.perAddress;
      const held = await Promise.all(
        Array.from({ length: flooded }, (_, i) => holdSlowConnection(port, '127.0.0.2', i)),
      );
      // While the flood is held: a client from another address checks out and releases, the admin API answers.
      const lease = await client.checkout('asr');
      assert.ok(lease.ok, `checked out during the flood: ${lease.ok ? '' : lease.code}`);
      await lease.lease.release();
      assert.equal(await adminGet(t.server.adminUrl, '/api/v1/server', t.token), 200);
      // The rest are closed by the server once their timeouts pass (generous bounds: the box is shared).
      const deadline = Date.now() + 20_000;
      while (held.some((h) => h.closedAt === undefined) && Date.now() < deadline) await sleep(100);
      const open = held.filter((h) => h.closedAt === undefined).length;
      assert.equal(open, 0, `${open} slow connections still open after 20 s`);
      // One address never held more than its share (the real client's connections aside); the rest were refused.
      const stats = t.server.connections.client;
      assert.ok(stats.refusedPerAddress > 0, 'connections beyond the share were refused');
      assert.ok(
        stats.peak <= budget.client.perAddress + 2,
        `at most ${budget.client.perAddress} held at once from one address, saw ${stats.peak}`,
      );
      const accepted = held.filter((h) => h.answer !== '');
      assert.ok(accepted.length > 0);
      for (const h of accepted) assert.match(h.answer, /^HTTP\/1\.1 408 .*"code":"REQUEST_TIMEOUT"/s);
      const slowest = Math.max(...held.map((h) => (h.closedAt as number) - h.openedAt));
      assert.ok(slowest < POLICY.requestTimeoutMs + 10_000, `the last one closed after ${slowest} ms`);
    } finally {
      await client.close();
      await t.stop();
    }
  });
});
