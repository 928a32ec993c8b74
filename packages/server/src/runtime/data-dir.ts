import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { TesseraError } from '@tessera/core';
import { writeFileAtomic } from './files.js';

/** Names of the files in a License Server data directory (DESIGN §7). */
export const DATA_FILES = {
  database: 'tessera.db',
  key: 'server.key',
  lock: 'lock',
  runtime: 'server.json',
  initialPassword: 'initial-admin-password',
  adminToken: 'admin.token',
} as const;

/** What a running server publishes about itself in `DIR/server.json`. */
export interface RuntimeInfo {
  pid: number;
  nonce: string;
  serverId: string;
  clientUrl: string;
  adminUrl: string;
  startedAt: string;
  version: string;
}

export function prepareDataDir(dir: string): string {
  const abs = resolve(dir);
  mkdirSync(abs, { recursive: true, mode: 0o700 });
  chmodSync(abs, 0o700);
  return abs;
}

/**
 * An exclusive lock on the data directory, held by a running server or by a CLI command
 * that opens the directory itself. A lock left by a dead process (kill -9) is taken over.
 */
export class DataDirLock {
  private constructor(private readonly path: string) {}

  static acquire(dir: string, holder: string): DataDirLock {
    const path = join(dir, DATA_FILES.lock);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx', 0o600);
        writeSync(fd, JSON.stringify({ pid: process.pid, holder }));
        closeSync(fd);
        return new DataDirLock(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const owner = readLockOwner(path);
        if (owner && owner.pid !== process.pid && isAlive(owner.pid)) {
          throw new TesseraError(
            'DATA_DIR_LOCKED',
            `data directory ${dir} is in use by ${owner.holder} (pid ${owner.pid})`,
          );
        }
        try {
          unlinkSync(path); // stale: its process is gone
        } catch {}
      }
    }
    throw new TesseraError('DATA_DIR_LOCKED', `could not lock data directory ${dir}`);
  }

  release(): void {
    try {
      const owner = readLockOwner(this.path);
      if (owner?.pid === process.pid) unlinkSync(this.path);
    } catch {}
  }
}

function readLockOwner(path: string): { pid: number; holder: string } | undefined {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown; holder?: unknown };
    return typeof v.pid === 'number' ? { pid: v.pid, holder: String(v.holder ?? 'another process') } : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function writeRuntimeInfo(dir: string, info: RuntimeInfo): void {
  writeFileAtomic(join(dir, DATA_FILES.runtime), `${JSON.stringify(info, null, 2)}\n`, 0o600);
}

export function readRuntimeInfo(dir: string): RuntimeInfo | undefined {
  try {
    return JSON.parse(readFileSync(join(resolve(dir), DATA_FILES.runtime), 'utf8')) as RuntimeInfo;
  } catch {
    return undefined;
  }
}

export function removeRuntimeInfo(dir: string, nonce: string): void {
  const info = readRuntimeInfo(dir);
  if (info?.nonce === nonce) {
    try {
      unlinkSync(join(dir, DATA_FILES.runtime));
    } catch {}
  }
}

/** Writes a secret file once, mode 0600; false when it already exists. */
export function writeSecretFileOnce(path: string, secret: string): boolean {
  if (existsSync(path)) return false;
  writeFileAtomic(path, `${secret}\n`, 0o600, { exclusive: true });
  return true;
}

export function readSecretFile(path: string): string | undefined {
  try {
    const st = statSync(path);
    if (!st.isFile()) return undefined;
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}
