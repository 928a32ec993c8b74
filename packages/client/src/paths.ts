/**
 * Client protocol v1 paths. `@tessera/core` defines them as `PROTOCOL_PATHS`; the SDK keeps
 * its own copy so that it imports only types from core at run time (core's index also loads
 * the license-verification stack, which an application linking the SDK does not need).
 * `paths.test.ts` checks the two stay equal.
 */
export const PATHS = {
  leases: '/v1/leases',
  lease: (id: string) => `/v1/leases/${encodeURIComponent(id)}`,
  heartbeat: (id: string) => `/v1/leases/${encodeURIComponent(id)}/heartbeat`,
  features: '/v1/features',
} as const;
