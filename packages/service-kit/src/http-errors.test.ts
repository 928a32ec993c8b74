import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import { TesseraError } from '@tessera/core';
import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify';
import { clientErrorHandler, frameworkErrors, installErrorHandling, sendError } from './http-errors.js';

/** What an unknown error says about itself: it must reach the log and never the client. */
const SECRET = 'SQLITE_CORRUPT at /var/lib/tessera/secret-path.sqlite';

interface Envelope {
  error: { code: string; message: string; reason?: string; requestId?: string; details?: Record<string, unknown> };
}

const apps: FastifyInstance[] = [];
after(async () => {
  for (const app of apps) await app.close();
});

/** A listener built as ours are (envelope everywhere), with routes that fail in each way, and its log lines. */
function appWithRoutes(classify?: Parameters<typeof installErrorHandling>[1]) {
  const logs: string[] = [];
  const app = Fastify({
    logger: { level: 'warn', stream: { write: (line: string) => logs.push(line) } },
    bodyLimit: 64,
    routerOptions: { maxParamLength: 16 },
    frameworkErrors,
    clientErrorHandler,
    return503OnClosing: false,
  });
  apps.push(app);
  installErrorHandling(app, classify);
  app.get('/typed', async () => {
    throw new TesseraError('NO_SEATS', 'every seat of "cad" is taken', {
      reason: 'seats_exhausted',
      details: { feature: 'cad' },
    });
  });
  app.get('/typed-internal', async () => {
    throw new TesseraError('INTERNAL', 'a typed internal error');
  });
  app.get('/unknown', async () => {
    throw new Error(SECRET);
  });
  app.get('/unknown-status', async () => {
    throw Object.assign(new Error(SECRET), { statusCode: 500 });
  });
  app.get('/throttled', async (_req, reply) =>
    sendError(reply, 'RATE_LIMITED', undefined, { details: { retryAfterSeconds: 2.2 } }),
  );
  app.get('/framework-4xx', async () => {
    throw Object.assign(new Error('a plugin refused it'), { statusCode: 429 });
  });
  app.get('/other-4xx', async () => {
    throw Object.assign(new Error('a refusal with no catalog code'), { statusCode: 418 });
  });
  app.get('/classified', async () => {
    throw new Error('database unreachable: ECONNREFUSED 10.0.0.7');
  });
  app.get('/items/:id', async (req) => req.params);
  app.post(
    '/things',
    { schema: { body: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } } },
    async () => ({ ok: true }),
  );
  return { app, logs };
}

async function call(app: FastifyInstance, opts: InjectOptions) {
  const res = await app.inject(opts);
  return { status: res.statusCode, headers: res.headers, body: res.json() as Envelope, raw: res.body };
}

