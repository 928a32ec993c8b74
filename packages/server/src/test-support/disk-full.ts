import type { Db } from '../store/db.js';

/** Big enough to need several new pages whatever the page size. */
const BLOB_BYTES = 256 * 1024;

export interface FullDisk {
  /** Space returns: the limit is lifted and the filler removed. */
  release(): void;
}

/**
 * Makes the database behave as on a full disk, through SQLite itself: every write to any of
 * its tables needs new pages (a trigger adds a large blob), no page is free any more, and
 * `max_page_count` forbids the file to grow. So every write transaction fails with SQLite's
 * own SQLITE_FULL, however small, and `release` gives the room back. `max_page_count` holds for
 * this connection only: pass the connection the server writes with.
 */
export function fillDisk(db: Db): FullDisk {
  const tables = db
    .prepare<[], string>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'test_disk_filler'",
    )
    .pluck()
    .all();
  db.exec('CREATE TABLE IF NOT EXISTS test_disk_filler (b BLOB)');
  const triggers: string[] = [];
  for (const t of tables) {
    for (const op of ['INSERT', 'UPDATE', 'DELETE']) {
      const name = `test_disk_full_${t}_${op.toLowerCase()}`;
      db.exec(
        `CREATE TRIGGER ${name} AFTER ${op} ON "${t}" BEGIN INSERT INTO test_disk_filler VALUES (zeroblob(${BLOB_BYTES})); END`,
      );
      triggers.push(name);
    }
  }
  const pages = db.pragma('page_count', { simple: true }) as number;
  db.pragma(`max_page_count = ${pages}`);
  // Use up the free pages, down to fewer than one blob needs.
  const fill = db.prepare('INSERT INTO test_disk_filler VALUES (zeroblob(4096))');
  for (;;) {
    try {
      fill.run();
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_FULL') break;
      throw err;
    }
  }
  return {
    release() {
      db.pragma('max_page_count = 1073741823');
      for (const name of triggers) db.exec(`DROP TRIGGER IF EXISTS ${name}`);
      db.exec('DELETE FROM test_disk_filler');
    },
  };
}
