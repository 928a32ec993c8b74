import { existsSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  DataDirLock,
  prepareDataDir,
  readRuntimeFile,
  readTextFile,
  removeRuntimeFile,
  writeFileAtomic,
  writeRuntimeFile,
} from '@tessera/service-kit';
import type { AdminSecretFiles, SecretFile } from '../domain/auth-service.js';

export { DataDirLock, prepareDataDir };

/** Names of the files in a License Server data directory (docs/cli.md). */
export const DATA_FILES = {
  database: 'tessera.db',
  key: 'server.key',
  lock: DataDirLock.FILE,
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

export function writeRuntimeInfo(dir: string, info: RuntimeInfo): void {
  writeRuntimeFile(join(dir, DATA_FILES.runtime), info);
}

export function readRuntimeInfo(dir: string): RuntimeInfo | undefined {
  return readRuntimeFile<RuntimeInfo>(join(resolve(dir), DATA_FILES.runtime));
}

export function removeRuntimeInfo(dir: string, nonce: string): void {
  removeRuntimeFile(join(dir, DATA_FILES.runtime), nonce);
}

/** The admin credentials' secret files in data dir `dir`. */
export function adminSecretFiles(dir: string): AdminSecretFiles {
  return {
    initialPassword: secretFile(join(dir, DATA_FILES.initialPassword)),
    adminToken: secretFile(join(dir, DATA_FILES.adminToken)),
  };
}

/** A secret file at `path`: one line, mode 0600, written atomically. */
function secretFile(path: string): SecretFile {
  return {
    read: () => readTextFile(path),
    writeOnce(secret) {
      if (existsSync(path)) return false;
      writeFileAtomic(path, `${secret}\n`, 0o600, { exclusive: true });
      return true;
    },
    replace(secret) {
      writeFileAtomic(path, `${secret}\n`, 0o600);
    },
    remove() {
      try {
        unlinkSync(path);
      } catch {}
    },
  };
}
