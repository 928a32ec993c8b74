/**
 * Fixtures of the Cloud's tests: a vendor key, License Server identities and their signed
 * documents, services on a test store, actors. Built from core's public API only.
 */
import assert from 'node:assert/strict';
import type { KeyObject } from 'node:crypto';
import {
  type Clock,
  type ErrorCode,
  generateSigningKey,
  hashFactors,
  Keyring,
  PRODUCT_VERSION,
  publicKeyToJwk,
  type RawFactors,
  serverIdOf,
  signServerId,
  signUninstall,
  systemClock,
  TesseraError,
  thumbprint,
} from '@tessera/core';
import pino from 'pino';
import type { Actor } from '../domain/actor.js';
import { actorOf } from '../domain/auth-service.js';
import type { VendorSigner } from '../domain/deployment-service.js';
import { type CloudServices, createServices } from '../domain/services.js';
import type { Store } from '../store/store.js';

export const silentLogger = pino({ level: 'silent' });

export type TestVendor = VendorSigner & { publicKey: KeyObject; keyring: Keyring };

export async function newVendor(): Promise<TestVendor> {
  const { privateKey, publicKey } = generateSigningKey();
  return { privateKey, publicKey, kid: await thumbprint(privateKey), keyring: await Keyring.from([publicKey]) };
}

export const RAW_FACTORS: RawFactors = {
  machineId: 'b1946ac92492d2347c6235b4d2611184',
  macs: '02:42:ac:11:00:02',
  cpu: 'Test CPU x 4',
  productUuid: '4c4c4544-0042-3510-8052-b4c04f4e3232',
  rootFsId: '5f1c0a3e-6a55-4b1f-9f44-1b6c4c2a9d01',
  hostname: 'lic01.example',
};

/** A License Server identity that can sign its own documents. */
export interface TestLicenseServer {
  privateKey: KeyObject;
  publicKey: KeyObject;
  serverId: string;
  serverIdFile: string;
  /** Signs an uninstall certificate for `licenseId` rev `revision`. */
  uninstall(licenseId: string, revision: number): Promise<string>;
}

export async function newLicenseServer(
  hostName = 'lic01.example',
  createdAtMs = Date.now(),
  raw: RawFactors = { ...RAW_FACTORS, hostname: hostName },
): Promise<TestLicenseServer> {
  const { privateKey, publicKey } = generateSigningKey();
  const serverId = await serverIdOf(publicKey);
  const serverIdFile = await signServerId(
    {
      serverId,
      publicKeyJwk: await publicKeyToJwk(publicKey),
      factors: hashFactors(raw, serverId),
      hostName,
      productVersion: PRODUCT_VERSION,
      createdAt: new Date(createdAtMs).toISOString(),
    },
    privateKey,
  );
  return {
    privateKey,
    publicKey,
    serverId,
    serverIdFile,
    uninstall: (licenseId, revision) =>
      signUninstall({ licenseId, revision, serverId, uninstalledAt: new Date().toISOString() }, privateKey),
  };
}

/** Domain services on `store`, with a fresh vendor key; the first user is vendor staff `admin`. */
export async function servicesOn(
  store: Store,
  opts: {
    clock?: Clock;
    leaseSeconds?: number;
    heartbeatSeconds?: number;
    nodeId?: string;
    sweepMs?: number;
    vendor?: TestVendor;
  } = {},
): Promise<{ services: CloudServices; vendor: TestVendor; admin: Actor }> {
  const vendor = opts.vendor ?? (await newVendor());
  const services = createServices({
    store,
    clock: opts.clock ?? systemClock,
    poolIdPrefix: 'pool_test',
    signer: vendor,
    nodeId: opts.nodeId ?? 'node_test',
    leaseSeconds: opts.leaseSeconds ?? 120,
    heartbeatSeconds: opts.heartbeatSeconds ?? 30,
    logger: silentLogger,
    nodeUrls: async () => ['http://127.0.0.1:8600'],
    ...(opts.sweepMs !== undefined ? { sweepMs: opts.sweepMs } : {}),
  });
  await services.auth.bootstrapAdmin(store, () => {});
  const user = await store.users.byUsername('admin');
  return { services, vendor, admin: actorOf(user!, 'user') };
}

/** A customer user's actor (made through the service, as vendor staff would). */
export async function customerActor(
  services: CloudServices,
  admin: Actor,
  customerId: string,
  username: string,
): Promise<Actor> {
  const u = await services.auth.addUser(admin, {
    username,
    role: 'customer',
    customerId,
    password: 'a long enough password',
  });
  return { id: `user:${u.username}`, role: 'customer', customerId, userId: u.id, username: u.username };
}

/** Asserts that `p` rejects with a TesseraError of `code` (and `reason`, message pattern if given). */
export async function rejectsWith(
  p: Promise<unknown>,
  code: ErrorCode,
  opts: { reason?: string; message?: RegExp } = {},
): Promise<TesseraError> {
  let caught: TesseraError | undefined;
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof TesseraError, `expected a TesseraError, got ${String(e)}`);
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    if (opts.reason !== undefined) assert.equal(e.reason, opts.reason);
    if (opts.message) assert.match(e.message, opts.message);
    caught = e;
    return true;
  });
  return caught!;
}
