import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectionBudget } from '@tessera/service-kit';
import { basic, startTestCloud } from '../test-support/cloud.js';

const POLICY = {
  headersTimeoutMs: 3_000,
  requestTimeoutMs: 4_000,
  keepAliveTimeoutMs: 1_000,
  idleTimeoutMs: 5_000,
  timeoutCheckMs: 200,
};
const FD_LIMIT = 300;

test('a Cloud node caps slow connections per address, closes them in time, and keeps serving others', {
  timeout: 60_000,
}, async () => {
  const t = await startTestCloud({ listenerPolicy: POLICY, fdLimit: FD_LIMIT });
  try {
    assert.equal((await t.call('POST', '/api/v1/features', { name: 'asr' })).status, 201);
    const customer = (await t.call('POST', '/api/v1/customers', { name: 'Acme' })).json();
    await t.call('POST', '/api/v1/entitlements', {
      customerId: customer.id,
      type: 'subscription',
      feature: 'asr',
      count: 2,
    });
    const account = (await t.call('POST', '/api/v1/accounts', { customerId: customer.id })).json();
    const { perAddress } = connectionBudget(FD_LIMIT, false).client;
    const { port } = new URL(t.cloud.url);
    const closed: number[] = [];
    const sockets: Socket[] = [];
    const opened = Date.now();
    for (let i = 0; i < 2 * perAddress; i++) {
      const s = connect({ host: '127.0.0.1', port: Number(port), localAddress: '127.0.0.3' });
      s.on('error', () => {});
      s.resume();
      s.on('connect', () => s.write('POST /v1/leases HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 900\r\n\r\n{'));
      s.on('close', () => closed.push(Date.now() - opened));
      sockets.push(s);
    }
    await sleep(300);
    const real = await fetch(`${t.cloud.url}/v1/leases`, {
      method: 'POST',
      headers: { authorization: basic(account.username, account.password), 'content-type': 'application/json' },
      body: JSON.stringify({ feature: 'asr', client: { id: 'real' } }),
    });
    assert.equal(real.status, 201, 'a client from another address checks out during the flood');
    const deadline = Date.now() + 20_000;
    while (closed.length < sockets.length && Date.now() < deadline) await sleep(100);
    assert.equal(
      closed.length,
      sockets.length,
      `the server closed every slow connection: ${JSON.stringify(t.cloud.connections)} ${closed.join(',')}`,
    );
    assert.ok(t.cloud.connections.refusedPerAddress > 0, 'beyond its share, an address is refused at once');
    assert.ok(t.cloud.connections.peak <= perAddress + 2, `held at once: ${t.cloud.connections.peak}`);
    assert.ok(Math.max(...closed) < POLICY.requestTimeoutMs + 10_000);
  } finally {
    await t.stop();
  }
});
