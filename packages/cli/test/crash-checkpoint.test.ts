import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import {
  checkout,
  cleanup,
  cliJson,
  features,
  heartbeat,
  issueInProcess,
  release,
  startServer,
  tempDir,
  vendorKeyInProcess,
} from './support.js';

after(cleanup);

describe('crashes during a WAL checkpoint', () => {
  test('kill -9 while the checkpoint worker copies the WAL loses no acknowledged lease and no acknowledged release', {
    timeout: 60_000,
  }, async () => {
    const work = tempDir();
    const data = join(work, 'srv');
    const vendor = vendorKeyInProcess(join(work, 'vendor'));
    const setup = await startServer(data, { vendorKeys: [vendor.pub] });
    await cliJson(['server-id', '--data', data, '--out', join(work, 'info.bts')]);
    const lic = join(work, 'a.lic');
    await issueInProcess(vendor, join(work, 'info.bts'), lic, ['asr=100000']);
    await cliJson(['license', 'install', lic, '--data', data]);
    await setup.stop();

    // The knob kills the process as the worker starts its first checkpoint after 200 commits:
    // these clients have then committed hundreds of checkouts and releases, which that
    // checkpoint is copying into the database file.
    const crashing = await startServer(data, {
      vendorKeys: [vendor.pub],
      env: { TESSERA_TEST_CRASH_AT: 'wal-checkpoint' },
    });
    const held = new Set<string>();
    const released = new Set<string>();
    /** Releases sent but not answered: on disk either way. */
    const releasing = new Set<string>();
    const statuses: number[] = [];
    let unanswered = 0;
    let dead = false;
    const client = async (n: number) => {
      for (let i = 0; !dead; i++) {
        const r = await checkout(crashing.clientUrl, 'asr', 1, `c${n}`).catch(() => undefined);
        if (!r) {
          dead = true;
          unanswered++;
          return;
        }
        if (r.status !== 201) statuses.push(r.status);
        if (r.status !== 201 || i % 3 !== 0) {
          if (r.status === 201) held.add(r.body.leaseId);
          continue;
        }
        const leaseId = r.body.leaseId;
        const gone = await release(crashing.clientUrl, leaseId).catch(() => undefined);
        if (!gone) {
          dead = true;
          releasing.add(leaseId);
          return;
        }
        if (gone.status === 204) released.add(leaseId);
        else statuses.push(gone.status);
      }
    };
    await Promise.all(Array.from({ length: 16 }, (_, n) => client(n)));
    const died = await crashing.exited;
    assert.equal(died.signal, 'SIGKILL', `the server killed itself at the crash point:\n${crashing.log()}`);
    assert.deepEqual(statuses, [], 'every answer before the kill was 201 or 204');
    assert.ok(
      held.size > 100 && released.size > 50,
      `enough traffic before the kill (${held.size} held, ${released.size} released)`,
    );

    const second = await startServer(data, { vendorKeys: [vendor.pub] });
    const inUse = (await features(second.clientUrl)).features.find((f) => f.feature === 'asr')?.inUse ?? -1;
    // Checkouts and releases the server committed but had not answered may go either way; nothing else.
    assert.ok(
      inUse >= held.size && inUse <= held.size + releasing.size + unanswered,
      `seats in use ${inUse}: the ${held.size} acknowledged, plus at most ${releasing.size + unanswered} unanswered`,
    );
    for (const leaseId of held) {
      assert.equal((await heartbeat(second.clientUrl, leaseId)).status, 200, `acknowledged lease ${leaseId} is held`);
    }
    for (const leaseId of released) {
      assert.equal(
        (await heartbeat(second.clientUrl, leaseId)).status,
        410,
        `released lease ${leaseId} stays released`,
      );
    }
    await second.stop();
    const db = new Database(join(data, 'tessera.db'), { readonly: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    } finally {
      db.close();
    }
  });
});
