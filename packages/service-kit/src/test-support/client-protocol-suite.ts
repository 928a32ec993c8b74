/**
 * Test support: the client protocol v1 (docs/protocol.md) as one suite, run against every
 * product that serves it (the License Server, a Cloud node). Each product's test file gives
 * a factory that starts it with one feature to check out; what only one product does (a
 * flexible Sync, a subscription account) is tested beside that product's seat provider.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

/** An answer of the client listener. */
export interface ClientAnswer {
  statusCode: number;
  // biome-ignore lint/suspicious/noExplicitAny: the cases read answers field by field, JSON as it came
  json(): any;
}

/** A product serving the client protocol, started for the suite. */
export interface ClientProtocolTarget {
  /**
   * A request to the client listener, carrying the credentials of a client of the pool (the
   * headers given are added to them). `payload` is sent as it is.
   */
  inject(request: {
    method: 'GET' | 'POST' | 'DELETE';
    url: string;
    headers?: Record<string, string>;
    payload?: string;
  }): Promise<ClientAnswer>;
  /** The `poolId` of every lease and of `GET /v1/features`. */
  poolId: string;
  /** The `licenseId` a lease of the feature comes from. */
  licenseId: string;
  /** The lease and heartbeat times the product grants. */
  heartbeatSeconds: number;
  leaseSeconds: number;
  /** The largest request body the client listener takes. */
  bodyLimit: number;
  /** Leases held now, read from the product's own state (not through the protocol). */
  leasesHeld(): Promise<number>;
  stop(): Promise<void>;
}

export interface ClientProtocolSuiteOptions {
  /** Names the product in the test titles. */
  product: string;
  /** The feature every case checks out; the target has `seats` of it and no other feature. */
  feature: string;
  /** Starts the product with `seats` seats of `feature`. */
  start(seats: number): Promise<ClientProtocolTarget>;
}

const JSON_TYPE = { 'content-type': 'application/json' };

/** Registers the suite: one `describe` of the protocol's cases against one product. */
export function clientProtocolSuite(o: ClientProtocolSuiteOptions): void {
  const { feature } = o;
  describe(`client protocol v1 on ${o.product}`, { timeout: 60_000 }, () => {
    let t: ClientProtocolTarget;
    before(async () => {
      t = await o.start(2);
    });
    after(() => t?.stop());

    const post = (body: unknown, headers: Record<string, string> = JSON_TYPE) =>
      t.inject({
        method: 'POST',
        url: '/v1/leases',
        headers,
        payload: typeof body === 'string' ? body : JSON.stringify(body),
      });
    const heartbeat = (id: string) => t.inject({ method: 'POST', url: `/v1/leases/${id}/heartbeat` });
    const release = (id: string) => t.inject({ method: 'DELETE', url: `/v1/leases/${id}` });

    test('checkout, features, heartbeat and release follow the protocol', async () => {
      const r = await post({ feature, client: { id: 'app-1', host: 'h', app: 'a', version: '1.0' } });
      assert.equal(r.statusCode, 201);
      const lease = r.json();
      assert.match(lease.leaseId, /^lease_[0-9a-z]{35,}$/);
      assert.equal(lease.feature, feature);
      assert.equal(lease.count, 1);
      assert.equal(lease.licenseId, t.licenseId);
      assert.equal(lease.poolId, t.poolId);
      assert.equal(lease.heartbeatSeconds, t.heartbeatSeconds);
      assert.equal(lease.leaseSeconds, t.leaseSeconds);
      assert.ok(Date.parse(lease.expiresAt) > Date.now());
      const f = (await t.inject({ method: 'GET', url: '/v1/features' })).json();
      assert.equal(f.poolId, t.poolId);
      assert.equal(f.features[0].feature, feature);
      assert.deepEqual(
        { total: f.features[0].total, inUse: f.features[0].inUse, available: f.features[0].available },
        { total: 2, inUse: 1, available: 1 },
      );
      const hb = await heartbeat(lease.leaseId);
      assert.equal(hb.statusCode, 200);
      assert.ok(Date.parse(hb.json().expiresAt) > Date.now());
      assert.equal((await release(lease.leaseId)).statusCode, 204);
      const hb2 = await heartbeat(lease.leaseId);
      assert.equal(hb2.statusCode, 410);
      assert.equal(hb2.json().error.code, 'LEASE_GONE');
      assert.equal(hb2.json().error.reason, 'RELEASED');
      assert.equal(hb2.json().error.message, 'the lease was released');
    });

    test('denials carry their code and status', async () => {
      const unknown = await post({ feature: 'nope', client: { id: 'x' } });
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json().error.code, 'UNKNOWN_FEATURE');
      const a = await post({ feature, count: 2, client: { id: 'x' } });
      assert.equal(a.statusCode, 201);
      const full = await post({ feature, client: { id: 'y' } });
      assert.equal(full.statusCode, 409);
      assert.equal(full.json().error.code, 'NO_SEATS');
      assert.equal((await release(a.json().leaseId)).statusCode, 204);
    });

    inputCases({ target: () => t, feature, post, heartbeat, release });
  });
}

