/**
 * What the session engine needs of a product (the License Server, the Cloud): where sessions
 * are kept, who its users are, and how it records what happened. Every port is async, so a
 * synchronous SQLite store serves as well as a database across the network.
 */

/** A stored session. The session id itself is never stored, only its SHA-256. */
export interface SessionRow {
  /** SHA-256 of the session id the cookie holds (base64url). */
  idHash: string;
  /** The account the session belongs to, as the product keys it (a user name, a user id). */
  subject: string;
  csrfToken: string;
  /** Epoch ms of sign-in. */
  createdAt: number;
  /** Epoch ms of the last request seen, for the idle timeout. */
  lastSeen: number;
}

/** The sessions table of a product. */
export interface SessionStore {
  get(idHash: string): Promise<SessionRow | undefined>;
  touch(idHash: string, atMs: number): Promise<void>;
  delete(idHash: string): Promise<void>;
  /** Ends every session of `subject` but one; how many ended. */
  deleteOthersOf(subject: string, keepIdHash: string): Promise<number>;
  /** Drops sessions idle since `idleBeforeMs` or created before `createdBeforeMs`. */
  prune(idleBeforeMs: number, createdBeforeMs: number): Promise<void>;
}

/** A user account as the engine sees it; `A` is the product's actor (who did it, with which role). */
export interface SessionAccount<A> {
  /** What the account's sessions are keyed by (see {@link SessionRow.subject}). */
  subject: string;
  username: string;
  /** scrypt hash (core's `hashPassword`). */
  passwordHash: string;
  /** The password must be changed before anything else. */
  mustChange: boolean;
  /** An admin turned the account off: it cannot sign in and its sessions end. */
  disabled: boolean;
  actor: A;
}

/** The product's users, read fresh at every request so a change of role or state applies at once. */
export interface AccountDirectory<A> {
  /** The account a sign-in names (the name as the product compares names). */
  byName(username: string): Promise<SessionAccount<A> | undefined>;
  bySubject(subject: string): Promise<SessionAccount<A> | undefined>;
}

/** A refused sign-in or password change, for the product's audit log. */
export interface AuthRefusal<A> {
  action: 'session.sign-in' | 'user.password.change';
  /** The name as given (not checked: it may name nobody). */
  username: string;
  /** Who, when the password was right (a change refused for its new password); else undefined. */
  actor: A | undefined;
  code: 'UNAUTHORIZED' | 'BAD_REQUEST' | 'RATE_LIMITED';
  message: string;
}

/** The writes of password changes, each with its audit entry in one transaction of the product's store. */
export interface PasswordJournal<A> {
  passwordChanged(account: SessionAccount<A>, passwordHash: string): Promise<void>;
  refused(refusal: AuthRefusal<A>): Promise<void>;
}

/** The writes of sign-in and sign-out, each with its audit entry in one transaction of the product's store. */
export interface SessionJournal<A> {
  /** Stores the new session (with what the product records beside it, e.g. the last sign-in). */
  signedIn(row: SessionRow, account: SessionAccount<A>): Promise<void>;
  /** Deletes the session. */
  signedOut(session: SessionInfo<A>): Promise<void>;
  refused(refusal: AuthRefusal<A>): Promise<void>;
}

/** Everything a product records of its users' credentials: one object serves the gate and the engine. */
export type AuthJournal<A> = PasswordJournal<A> & SessionJournal<A>;

/** A signed-in browser: who, and the token its state-changing requests must echo. */
export interface SessionInfo<A> {
  actor: A;
  /** See {@link SessionRow.subject}. */
  subject: string;
  username: string;
  mustChange: boolean;
  csrfToken: string;
  /** SHA-256 of the cookie's session id: names the session without being it. */
  idHash: string;
  /** When the session ends if it stays idle (or at its maximum age, whichever is first), ISO instant. */
  expiresAt: string;
}
