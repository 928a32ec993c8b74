import { oneOf, Type } from './route-schema.js';

/**
 * The filters of both products' audit logs (`GET /api/v1/audit`), one query shape: who did it,
 * what (an action or the start of one: `license.` for every license action), how it ended, and
 * when. Each store turns an {@link AuditFilter} into its own SQL.
 */

/** What an audit page is narrowed to; every field optional, all of them must hold. */
export interface AuditFilter {
  /** The actor exactly, e.g. `admin` or `user:alice`. */
  actor?: string;
  /** The action, or its start: `license.` matches `license.install` and `license.uninstall`. */
  action?: string;
  /** `ok`, or `refused` for every refused outcome whatever its code. */
  outcome?: 'ok' | 'refused';
  /** From this instant on (inclusive), ISO 8601 UTC as the log stores it. */
  since?: string;
  /** Before this instant (exclusive). */
  until?: string;
}

/** The querystring members of the filter, for a route's schema (with its paging members beside). */
export const AUDIT_FILTER_QUERY = {
  actor: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'the actor exactly' })),
  action: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 128,
      description: 'the action, or the start of one (`license.` for every license action)',
    }),
  ),
  outcome: Type.Optional(oneOf(['ok', 'refused'], { description: '`refused`: every refused outcome' })),
  since: Type.Optional(Type.String({ format: 'date-time', description: 'from this instant on (ISO 8601)' })),
  until: Type.Optional(Type.String({ format: 'date-time', description: 'before this instant (ISO 8601)' })),
};

/**
 * The filter of a request's query, instants in the log's own form (`toISOString`, so that text
 * order is time order whatever offset the caller wrote).
 */
export function auditFilterOf(q: {
  actor?: string | undefined;
  action?: string | undefined;
  outcome?: 'ok' | 'refused' | undefined;
  since?: string | undefined;
  until?: string | undefined;
}): AuditFilter {
  const f: AuditFilter = {};
  if (q.actor !== undefined) f.actor = q.actor;
  if (q.action !== undefined) f.action = q.action;
  if (q.outcome !== undefined) f.outcome = q.outcome;
  if (q.since !== undefined) f.since = new Date(q.since).toISOString();
  if (q.until !== undefined) f.until = new Date(q.until).toISOString();
  return f;
}
