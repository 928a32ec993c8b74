import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TesseraError } from '@tessera/core';
import { readTextFile, removeFile, writeFileAtomic } from './files.js';

/** Names of the files in a Cloud node's data directory (DESIGN §3, §7). */
export const CLOUD_FILES = {
  /** The default SQLite database (`--db` overrides). */
  database: 'cloud.db',
  /** The vendor signing key (PKCS#8 PEM, 0600) and its public half (SPKI PEM). */
  vendorKey: 'vendor.key',
  vendorPub: 'vendor.pub',
  lock: 'lock',
  runtime: 'cloud.json',
  /** This node's id, made at first start. */
  nodeId: 'node-id',
  initialPassword: 'initial-admin-password',
  adminToken: 'admin.token',
} as const;

/** What a running node publishes about itself in `DIR/cloud.json`. */
export interface CloudRuntimeInfo {
  pid: number;
  nonce: string;
  nodeId: string;
  /** The listener's URL (vendor API, client protocol, portal). */
  url: string;
  /** The same Cloud's other nodes share this prefix: a customer's pool id is `PREFIX.CUSTOMER_ID`. */
  poolIdPrefix: string;
  /** Kid (RFC 7638 thumbprint) of the vendor signing key. */
  vendorKeyId: string;
  database: string;
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
 * An exclusive lock on the data directory, held by a running node. A lock left by a dead
 * process (kill -9) is taken over.
 */
export class DataDirLock {
  private constructor(private readonly path: string) {}

  static acquire(dir: string, holder: string): DataDirLock {
    const path = join(dir, CLOUD_FILES.lock);
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

/** This data dir's node id, made once (`node_` + 96 random bits). */
export function loadOrCreateNodeId(dir: string): string {
  const path = join(dir, CLOUD_FILES.nodeId);
  const existing = readTextFile(path);
  if (existing && /^node_[a-z0-9]{8,64}$/.test(existing)) return existing;
  const id = `node_${randomBytes(12).toString('hex')}`;
  writeFileAtomic(path, `${id}\n`, 0o600);
  return id;
}

export function writeRuntimeInfo(dir: string, info: CloudRuntimeInfo): void {
  writeFileAtomic(join(dir, CLOUD_FILES.runtime), `${JSON.stringify(info, null, 2)}\n`, 0o600);
}

/** The `cloud.json` of a data dir, if a node wrote one. */
export function readCloudRuntimeInfo(dir: string): CloudRuntimeInfo | undefined {
  try {
    return JSON.parse(readFileSync(join(resolve(dir), CLOUD_FILES.runtime), 'utf8')) as CloudRuntimeInfo;
  } catch {
    return undefined;
  }
}

export function removeRuntimeInfo(dir: string, nonce: string): void {
  if (readCloudRuntimeInfo(dir)?.nonce === nonce) {
    try {
      unlinkSync(join(dir, CLOUD_FILES.runtime));
    } catch {}
  }
}
