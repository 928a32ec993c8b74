/**
 * The License Server's users, reached as the other admin actions are (admin-target.ts): through
 * the running server's admin API, or through its data dir when none runs.
 */
import type { Actor, ServerCore, UserView } from '@tessera/server';

export type { UserView };
export type UserRole = UserView['role'];

/** A new password, shown once: the user must change it at the next sign-in. */
export interface OneTimePassword {
  username: string;
  password: string;
}

export interface UserAdmin {
  list(): Promise<UserView[]>;
  add(username: string, password: string, role: UserRole): Promise<void>;
  setRole(username: string, role: UserRole): Promise<UserView>;
  setDisabled(username: string, disabled: boolean): Promise<UserView>;
  resetPassword(username: string): Promise<OneTimePassword>;
  delete(username: string): Promise<void>;
}

type Call = <T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown) => Promise<T>;

/** The users routes of the admin API (docs/dashboard.md). */
export function httpUserAdmin(call: Call): UserAdmin {
  const at = (username: string) => `/api/v1/users/${encodeURIComponent(username)}`;
  return {
    list: async () => (await call<{ users: UserView[] }>('GET', '/api/v1/users')).users,
    add: (username, password, role) => call('POST', '/api/v1/users', { username, password, role }),
    setRole: (username, role) => call('PUT', `${at(username)}/role`, { role }),
    setDisabled: (username, disabled) => call('POST', `${at(username)}/${disabled ? 'disable' : 'enable'}`),
    resetPassword: (username) => call('POST', `${at(username)}/reset-password`),
    delete: (username) => call('DELETE', at(username)),
  };
}

/** The same actions on a data dir the CLI opened itself, as `actor` (`cli:local`). */
export function coreUserAdmin(core: ServerCore, actor: Actor, run: <T>(fn: () => Promise<T>) => Promise<T>): UserAdmin {
  return {
    list: () => run(async () => core.users.list()),
    add: (username, password, role) => run(() => core.auth.addUser(actor, username, password, role)),
    setRole: (username, role) => run(async () => core.users.setRole(actor, username, role)),
    setDisabled: (username, disabled) => run(async () => core.users.setDisabled(actor, username, disabled)),
    resetPassword: (username) => run(() => core.users.resetPassword(actor, username)),
    delete: (username) => run(async () => core.users.delete(actor, username)),
  };
}
