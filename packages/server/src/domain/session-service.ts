import { type SessionInfo as EngineSessionInfo, SessionEngine } from '@tessera/service-kit';
import { storageFailure } from '../store/storage-errors.js';
import type { Store } from '../store/store.js';
import type { Actor, AuditLog } from './audit.js';
import type { AuthService } from './auth-service.js';
import { sessionTable, userJournal } from './session-ports.js';

/** A signed-in Dashboard browser: who, and the token its state-changing requests must echo. */
export type SessionInfo = EngineSessionInfo<Actor>;

/**
 * Dashboard sessions: the session engine both products share (service-kit), over the
 * License Server's `sessions` table and users, with the sign-in throttle of its
 * {@link AuthService}. Housekeeping writes (idle timer, sweeping) that meet a full disk are
 * skipped rather than refusing the request; the other writes answer STORAGE_FULL.
 */
export class SessionService extends SessionEngine<Actor> {
  constructor(store: Store, auth: AuthService, audit: AuditLog, now: () => number) {
    super(auth.passwords, sessionTable(store), auth.accounts, userJournal(store, audit), {
      now,
      housekeepingMayFail: (err) => storageFailure(err) !== undefined,
    });
  }
}