describe('the error handler', () => {
  test('a typed error keeps its code, message, reason and details, with the catalog status', async () => {
    const { app } = appWithRoutes();
    const res = await call(app, { method: 'GET', url: '/typed' });
    assert.equal(res.status, 409);
    assert.deepEqual(res.body.error, {
      code: 'NO_SEATS',
      message: 'every seat of "cad" is taken',
      reason: 'seats_exhausted',
      details: { feature: 'cad' },
      requestId: res.body.error.requestId,
    });
    assert.match(res.body.error.requestId ?? '', /.+/, 'every answer names its request');
  });

  test('a typed INTERNAL error is answered 500 and logged', async () => {
    const { app, logs } = appWithRoutes();
    const res = await call(app, { method: 'GET', url: '/typed-internal' });
    assert.equal(res.status, 500);
    assert.equal(res.body.error.code, 'INTERNAL');
    assert.ok(
      logs.some((l) => l.includes('a typed internal error')),
      'the log has it',
    );
  });

  test('an unknown error is a generic 500: no message, no stack to the client; both go to the log', async () => {
    const { app, logs } = appWithRoutes();
    for (const url of ['/unknown', '/unknown-status']) {
      const res = await call(app, { method: 'GET', url });
      assert.equal(res.status, 500, url);
      assert.deepEqual(Object.keys(res.body.error).sort(), ['code', 'message', 'requestId'], url);
      assert.equal(res.body.error.code, 'INTERNAL');
      assert.equal(res.body.error.message, 'internal error');
      assert.ok(!res.raw.includes('SQLITE_CORRUPT'), `${url}: the internal message is not leaked`);
      assert.ok(!res.raw.includes('secret-path'), `${url}: no path is leaked`);
      assert.ok(!/\bat .+\.ts:\d+/.test(res.raw), `${url}: no stack is leaked`);
    }
    assert.ok(logs.filter((l) => l.includes(SECRET)).length >= 2, 'the log keeps what the client is not told');
    assert.ok(
      logs.some((l) => l.includes('http-errors.test.ts')),
      'the log has the stack',
    );
  });

  test('a schema failure is 400 BAD_REQUEST saying what failed', async () => {
    const { app } = appWithRoutes();
    const res = await call(app, { method: 'POST', url: '/things', payload: { other: 1 } });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'BAD_REQUEST');
    assert.match(res.body.error.message, /^invalid request: .*name/);
  });

  test('a body over the limit is 413 PAYLOAD_TOO_LARGE naming the limit', async () => {
    const { app } = appWithRoutes();
    const res = await call(app, { method: 'POST', url: '/things', payload: { name: 'x'.repeat(200) } });
    assert.equal(res.status, 413);
    assert.equal(res.body.error.code, 'PAYLOAD_TOO_LARGE');
    assert.equal(res.body.error.message, 'the request body is larger than 64 bytes');
  });

  test('a body of a content type the route does not take is 415 naming the type', async () => {
    const { app } = appWithRoutes();
    const res = await call(app, {
      method: 'POST',
      url: '/things',
      headers: { 'content-type': 'application/x-tessera-test' },
      payload: 'name=x',
    });
    assert.equal(res.status, 415);
    assert.equal(res.body.error.code, 'UNSUPPORTED_MEDIA_TYPE');
    assert.equal(res.body.error.message, 'this route does not take a application/x-tessera-test body');
  });

  test('malformed JSON is 400 BAD_REQUEST', async () => {
    const { app } = appWithRoutes();
    const res = await call(app, {
      method: 'POST',
      url: '/things',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":',
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'BAD_REQUEST');
  });

  test('a framework refusal keeps its status with the catalog code; an uncatalogued 4xx is 400', async () => {
    const { app } = appWithRoutes();
    const limited = await call(app, { method: 'GET', url: '/framework-4xx' });
    assert.equal(limited.status, 429);
    assert.deepEqual(
      [limited.body.error.code, limited.body.error.message],
      ['RATE_LIMITED', 'too many requests; slow down'],
    );
    const other = await call(app, { method: 'GET', url: '/other-4xx' });
    assert.equal(other.status, 400);
    assert.deepEqual(
      [other.body.error.code, other.body.error.message],
      ['BAD_REQUEST', 'invalid request: a refusal with no catalog code'],
    );
  });

  test('a throttle wait becomes Retry-After, rounded up to whole seconds', async () => {
    const { app } = appWithRoutes();
    const res = await call(app, { method: 'GET', url: '/throttled' });
    assert.equal(res.status, 429);
    assert.equal(res.headers['retry-after'], '3');
    assert.equal(res.body.error.details?.retryAfterSeconds, 2.2);
  });

  test("classify names the answer to the caller's own failures; quiet ones are left to the caller to log", async () => {
    for (const quiet of [false, true]) {
      const { app, logs } = appWithRoutes({
        classify: (err) =>
          err instanceof Error && err.message.startsWith('database unreachable')
            ? { code: 'UNAVAILABLE', message: 'the database cannot be reached; try again', quiet }
            : undefined,
      });
      const res = await call(app, { method: 'GET', url: '/classified' });
      assert.equal(res.status, 503);
      assert.deepEqual(
        [res.body.error.code, res.body.error.message],
        ['UNAVAILABLE', 'the database cannot be reached; try again'],
      );
      assert.ok(!res.raw.includes('10.0.0.7'), 'the underlying message stays out of the answer');
      assert.equal(
        logs.some((l) => l.includes('10.0.0.7')),
        !quiet,
        `logged unless quiet (quiet: ${quiet})`,
      );
      // What classify does not recognise is still a generic 500.
      const unknown = await call(app, { method: 'GET', url: '/unknown' });
      assert.equal(unknown.status, 500);
    }
  });

  test('an unknown route is 404 NOT_FOUND in the envelope', async () => {
    const { app } = appWithRoutes();
    const res = await call(app, { method: 'GET', url: '/nowhere' });
    assert.equal(res.status, 404);
    assert.deepEqual([res.body.error.code, res.body.error.message], ['NOT_FOUND', 'no route GET /nowhere']);
  });

  test('routing refusals: a path parameter past the router limit is 414, a URL that does not decode is 400', async () => {
    const { app } = appWithRoutes();
    const long = await call(app, { method: 'GET', url: `/items/${'a'.repeat(40)}` });
    assert.equal(long.status, 414);
    assert.equal(long.body.error.code, 'URI_TOO_LONG');
    const bad = await call(app, { method: 'GET', url: '/items/%E0%A4%A' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'BAD_REQUEST');
    assert.match(bad.body.error.message, /does not decode/);
  });

  test('while the listener closes, a request on an open connection is 503 UNAVAILABLE and the connection closes', async () => {
    const { app } = appWithRoutes();
    const request = 'GET /items/1 HTTP/1.1\r\nHost: x\r\n\r\n';
    let connection: Awaited<ReturnType<typeof keptAliveConnection>> | undefined;
    let during: string | undefined;
    // Hooks run in the order added: installErrorHandling's has already marked the listener closing.
    app.addHook('preClose', async () => {
      during = await connection?.exchange(request);
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    connection = await keptAliveConnection(port);
    assert.match(await connection.exchange(request), /^HTTP\/1\.1 200 /, 'served before the close');
    await app.close();
    assert.match(during ?? '', /^HTTP\/1\.1 503 /);
    assert.match(during ?? '', /\r\nconnection: close\r\n/i);
    const body = JSON.parse(during!.slice(during!.indexOf('\r\n\r\n') + 4)) as Envelope;
    assert.equal(body.error.code, 'UNAVAILABLE');
    connection.socket.destroy();
  });
});

/** A keep-alive connection on which one request at a time is sent and its whole answer read. */
function keptAliveConnection(port: number): Promise<{ socket: Socket; exchange: (bytes: string) => Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve({ socket, exchange }));
    socket.once('error', reject);
    socket.setEncoding('utf8');
    function exchange(bytes: string): Promise<string> {
      return new Promise((done) => {
        let answer = '';
        const onData = (d: string) => {
          answer += d;
          const head = answer.indexOf('\r\n\r\n');
          const length = /\r\ncontent-length: (\d+)\r\n/i.exec(answer.slice(0, head));
          if (head >= 0 && length && Buffer.byteLength(answer.slice(head + 4)) >= Number(length[1])) {
            socket.off('data', onData);
            done(answer);
          }
        };
        socket.on('data', onData);
        socket.write(bytes);
      });
    }
  });
}

/** Writes raw bytes to a listener and reads everything it answers until it closes the socket. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      answer += d;
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.write(bytes);
  });
}

describe('refusals of the HTTP parser (clientErrorHandler)', () => {
  test('a request that is not HTTP/1.1 is 400 and one with oversized headers is 431, both in the envelope', async () => {
    const { app } = appWithRoutes();
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };

    const garbage = await rawExchange(port, 'NOT HTTP AT ALL\r\n\r\n');
    assert.match(garbage, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(garbage, /\r\nConnection: close\r\n/);
    const garbageBody = JSON.parse(garbage.slice(garbage.indexOf('\r\n\r\n') + 4)) as Envelope;
    assert.deepEqual(garbageBody, {
      error: { code: 'BAD_REQUEST', message: 'the request is not well-formed HTTP/1.1' },
    });

    const huge = await rawExchange(port, `GET /items/1 HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    assert.match(huge, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    const hugeBody = JSON.parse(huge.slice(huge.indexOf('\r\n\r\n') + 4)) as Envelope;
    assert.equal(hugeBody.error.code, 'HEADERS_TOO_LARGE');
  });
});
