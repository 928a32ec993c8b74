import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TesseraError } from '@tessera/core';
import { removeFile, writeFileAtomic } from './files.js';

/** Makes (or tightens) a data directory: mode 0700, since it holds keys and secrets. */
export function prepareDataDir(dir: string): string {
  const abs = resolve(dir);
  mkdirSync(abs, { recursive: true, mode: 0o700 });
  chmodSync(abs, 0o700);
  return abs;
}

/**
 * An exclusive lock on a data directory (the file `DIR/lock`), held by a running server or
 * node, or by a CLI command that opens the directory itself. A lock left by a dead process
 * (kill -9) is taken over.
 */
export class DataDirLock {
  static readonly FILE = 'lock';

  private constructor(private readonly path: string) {}

  static acquire(dir: string, holder: string): DataDirLock {
    const path = join(dir, DataDirLock.FILE);
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
        removeFile(path); // stale: its process is gone
      }
    }
    throw new TesseraError('DATA_DIR_LOCKED', `could not lock data directory ${dir}`);
  }

  release(): void {
    const owner = readLockOwner(this.path);
    if (owner?.pid === process.pid) removeFile(this.path);
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
