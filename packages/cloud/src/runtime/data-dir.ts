import { randomBytes } from 'node:crypto';
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

export { DataDirLock, prepareDataDir };

/** Names of the files in a Cloud node's data directory (docs/cloud.md, docs/cli.md). */
export const CLOUD_FILES = {
  /** The default SQLite database (`--db` overrides). */
  database: 'cloud.db',
  /** The vendor signing key (PKCS#8 PEM, 0600) and its public half (SPKI PEM). */
  vendorKey: 'vendor.key',
  vendorPub: 'vendor.pub',
  lock: DataDirLock.FILE,
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
  writeRuntimeFile(join(dir, CLOUD_FILES.runtime), info);
}

/** The `cloud.json` of a data dir, if a node wrote one. */
export function readCloudRuntimeInfo(dir: string): CloudRuntimeInfo | undefined {
  return readRuntimeFile<CloudRuntimeInfo>(join(resolve(dir), CLOUD_FILES.runtime));
}

export function removeRuntimeInfo(dir: string, nonce: string): void {
  removeRuntimeFile(join(dir, CLOUD_FILES.runtime), nonce);
}
