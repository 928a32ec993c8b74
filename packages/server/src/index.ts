export { isLoopback, parseListen } from '@tessera/service-kit';
export { type Actor, LOCAL_CLI_ACTOR } from './domain/audit.js';
export { FlexibleActions } from './domain/flexible/flexible-actions.js';
export type { FlexibleStatus, ReportMade, SyncApplied } from './domain/flexible/flexible-state.js';
export type { CheckoutOutcome, EngineEvent, HeartbeatOutcome } from './domain/leases/lease-engine.js';
export { LeaseEngine } from './domain/leases/lease-engine.js';
export type { SeatHolderView, SeatsPage, SeatsReleased } from './domain/leases/seat-holders.js';
export type { LicenseFeatureView, LicenseTree, LicenseView } from './domain/license-service.js';
export { LICENSING_MODES, type LicensingMode } from './domain/licensing-mode.js';
export type { SessionInfo } from './domain/session-service.js';
export { LOG_LEVELS, type LogLevel, SETTING_KEYS, type SettingKey } from './domain/settings/catalog.js';
export type {
  SettingChange,
  SettingEdits,
  SettingSource,
  SettingsUpdate,
  SettingView,
} from './domain/settings/settings-service.js';
export type { UserView } from './domain/user-service.js';
export type { UsageFeatureView, UsageView } from './http/admin/usage.js';
export { openServerCore, type ServerCore, SHIPPED_KEYRING } from './runtime/core.js';
export { DATA_FILES, type RuntimeInfo, readRuntimeInfo } from './runtime/data-dir.js';
export { readMachineFactors } from './runtime/machine-factors.js';
export type { LicenseServerOptions, ServerCoreOptions } from './runtime/options.js';
export { type RunningServer, type ServerInfo, startLicenseServer } from './runtime/server.js';
export type { AuditRow, LeaseRow, UserRow } from './store/store.js';
