/**
 * Cloud licensing nodes for the scenarios: `tessera cloud start` (compiled CLI), one node on
 * SQLite or several on one PostgreSQL database (a schema of their own on the machine's server,
 * which must be there: the PostgreSQL scenarios fail without it, they never skip), a customer
 * with a subscription entitlement and an account whose credentials the drivers send.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudApiClient } from '@tessera/cloud/client';
import { type CloudProcess, startCloud, tempDir } from '../../../packages/cli/test/support.js';
import { createTestDatabase } from '../../../packages/cloud/src/test-support/db.js';
import { SHORT_LEASE, testVendor } from './servers.js';
import type { ScenarioContext } from './suite.js';

/** Generous: two nodes starting together on a loaded 2-core machine take 20 s and more. */
const CLOUD_START_TIMEOUT_MS = 90_000;

let starting: Promise<unknown> = Promise.resolve();
/** Runs `start` after every start queued before it has settled. */
function oneAtATime<T>(start: () => Promise<T>): Promise<T> {
  const mine = starting.then(start, start);
  starting = mine.catch(() => undefined);
  return mine;
}

export interface CloudNode {
  process: CloudProcess;
  url: string;
  /** `127.0.0.1:PORT`. */
  address: string;
  kill9(): Promise<void>;
}

export interface SubscriptionPool {
  nodes: CloudNode[];
  customerId: string;
  poolId: string;
  username: string;
  password: string;
  /** The `client_property.conf` the Cloud made for the account (every node, the credentials). */
  clientConfig: string;
  /** `Authorization` header value of the account, for checkouts made by hand. */
  authorization: string;
}

function nodeOf(p: CloudProcess): CloudNode {
  return {
    process: p,
    url: p.url,
    address: new URL(p.url).host,
    kill9: async () => {
      if (p.child.exitCode === null && p.child.signalCode === null) {
        p.child.kill('SIGKILL');
        await p.exited;
      }
    },
  };
}

/**
 * `nodes` Cloud nodes (2 or more need PostgreSQL) sharing one database, a customer with a
 * subscription of `seats` seats of `feature`, and an account. Everything is stopped, and the
 * PostgreSQL schema dropped, when the scenario row ends.
 */
export async function subscriptionPool(
  ctx: ScenarioContext,
  o: { nodes: 1 | 2; feature: string; seats: number },
): Promise<SubscriptionPool> {
  const db = await createTestDatabase(o.nodes === 1 ? 'sqlite' : 'postgres');
  ctx.own({ dispose: () => db.drop() });
  const base = tempDir('tessera-conformance-cloud-');
  const args = [
    '--db',
    db.url,
    '--signing-key',
    testVendor().key,
    '--lease-seconds',
    String(SHORT_LEASE.leaseSeconds),
    '--heartbeat-seconds',
    String(SHORT_LEASE.heartbeatSeconds),
  ];
  // One pool starts at a time: the rows of a scenario run side by side, and several Cloud nodes
  // migrating PostgreSQL at once on a loaded 2-core machine take longer than a start should.
  const processes = await oneAtATime(() =>
    Promise.all(
      Array.from({ length: o.nodes }, (_, i) =>
        startCloud(join(base, `node${i + 1}`), { args, timeoutMs: CLOUD_START_TIMEOUT_MS }),
      ),
    ),
  );
  const nodes = processes.map(nodeOf);
  for (const n of nodes) ctx.own({ dispose: () => n.kill9() });

  const first = processes[0]!;
  const token = readFileSync(join(first.dataDir, 'admin.token'), 'utf8').trim();
  const api = new CloudApiClient({ url: first.url, token });
  await api.featureAdd(o.feature);
  const customer = await api.customerAdd('Conformance Subscriber');
  await api.entitlementAdd({
    customerId: customer.id,
    type: 'subscription',
    feature: o.feature,
    count: o.seats,
    termDays: 365,
  });
  const account = await api.accountAdd(customer.id, 'conformance');
  return {
    nodes,
    customerId: customer.id,
    poolId: customer.poolId,
    username: account.username,
    password: account.password,
    clientConfig: account.clientConfig,
    authorization: `Basic ${Buffer.from(`${account.username}:${account.password}`).toString('base64')}`,
  };
}

/** Seats of `feature` in use in the account's pool, as `GET /v1/features` on `node` says. */
export async function cloudInUse(node: CloudNode, authorization: string, feature: string): Promise<number> {
  const res = await fetch(`${node.url}/v1/features`, {
    headers: { authorization },
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as { features: { feature: string; inUse: number }[] };
  return body.features.find((f) => f.feature === feature)?.inUse ?? 0;
}
