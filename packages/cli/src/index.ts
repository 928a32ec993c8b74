/**
 * `@tessera/cli`: the `tessera` command (bin: dist/bin/tessera.js). Exported for programs and
 * tests that drive the CLI's pieces in-process.
 */
export {
  type AdminTarget,
  CoreAdminTarget,
  HttpAdminTarget,
  type InstalledLicense,
  openAdminTarget,
  type RenewedLicense,
  type TargetOptions,
  type UninstallResult,
  withAdminTarget,
} from './admin-target.js';
export { type DemoOptions, type RunningDemo, startDemo } from './demo.js';
export { buildProgram, run } from './main.js';
export { describeFailure, EXIT } from './output.js';
