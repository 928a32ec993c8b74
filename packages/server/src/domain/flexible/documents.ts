/**
 * Report and Sync documents (docs/flexible.md), as `@tessera/core` signs and verifies them: a Report
 * is signed by the server's own key and carries usage hours only; a Sync is signed by the
 * vendor and carries the server's flexible licenses and a valid-until.
 */
export {
  decodeReportUnverified,
  type FlexibleLicense,
  type ReportClaims,
  type SyncClaims,
  signReport,
  signSync,
  type UsageHour,
  verifyReport,
  verifySync,
} from '@tessera/core';
