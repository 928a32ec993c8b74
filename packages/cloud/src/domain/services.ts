/**
 * The domain services of one Cloud node, wired together. Transport layers (HTTP, and the CLI
 * through the API) call these and nothing below them.
 */
import type { Clock } from '@tessera/core';
import { classifyDbOutage, isDbUnavailableError } from '../store/db.js';
import type { Store } from '../store/store.js';
import { AccountService } from './account-service.js';
import { AuditLog, AuditQuery } from './audit.js';
import { AuthService } from './auth-service.js';
import { type DomainContext, PoolIds } from './context.js';
import { CatalogService, CustomerService } from './customer-service.js';
import { DeploymentService, type VendorSigner } from './deployment-service.js';
import { EntitlementService } from './entitlement-service.js';
import { FlexibleService } from './flexible-service.js';
import { SYNC_POLICY } from './policy.js';
import { type SeatLogger, SeatService } from './seat-service.js';
import { ServerService } from './server-service.js';
import { SessionService } from './session-service.js';
import { SyncService, type SyncSettings } from './sync-service.js';
import { UserAdminService } from './user-admin-service.js';

export interface CloudServices {
  ctx: DomainContext;
  auth: AuthService;
  /** Users once they exist: role, disable, delete, password reset. */
  users: UserAdminService;
  sessions: SessionService;
  catalog: CatalogService;
  customers: CustomerService;
  entitlements: EntitlementService;
  servers: ServerService;
  deployments: DeploymentService;
  accounts: AccountService;
  seats: SeatService;
  audit: AuditQuery;
  flexible: FlexibleService;
  sync: SyncService;
}

export interface CloudServicesOptions {
  store: Store;
  clock: Clock;
  poolIdPrefix: string;
  signer: VendorSigner;
  nodeId: string;
  leaseSeconds: number;
  heartbeatSeconds: number;
  logger: SeatLogger;
  /** The licensing nodes' URLs, for generated client configurations. */
  nodeUrls: () => Promise<string[]>;
  /** Seat batch size (tests make it small). */
  maxBatch?: number;
  sweepMs?: number;
  /** Flexible licensing's schedule; default one day between syncs, valid for a week. */
  sync?: SyncSettings;
}

export function createServices(o: CloudServicesOptions): CloudServices {
  const ctx: DomainContext = {
    store: o.store,
    clock: o.clock,
    audit: new AuditLog(o.clock),
    pools: new PoolIds(o.poolIdPrefix),
  };
  const auth = new AuthService(ctx);
  const customers = new CustomerService(ctx);
  const servers = new ServerService(ctx, customers);
  const deployments = new DeploymentService(ctx, servers, o.signer);
  return {
    ctx,
    auth,
    users: new UserAdminService(ctx),
    sessions: new SessionService(ctx, auth),
    catalog: new CatalogService(ctx),
    customers,
    entitlements: new EntitlementService(ctx, customers, deployments),
    servers,
    deployments,
    accounts: new AccountService(ctx, customers, o.nodeUrls, isDbUnavailableError),
    seats: new SeatService({
      store: o.store,
      clock: o.clock,
      nodeId: o.nodeId,
      leaseSeconds: o.leaseSeconds,
      heartbeatSeconds: o.heartbeatSeconds,
      isUnavailable: isDbUnavailableError,
      describeOutage: classifyDbOutage,
      logger: o.logger,
      ...(o.maxBatch !== undefined ? { maxBatch: o.maxBatch } : {}),
      ...(o.sweepMs !== undefined ? { sweepMs: o.sweepMs } : {}),
    }),
    audit: new AuditQuery(o.store),
    flexible: new FlexibleService(ctx, customers, servers),
    sync: new SyncService(
      ctx,
      servers,
      o.signer,
      o.sync ?? {
        intervalSeconds: SYNC_POLICY.defaultIntervalSeconds,
        graceSeconds: SYNC_POLICY.defaultGraceSeconds,
      },
    ),
  };
}
