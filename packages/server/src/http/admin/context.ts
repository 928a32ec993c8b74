import type { Actor, AuditLog } from '../../domain/audit.js';
import type { AuthService } from '../../domain/auth-service.js';
import type { LeaseEngine } from '../../domain/leases/lease-engine.js';
import type { LicenseService } from '../../domain/license-service.js';
import type { SettingsService } from '../../domain/settings/settings-service.js';
import type { UserService } from '../../domain/user-service.js';
import type { Store } from '../../store/store.js';
import type { ServerMetrics } from '../metrics.js';
import type { ServerInfo } from './system.js';

/** What the admin API's handlers need. */
export interface AdminApiContext {
  engine: LeaseEngine;
  licenses: LicenseService;
  auth: AuthService;
  users: UserService;
  audit: AuditLog;
  store: Store;
  settings: SettingsService;
  metrics: ServerMetrics;
  /** Identity of this running instance, checked by the CLI at /healthz. */
  nonce: string;
  serverId: string;
  /** Host names (without port) the admin API answers to; others are refused (DNS rebinding). */
  allowedHosts: Set<string>;
  info: () => ServerInfo;
}

export type Role = Actor['role'];

const RANK: Record<Role, number> = { view: 1, manage: 2, admin: 3 };

export function hasRole(actor: Actor, needed: Role): boolean {
  return RANK[actor.role] >= RANK[needed];
}

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
  }
  interface FastifyContextConfig {
    /** Minimum role for the route; absent means public (only /healthz and /openapi.json). */
    role?: Role;
    /** Reachable while the user must still change the initial password. */
    allowWhilePasswordChangeRequired?: boolean;
  }
}
