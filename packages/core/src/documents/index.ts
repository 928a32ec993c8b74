/** The signed documents (docs/protocol.md). */
export {
  assertCompactJwsShape,
  formatDocumentFile,
  MAX_DOCUMENT_BYTES,
  MAX_DOCUMENT_REQUEST_BYTES,
  type ParsedDocumentFile,
  parseDocumentFile,
} from './file.js';
export {
  DOC_ALG,
  DOC_TYPES,
  type DocType,
  type DocumentHeader,
  decodeDocumentUnverified,
  type SignOptions,
  signDocument,
  type UnverifiedDocument,
  type VerifiedDocument,
  verifyDocument,
} from './jws.js';
export {
  licenseSummary,
  MAX_FEATURE_COUNT,
  signLicense,
  validateLicenseClaims,
  verifyLicense,
} from './license.js';
export {
  decodeReportUnverified,
  hourMark,
  isHourMark,
  MAX_REPORT_HOURS,
  type ReportClaims,
  type ReportEnrollment,
  reportSummary,
  signReport,
  type UsageHour,
  validateReportClaims,
  verifyReport,
} from './report.js';
export {
  type ServerIdClaims,
  serverIdSummary,
  signServerId,
  type VerifiedServerId,
  validateServerIdClaims,
  verifyServerId,
} from './server-id.js';
export {
  type FlexibleLicense,
  type SyncClaims,
  signSync,
  syncSummary,
  validateSyncClaims,
  verifySync,
} from './sync.js';
export {
  signUninstall,
  type UninstallClaims,
  uninstallSummary,
  validateUninstallClaims,
  verifyUninstall,
} from './uninstall.js';
export { isRfc3339Utc } from './validate.js';