type Inject = ClientProtocolTarget['inject'];

/** What the cases registered outside the suite's body need of it. */
interface SuiteContext {
  target: () => ClientProtocolTarget;
  feature: string;
  post: (body: unknown, headers?: Record<string, string>) => ReturnType<Inject>;
  heartbeat: (id: string) => ReturnType<Inject>;
  release: (id: string) => ReturnType<Inject>;
}

/**
 * The cases about input a client gets wrong (malformed, oversized, unknown ids and routes), and the
 * published document: registered inside the suite's `describe`.
 */
function inputCases(c: SuiteContext): void {
  const { feature, post, heartbeat, release } = c;
  test('malformed requests get 400 with a reason, and the product keeps serving', async () => {
    const cases: [unknown, RegExp][] = [
      [{ client: { id: 'x' } }, /feature/],
      [{ feature }, /client/],
      [{ feature, count: 0, client: { id: 'x' } }, /count/],
      [{ feature, count: 1.5, client: { id: 'x' } }, /count/],
      [{ feature, count: 'two', client: { id: 'x' } }, /count/],
      [{ feature, client: { id: '' } }, /id/],
      [{ feature, client: { id: 'x', releaseDate: '2026-02-30' } }, /releaseDate/],
      [{ feature: 'a b', client: { id: 'x' } }, /feature/],
      [`{"feature": "${feature}", `, /JSON|body/i],
    ];
    for (const [body, reason] of cases) {
      const r = await post(body);
      assert.equal(r.statusCode, 400, `400 for ${JSON.stringify(body)}`);
      assert.equal(r.json().error.code, 'BAD_REQUEST');
      assert.match(r.json().error.message, reason);
    }
    const wrongType = await post(`feature=${feature}`, { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(wrongType.statusCode, 415);
    assert.equal(wrongType.json().error.code, 'UNSUPPORTED_MEDIA_TYPE');
    const ok = await post({ feature, client: { id: 'still-serving' } });
    assert.equal(ok.statusCode, 201);
    assert.equal((await release(ok.json().leaseId)).statusCode, 204);
  });

  test('an oversized body is refused with 413 and changes nothing', async () => {
    const big = { feature, client: { id: 'x', host: 'h'.repeat(c.target().bodyLimit + 1) } };
    const r = await post(big);
    assert.equal(r.statusCode, 413);
    assert.equal(r.json().error.code, 'PAYLOAD_TOO_LARGE');
    assert.equal(await c.target().leasesHeld(), 0);
  });

  test('heartbeat of an unknown lease is 410 and release of one is 204', async () => {
    const hb = await heartbeat('lease_unknown');
    assert.equal(hb.statusCode, 410);
    assert.equal(hb.json().error.code, 'LEASE_GONE');
    assert.equal(hb.json().error.reason, 'UNKNOWN_LEASE');
    assert.equal((await release('lease_unknown')).statusCode, 204);
  });

  test('a lease id longer than any id is refused with 400 on heartbeat and release', async () => {
    const long = `lease_${'x'.repeat(200)}`;
    for (const r of [await heartbeat(long), await release(long)]) {
      assert.equal(r.statusCode, 400);
      assert.equal(r.json().error.code, 'BAD_REQUEST');
      assert.match(r.json().error.message, /params\.id/);
    }
  });

  test('an unknown route gets a 404 in the error envelope', async () => {
    const r = await c.target().inject({ method: 'GET', url: '/v2/whatever' });
    assert.equal(r.statusCode, 404);
    assert.equal(r.json().error.code, 'NOT_FOUND');
  });

  test('the client API publishes its OpenAPI document', async () => {
    const doc = (await c.target().inject({ method: 'GET', url: '/openapi.json' })).json();
    assert.ok(doc.paths['/v1/leases'].post);
    assert.ok(doc.paths['/v1/leases/{id}/heartbeat'].post);
    assert.ok(doc.paths['/v1/leases/{id}'].delete);
    assert.ok(doc.paths['/v1/features'].get);
    const checkout = doc.paths['/v1/leases'].post.responses;
    for (const status of ['201', '400', '404', '409', '413', '415', '503']) {
      assert.ok(checkout[status], `POST /v1/leases documents ${status}`);
    }
    assert.ok(doc.paths['/v1/leases/{id}/heartbeat'].post.responses['410']);
    assert.ok(doc.paths['/v1/leases/{id}'].delete.responses['204']);
  });
}
