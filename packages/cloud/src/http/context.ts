import type { CloudServices } from '../domain/services.js';
import type { CloudMetrics } from './metrics.js';

/** What the HTTP handlers need: the domain services and a few facts about this node. */
export interface CloudHttpContext extends CloudServices {
  metrics: CloudMetrics;
  /** Identity of this running node, checked by the CLI at /healthz. */
  nonce: string;
  nodeId: string;
  /** Adds `Secure` to the session cookie (the listener speaks TLS). */
  secureCookies: boolean;
  /** Facts about this Cloud for `GET /api/v1/info`. */
  info: () => Promise<Record<string, unknown>>;
  /** The vendor public key (PEM) that License Servers must trust. */
  vendorPublicKeyPem: string;
  /** Called after a user changed its password (the runtime removes `initial-admin-password`). */
  afterPasswordChange?: (username: string) => void;
}
