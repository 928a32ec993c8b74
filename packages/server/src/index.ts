export { isLoopback, parseListen } from '@tessera/service-kit';
export type { CheckoutOutcome, EngineEvent, HeartbeatOutcome } from './engine/lease-engine.js';
export { LeaseEngine } from './engine/lease-engine.js';
export { FlexibleActions } from './flexible/flexible-actions.js';
export {
  type FlexibleStatus,
  LICENSING_MODES,
  type LicensingMode,
  type ReportMade,
  type SyncApplied,
} from './flexible/flexible-service.js';
export type { UsageFeatureView, UsageView } from './http/admin/usage.js';
export { readMachineFactors } from './identity/machine-factors.js';
export { DATA_FILES, type RuntimeInfo, readRuntimeInfo } from './runtime/data-dir.js';
export {
  type LicenseServerOptions,
  openServerCore,
  type RunningServer,
  type ServerCore,
  type ServerCoreOptions,
  type ServerInfo,
  SHIPPED_KEYRING,
  startLicenseServer,
} from './runtime/server.js';
export { type Actor, LOCAL_CLI_ACTOR } from './services/audit.js';
export type { LicenseFeatureView, LicenseTree, LicenseView } from './services/license-service.js';
export type { SessionInfo } from './services/session-service.js';
export { LOG_LEVELS, type LogLevel, SETTING_KEYS, type SettingKey } from './settings/catalog.js';
export type {
  SettingChange,
  SettingEdits,
  SettingSource,
  SettingsUpdate,
  SettingView,
} from './settings/settings-service.js';
export type { AuditRow, LeaseRow, UserRow } from './store/repositories.js';
