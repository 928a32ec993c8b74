/**
 * A real full disk under a real server: its data dir on a small tmpfs that the test fills.
 * A failed uninstall changes nothing (holders keep their seats, none is handed out twice), the
 * server serves again by itself once space returns, and after kill -9 and a restart the leases
 * on disk are exactly the acknowledged ones. Mounting a tmpfs needs root (CAP_SYS_ADMIN): where
 * that is refused, the test says so and skips; `packages/server/src/services/disk-full.test.ts`
 * runs the same rules everywhere on a SQLite-level full disk.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import {
  checkout,
  cleanup,
  cli,
  cliJson,
  features,
  heartbeat,
  issueInProcess,
  startServer,
  tempDir,
  vendorKeyInProcess,
} from './support.js';

const mounts: string[] = [];
after(async () => {
  await cleanup(); // the servers first: they hold files on the mounts
  for (const m of mounts) {
    try {
      execFileSync('umount', ['-l', m], { stdio: 'ignore' });
    } catch {}
    rmSync(m, { recursive: true, force: true });
  }
});

/** A tmpfs of `size` at a fresh directory, or the reason there cannot be one. */
function mountTmpfs(size: string): { dir: string } | { refused: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-small-disk-'));
  mounts.push(dir);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    return { refused: (err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message };
  }
  return { dir };
}

/** Checkpoints a database's WAL into it and truncates the WAL file to nothing. */
function truncateWal(path: string): void {
  const db = new Database(path, { timeout: 5_000 });
  try {
    const [r] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
    assert.equal(r?.busy, 0, 'the WAL checkpoint was not blocked');
  } finally {
    db.close();
  }
}

/** Writes to `path` until the filesystem is full, to the last byte. */
function fillUp(path: string): void {
  const fd = openSync(path, 'w');
  try {
    for (const chunk of [1 << 20, 1 << 16, 1 << 12, 1 << 8, 1]) {
      const buf = Buffer.alloc(chunk, 0x5a);
      for (;;) {
        try {
          writeSync(fd, buf);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

test('a failed uninstall on a full disk changes nothing; the server goes on when space returns; a restart keeps what was acknowledged', {
  timeout: 90_000,
}, async (t) => {
  const disk = mountTmpfs('48m');
  if ('refused' in disk) {
    t.skip(`a tmpfs cannot be mounted here (${disk.refused}); the SQLite-level full disk tests still run`);
    return;
  }
  const work = tempDir();
  const data = join(disk.dir, 'srv');
  const vendor = vendorKeyInProcess(join(work, 'vendor'));
  const first = await startServer(data, { vendorKeys: [vendor.pub] });
  await cliJson(['server-id', '--data', data, '--out', join(work, 'info.bts')]);
  const lic = join(work, 'a.lic');
  const licenseId = await issueInProcess(vendor, join(work, 'info.bts'), lic, ['asr=5']);
  await cliJson(['license', 'install', lic, '--data', data]);
  const a = (await checkout(first.clientUrl, 'asr', 1, 'a')).body.leaseId;
  const b = (await checkout(first.clientUrl, 'asr', 1, 'b')).body.leaseId;

  // The server's WAL is emptied first (a checkpoint from a connection of our own): otherwise the
  // uninstall's pages may overwrite WAL frames already checkpointed, in place, needing no new
  // space, and succeed on a full disk, as SQLite is entitled to.
  truncateWal(join(data, 'tessera.db'));
  const filler = join(disk.dir, 'filler');
  fillUp(filler);
  const uninstall = await cli(['license', 'uninstall', licenseId, '--data', data, '--out', join(work, 'a.uninstall')]);
  assert.equal(uninstall.code, 1, `the uninstall fails: ${uninstall.stdout}`);
  for (const id of [a, b]) {
    const beat = await heartbeat(first.clientUrl, id);
    assert.equal(beat.status, 200, `still held, not ${JSON.stringify(beat.body)}`);
  }
  assert.match(uninstall.stderr, /disk .* is full .*nothing was changed.*\(STORAGE_FULL\)/);
  const denied = await checkout(first.clientUrl, 'asr', 1, 'c');
  assert.equal(denied.status, 503);
  assert.deepEqual(denied.body.error, {
    ...denied.body.error,
    code: 'UNAVAILABLE',
    reason: 'STORAGE_FULL',
  });
  assert.equal((await features(first.clientUrl)).features[0]?.inUse, 2);

  rmSync(filler);
  const more: string[] = [];
  for (const id of ['c', 'd', 'e']) {
    const r = await checkout(first.clientUrl, 'asr', 1, id);
    assert.equal(r.status, 201, `checkout ${id} once space is back`);
    more.push(r.body.leaseId);
  }
  const none = await checkout(first.clientUrl, 'asr', 1, 'f');
  assert.equal(none.body.error?.code, 'NO_SEATS', 'five seats, five leases');
  const failures = first.log().match(/writes to the data directory fail/g) ?? [];
  assert.equal(failures.length, 1, `the outage is logged once:\n${first.log()}`);
  await first.kill9();

  const second = await startServer(data, { vendorKeys: [vendor.pub] });
  assert.equal((await features(second.clientUrl)).features[0]?.inUse, 5);
  for (const id of [a, b, ...more]) {
    assert.equal((await heartbeat(second.clientUrl, id)).status, 200, `acknowledged lease ${id} is held`);
  }
  assert.doesNotMatch(second.log(), /revoked at start/, 'no lease had to be revoked at start');
  const done = await cliJson<{ revokedLeases: number }>([
    'license',
    'uninstall',
    licenseId,
    '--data',
    data,
    '--out',
    join(work, 'a.uninstall'),
  ]);
  assert.equal(done.revokedLeases, 5);
  const gone = await heartbeat(second.clientUrl, a);
  assert.equal(gone.body.error?.reason, 'LICENSE_UNINSTALLED');
  await second.stop();
});
