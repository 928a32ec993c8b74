/**
 * What an audit log is narrowed to (both servers' `GET /api/v1/audit` take these); empty:
 * everything. A copy of service-kit's `AuditFilter`, since web-kit imports no product code; the
 * Dashboard's model test checks at compile time that the two agree.
 */
export interface AuditFilter {
  actor?: string;
  /** An action, or its start (`license.`). */
  action?: string;
  outcome?: 'ok' | 'refused';
  /** ISO instants: from (inclusive), until (exclusive). */
  since?: string;
  until?: string;
}
