/**
 * How `--data DIR` finds the License Server or Cloud node running on DIR (runtime file, nonce at
 * /healthz, token file), and what each command says when it finds none, pinned for both.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DataDirLock } from '@tessera/service-kit';
import { openAdminTarget } from './admin-target.js';
import { openCloudTarget } from './cloud-target.js';

/** A stand-in process: `/healthz` answers `status` with `nonce`. */
let health: { status: number; nonce: string } = { status: 200, nonce: 'n-1' };
let http: Server;
let url: string;
/** A URL where nothing listens. */
let deadUrl: string;
const dirs: string[] = [];

before(async () => {
  http = createServer((_req, res) => {
    res.writeHead(health.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok', nonce: health.nonce }));
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  deadUrl = `http://127.0.0.1:${(closed.address() as { port: number }).port}`;
  await new Promise((r) => closed.close(r));
});
after(() => {
  http.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function dataDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-target-test-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('--data DIR of a Cloud node', () => {
  const open = (dir: string) => openCloudTarget({ data: dir });
  const start = (dir: string) => `start it with \`tessera cloud start --data ${dir}\`, or give --cloud URL --token T`;

  test('a node whose cloud.json names this instance is used, with DIR/admin.token', async () => {
    health = { status: 200, nonce: 'n-1' };
    const dir = dataDir({ 'cloud.json': JSON.stringify({ url, nonce: 'n-1' }), 'admin.token': 'tok\n' });
    assert.equal((await open(dir)).url, url);
  });

  test('no node, a silent one, another instance, an unreadable token: each said', async () => {
    health = { status: 200, nonce: 'n-1' };
    const missing = join(dataDir(), 'missing');
    await assert.rejects(open(missing), {
      message: `data directory ${missing} does not exist (\`tessera cloud start --data DIR\` creates one)`,
    });
    const none = dataDir();
    await assert.rejects(open(none), {
      message: `no Cloud node is running on ${none} (no cloud.json); ${start(none)}`,
    });
    const partial = dataDir({ 'cloud.json': JSON.stringify({ url }) });
    await assert.rejects(open(partial), {
      message: `no Cloud node is running on ${partial} (no cloud.json); ${start(partial)}`,
    });
    const dead = dataDir({ 'cloud.json': JSON.stringify({ url: deadUrl, nonce: 'n-1' }) });
    await assert.rejects(open(dead), {
      message: `no Cloud node answers on ${dead}: cloud.json names ${deadUrl}, which did not answer (ECONNREFUSED); ${start(dead)}`,
    });
    const other = dataDir({ 'cloud.json': JSON.stringify({ url, nonce: 'n-0' }) });
    await assert.rejects(open(other), {
      message: `no Cloud node is running on ${other}: ${url} is another instance than cloud.json names; ${start(other)}`,
    });
    const noToken = dataDir({ 'cloud.json': JSON.stringify({ url, nonce: 'n-1' }) });
    await assert.rejects(open(noToken), {
      message: `a Cloud node is running on ${noToken} (${url}), but its API token ${join(noToken, 'admin.token')} cannot be read (ENOENT)`,
    });
    health = { status: 503, nonce: 'n-1' };
    const failing = dataDir({ 'cloud.json': JSON.stringify({ url, nonce: 'n-1' }) });
    await assert.rejects(open(failing), {
      message: `no Cloud node answers on ${failing}: cloud.json names ${url}, which did not answer (HTTP 503); ${start(failing)}`,
    });
  });
});

describe('--data DIR of a License Server', () => {
  const open = (dir: string) => openAdminTarget({ data: dir, command: 'license list' });

  test('a server whose server.json names this instance is used through its admin API', async () => {
    health = { status: 200, nonce: 'n-1' };
    const dir = dataDir({ 'server.json': JSON.stringify({ adminUrl: url, nonce: 'n-1' }), 'admin.token': 'tok\n' });
    const target = await open(dir);
    assert.deepEqual([target.via, target.where], ['admin-api', url]);
  });

  test('a missing DIR, or a running server whose token cannot be read, is refused, not opened directly', async () => {
    health = { status: 200, nonce: 'n-1' };
    const missing = join(dataDir(), 'missing');
    await assert.rejects(open(missing), {
      message: `data directory ${missing} does not exist (a typo? \`tessera server start --data DIR\` creates one)`,
    });
    const dir = dataDir({ 'server.json': JSON.stringify({ adminUrl: url, nonce: 'n-1' }) });
    await assert.rejects(open(dir), {
      message: `a License Server is running on ${dir} (${url}), but its admin token ${join(dir, 'admin.token')} cannot be read (ENOENT)`,
    });
  });

  test('with none running, DIR is opened directly; when another process holds it, the lock error says why', async () => {
    // A real holder of the data-dir lock (an OS lock: a lock file alone holds nothing).
    const locked = (dir: string) => `data directory ${dir} is in use by another test (pid ${process.pid})`;
    const holding = async (dir: string, check: () => Promise<unknown>) => {
      const lock = DataDirLock.acquire(dir, 'another test');
      try {
        await check();
      } finally {
        lock.release();
      }
    };
    const cases: [Record<string, string>, (dir: string) => string][] = [
      [{}, (dir) => locked(dir)],
      [{ 'server.json': '{"pid": 1}' }, (dir) => `${locked(dir)}; server.json is not readable`],
      [
        { 'server.json': JSON.stringify({ adminUrl: deadUrl, nonce: 'n-1' }) },
        (dir) => `${locked(dir)}; its admin API at ${deadUrl} did not answer (ECONNREFUSED)`,
      ],
      [
        { 'server.json': JSON.stringify({ adminUrl: url, nonce: 'n-0' }) },
        (dir) => `${locked(dir)}; ${url} is another server instance than server.json names`,
      ],
    ];
    health = { status: 200, nonce: 'n-1' };
    for (const [files, message] of cases) {
      const dir = dataDir(files);
      await holding(dir, () => assert.rejects(open(dir), { code: 'DATA_DIR_LOCKED', message: message(dir) }));
    }
    health = { status: 503, nonce: 'n-1' };
    const failing = dataDir({ 'server.json': JSON.stringify({ adminUrl: url, nonce: 'n-1' }) });
    await holding(failing, () =>
      assert.rejects(open(failing), {
        code: 'DATA_DIR_LOCKED',
        message: `${locked(failing)}; ${url}/healthz answered 503`,
      }),
    );
  });
});
