import assert from 'node:assert/strict';
import { test } from 'node:test';
import { installErrorHandling } from '@tessera/service-kit';
import Fastify from 'fastify';
import { lazySchemas } from './lazy-schemas.js';

test('lazily compiled schemas validate, coerce and serialize as the eager ones do; warmUp compiles the rest', async () => {
  const schemas = lazySchemas();
  const app = Fastify({ schemaController: { compilersFactory: schemas.compilersFactory } });
  installErrorHandling(app);
  app.post<{ Body: { n: number }; Querystring: { limit: number } }>(
    '/x',
    {
      schema: {
        querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, default: 10 } } },
        body: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } },
        response: { 200: { type: 'object', properties: { n: { type: 'integer' }, limit: { type: 'integer' } } } },
      },
    },
    async (request) => ({ n: request.body.n, limit: request.query.limit, secret: 'not in the schema' }),
  );
  app.get(
    '/y',
    { schema: { response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } } } } } },
    async () => ({
      ok: true,
    }),
  );
  await app.ready();
  assert.ok(schemas.pending >= 3, 'nothing compiled at start');

  const ok = await app.inject({ method: 'POST', url: '/x?limit=5', payload: { n: 7 } });
  assert.equal(ok.statusCode, 200);
  assert.deepEqual(ok.json(), { n: 7, limit: 5 }, 'the querystring coerced, the response filtered by its schema');
  const defaulted = await app.inject({ method: 'POST', url: '/x', payload: { n: 1 } });
  assert.deepEqual(defaulted.json(), { n: 1, limit: 10 });
  const bad = await app.inject({ method: 'POST', url: '/x', payload: { n: 'seven' } });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().error.message, /body\/n must be integer/);
  const low = await app.inject({ method: 'POST', url: '/x?limit=0', payload: { n: 1 } });
  assert.match(low.json().error.message, /querystring\/limit must be >= 1/);

  assert.ok(schemas.pending >= 1, '/y is still to compile');
  await schemas.warmUp(1);
  assert.equal(schemas.pending, 0);
  assert.deepEqual((await app.inject({ method: 'GET', url: '/y' })).json(), { ok: true });
  await app.close();
});
