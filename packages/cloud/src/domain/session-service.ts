/**
 * Portal sessions (docs/security.md): the session engine both products share (service-kit),
 * over the Cloud's `sessions` table and users, with the sign-in throttle of its
 * {@link AuthService}. Sessions live in the database, so any node serves them.
 */
import { type SessionInfo as EngineSessionInfo, SessionEngine } from '@tessera/service-kit';
import type { Actor } from './actor.js';
import type { AuthService } from './auth-service.js';
import type { DomainContext } from './context.js';
import { sessionTable, userJournal } from './session-ports.js';

export type SessionInfo = EngineSessionInfo<Actor>;

export class SessionService extends SessionEngine<Actor> {
  constructor(ctx: DomainContext, auth: AuthService) {
    super(auth.passwords, sessionTable(ctx), auth.accounts, userJournal(ctx), { now: () => ctx.clock.now() });
  }
}
