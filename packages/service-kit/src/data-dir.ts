import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TesseraError } from '@tessera/core';
import Database from 'better-sqlite3';
import { removeFile, writeFileAtomic } from './files.js';

/** Makes (or tightens) a data directory: mode 0700, since it holds keys and secrets. */
export function prepareDataDir(dir: string): string {
  const abs = resolve(dir);
  mkdirSync(abs, { recursive: true, mode: 0o700 });
  chmodSync(abs, 0o700);
  return abs;
}

/**
 * An exclusive lock on a data directory, held by a running server or node, or by a CLI command
 * that opens the directory itself.
 *
 * The lock is an operating-system lock that dies with its process: SQLite's own file lock
 * (POSIX `fcntl` on Unix, `LockFileEx` on Windows) on `DIR/lock.sqlite`, taken in exclusive
 * locking mode and held by an open connection for as long as the holder lives. The kernel drops
 * it when the process exits, however it exits (kill -9 included, before the process is even
 * reaped), so a lock can never outlive its holder and a live process that merely reuses a dead
 * holder's pid cannot keep it. We use SQLite because better-sqlite3 already ships with both
 * programs; Node has no `flock`. `DIR/lock` says who holds it (pid, program, since), for people
 * and for the refusal message; it is never trusted to decide anything.
 */
export class DataDirLock {
  /** Who holds the lock: `{ pid, holder, since }`. Informational. */
  static readonly FILE = 'lock';
  /** What holds the lock: a small SQLite file, never removed (removing a lock file races). */
  static readonly LOCK_DATABASE = 'lock.sqlite';

  private released = false;

  private constructor(
    private readonly db: Database.Database,
    private readonly infoPath: string,
    private readonly nonce: string,
  ) {}

  static acquire(dir: string, holder: string): DataDirLock {
    const lockPath = join(dir, DataDirLock.LOCK_DATABASE);
    const infoPath = join(dir, DataDirLock.FILE);
    // No busy timeout: a held lock is answered at once, not after a wait.
    const db = new Database(lockPath, { timeout: 0 });
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('journal_mode = MEMORY');
      // The first write in exclusive locking mode takes the EXCLUSIVE lock and keeps it until close.
      db.exec('BEGIN EXCLUSIVE');
      db.pragma('user_version = 1');
      db.exec('COMMIT');
    } catch (err) {
      db.close();
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))) {
        const owner = readLockOwner(infoPath);
        throw new TesseraError(
          'DATA_DIR_LOCKED',
          owner
            ? `data directory ${dir} is in use by ${owner.holder} (pid ${owner.pid})`
            : `data directory ${dir} is in use by another process`,
        );
      }
      throw err;
    }
    try {
      chmodSync(lockPath, 0o600);
    } catch {}
    const nonce = randomBytes(9).toString('base64url');
    const info: LockOwner = { pid: process.pid, holder, since: new Date().toISOString(), nonce };
    try {
      writeFileAtomic(infoPath, `${JSON.stringify(info)}\n`, 0o600);
    } catch {
      // Only the message another process shows depends on it; the lock is held all the same.
    }
    return new DataDirLock(db, infoPath, nonce);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    if (readLockOwner(this.infoPath)?.nonce === this.nonce) removeFile(this.infoPath);
    this.db.close();
  }
}

interface LockOwner {
  pid: number;
  holder: string;
  since?: string;
  nonce?: string;
}

function readLockOwner(path: string): LockOwner | undefined {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown; holder?: unknown; nonce?: unknown };
    if (typeof v.pid !== 'number') return undefined;
    return {
      pid: v.pid,
      holder: String(v.holder ?? 'another process'),
      ...(typeof v.nonce === 'string' ? { nonce: v.nonce } : {}),
    };
  } catch {
    return undefined;
  }
}

/**
 * The file a running process publishes about itself (`server.json`, `cloud.json`): bound
 * addresses, pid and an instance nonce that the CLI checks at `/healthz`.
 */
export interface RuntimeFile {
  nonce: string;
}

export function writeRuntimeFile(path: string, info: RuntimeFile): void {
  writeFileAtomic(path, `${JSON.stringify(info, null, 2)}\n`, 0o600);
}

export function readRuntimeFile<T extends RuntimeFile>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Removes the runtime file if it is still this instance's (a newer process may have replaced it). */
export function removeRuntimeFile(path: string, nonce: string): void {
  if (readRuntimeFile(path)?.nonce === nonce) removeFile(path);
}
