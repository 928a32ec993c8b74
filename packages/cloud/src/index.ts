/**
 * `@tessera/cloud`: the vendor Cloud. `startCloud` runs a node (vendor API, client protocol
 * for subscription seats, on SQLite or PostgreSQL); `CloudApiClient` talks to a running one.
 */
export { CloudApiClient, type CloudApiClientOptions, CloudApiError } from './api/client.js';
export type { AccountContext } from './domain/account-service.js';
export { clientPropertiesFor } from './domain/account-service.js';
export type { Actor } from './domain/actor.js';
export type { FeatureRequest } from './domain/deployment-service.js';
export type { EntitlementChange, EntitlementChangeResult, NewEntitlement } from './domain/entitlement-service.js';
export type { AllocationRequest } from './domain/flexible-service.js';
export type {
  AllocationView,
  EnrollmentView,
  FlexibleServerView,
  SyncStatusView,
  UsagePoint,
  UsageView,
} from './domain/flexible-views.js';
export { ENROLLMENT_POLICY, RETURN_POLICY, SEAT_POLICY, SYNC_POLICY, shortSyncAllowed } from './domain/policy.js';
export type { SyncSettings } from './domain/sync-service.js';
export type {
  AccountView,
  CustomerView,
  DeploymentLineView,
  DeploymentView,
  DeploymentWithFile,
  EntitlementType,
  EntitlementView,
  FeatureView,
  NewAccountView,
  NewUserView,
  ResetPasswordView,
  ReturnView,
  ServerView,
  SubscriptionUsage,
  UserView,
} from './domain/views.js';
export { PORTAL_PAGES } from './http/portal-static.js';
export type { SessionView } from './http/routes/session.js';
export {
  type CloudOptions,
  DEFAULT_CLOUD_LISTEN,
  type RunningCloud,
  startCloud,
} from './runtime/cloud.js';
export { CLOUD_FILES, type CloudRuntimeInfo, readCloudRuntimeInfo } from './runtime/data-dir.js';
export { describeDbLocation, parseDbLocation } from './store/db.js';
