/**
 * `classifyDbOutage`: errors sorted by what they mean. Real errors where this machine can make
 * them without altering anything shared (a closed port, our own session's statement timeout,
 * a temporary sequence, two SQLite connections, SQLite's page limit); the driver's shapes for
 * the rest (a server starting up, a database dropped under us, a full disk on the server).
 * `packages/cloud/src/http/db-outage.test.ts` produces the connection-level kinds on a real server.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { TEST_PG_URL } from '../test-support/db.js';
import { classifyDbOutage, DB_OUTAGE_MESSAGES, isDbUnavailableError } from './db.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-outage-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function pgError(sql: string[], url = TEST_PG_URL): Promise<unknown> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    for (const q of sql) await c.query(q);
  } catch (err) {
    return err;
  } finally {
    await c.end().catch(() => {});
  }
  assert.fail(`no error from ${sql.join('; ')}`);
}

describe('classifyDbOutage', () => {
  test('a refused connection is a connection outage', async () => {
    const err = await pgError(['select 1'], 'postgres://postgres@127.0.0.1:1/test');
    assert.equal(classifyDbOutage(err)?.kind, 'connection');
    assert.equal(classifyDbOutage(err)?.message, DB_OUTAGE_MESSAGES.connection);
  });

  test('our statement timeout is a timeout; refused queries are no outage', async () => {
    const timeout = await pgError(['set statement_timeout = 50', 'select pg_sleep(2)']);
    assert.equal((timeout as { code?: string }).code, '57014');
    assert.equal(classifyDbOutage(timeout)?.kind, 'timeout');
    // 55000 from a query (not at connect time) is a bug of ours, not an outage: it stays a 500.
    const notYet = await pgError(['create temporary sequence tessera_s', "select currval('tessera_s')"]);
    assert.equal((notYet as { code?: string }).code, '55000');
    assert.equal(classifyDbOutage(notYet), undefined);
    const missingTable = await pgError(['select * from tessera_no_such_table']);
    assert.equal(isDbUnavailableError(missingTable), false);
    const duplicate = await pgError([
      'create temporary table tessera_u (x int primary key)',
      'insert into tessera_u values (1), (1)',
    ]);
    assert.equal(classifyDbOutage(duplicate), undefined);
  });

  test('SQLite: a file locked by another connection, and a full one', () => {
    const path = join(dir, 'a.db');
    const a = new Database(path);
    const b = new Database(path, { timeout: 0 });
    a.exec('create table t (x blob)');
    a.exec('begin exclusive');
    let busy: unknown;
    try {
      b.exec('insert into t values (1)');
    } catch (err) {
      busy = err;
    }
    a.exec('rollback');
    assert.equal(classifyDbOutage(busy)?.kind, 'locked');
    b.pragma(`max_page_count = ${b.pragma('page_count', { simple: true })}`);
    let full: unknown;
    try {
      b.prepare('insert into t values (zeroblob(65536))').run();
    } catch (err) {
      full = err;
    }
    assert.equal((full as { code?: string }).code, 'SQLITE_FULL');
    assert.equal(classifyDbOutage(full)?.kind, 'storage');
    a.close();
    b.close();
  });

  test('the driver shapes of the kinds this machine cannot make on demand', () => {
    const fatal = (code: string, message = 'x') => Object.assign(new Error(message), { code, severity: 'FATAL' });
    const cases: [unknown, string | undefined][] = [
      [fatal('57P03', 'the database system is starting up'), 'shutdown'],
      [fatal('57P02', 'terminating connection because of crash of another server process'), 'shutdown'],
      [fatal('57P04', 'terminating connection due to database being dropped'), 'database-missing'],
      [fatal('3D000', 'database "x" does not exist'), 'database-missing'],
      [fatal('28P01', 'password authentication failed for user "x"'), 'authentication'],
      [fatal('55000', 'database "x" is not currently accepting connections'), 'not-accepting'],
      [fatal('53300', 'sorry, too many clients already'), 'resources'],
      [Object.assign(new Error('could not extend file'), { code: '53100', severity: 'ERROR' }), 'resources'],
      [Object.assign(new Error('cannot execute INSERT in a read-only transaction'), { code: '25006' }), 'read-only'],
      [Object.assign(new Error('connection failure'), { code: '08006' }), 'connection'],
      [fatal('XX000', 'some internal error that ended the session'), 'connection'],
      [new Error('Connection terminated unexpectedly'), 'connection'],
      [new Error('timeout exceeded when trying to connect'), 'connection'],
      [new Error('wrapped', { cause: fatal('28000', 'role "x" is not permitted to log in') }), 'authentication'],
      [Object.assign(new Error('duplicate key'), { code: '23505', severity: 'ERROR' }), undefined],
      [new Error('something else'), undefined],
      ['not an error', undefined],
    ];
    for (const [err, kind] of cases) {
      assert.equal(classifyDbOutage(err)?.kind, kind, String((err as Error).message ?? err));
    }
    const o = classifyDbOutage(fatal('55000', 'database "x" is not currently accepting connections'));
    assert.deepEqual(o, {
      kind: 'not-accepting',
      message: 'the license database is not accepting connections now; try again',
      cause: '55000: database "x" is not currently accepting connections',
    });
  });
});
