/**
 * Signed documents of DESIGN §3. Report and Sync claims are another piece of work; their
 * `typ` values are in DOC_TYPES already.
 */
export {
  assertCompactJwsShape,
  formatDocumentFile,
  MAX_DOCUMENT_BYTES,
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
export { licenseSummary, MAX_FEATURE_COUNT, signLicense, validateLicenseClaims, verifyLicense } from './license.js';
export {
  type ServerIdClaims,
  serverIdSummary,
  signServerId,
  type VerifiedServerId,
  validateServerIdClaims,
  verifyServerId,
} from './server-id.js';
export {
  signUninstall,
  type UninstallClaims,
  uninstallSummary,
  validateUninstallClaims,
  verifyUninstall,
} from './uninstall.js';
export { isRfc3339Utc } from './validate.js';
