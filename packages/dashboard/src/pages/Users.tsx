import { useAction } from '@tessera/web-kit/action';
import { api } from '@tessera/web-kit/api';
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { errorNotice, Notice, type NoticeData } from '../components/Notice.js';
import { UsersTable } from '../components/UsersTable.js';
import type { Role, SessionView, UserView } from '../types.js';

const ROLE_TEXT: Record<Role, string> = {
  view: 'View: sees licenses, usage and who holds seats',
  manage: 'Manage: also installs, renews and uninstalls licenses, and releases seats',
  admin: 'Admin: also manages users and reads the audit log',
};

export function UsersPage({ session }: { session: SessionView }) {
  const [users, setUsers] = useState<UserView[] | null>(null);
  const [notice, setNotice] = useState<NoticeData | null>(null);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('view');
  const { busy, run } = useAction((err, what) => setNotice(errorNotice(err, what)));

  const load = useCallback(async () => {
    try {
      setUsers((await api.get<{ users: UserView[] }>('/api/v1/users')).users);
    } catch (err) {
      setNotice(errorNotice(err, 'Loading users', () => void load()));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const add = async (e: FormEvent) => {
    e.preventDefault();
    await run('Add user', async () => {
      await api.post('/api/v1/users', { username, password, role });
      setNotice({
        kind: 'ok',
        text: `Added ${username} with the ${role} role. Give them the password; they choose their own at first sign-in.`,
      });
      setUsername('');
      setPassword('');
      setRole('view');
      await load();
    });
  };

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>Users</h1>
          <p className="sub">
            Who may sign in to this Dashboard and what each role may do: change a role, disable, reset a password or
            delete a user.
          </p>
        </div>
      </div>
      <Notice notice={notice} onClose={() => setNotice(null)} />
      <div className="two-col">
        <section className="card" aria-labelledby="users-title">
          <h2 id="users-title">Users</h2>
          {users === null ? (
            <p className="muted">Loading…</p>
          ) : (
            <UsersTable users={users} me={session.username} onChanged={load} onNotice={setNotice} />
          )}
        </section>
        <form className="card" onSubmit={add} aria-labelledby="add-user-title">
          <h2 id="add-user-title">Add a user</h2>
          <label className="field">
            <span>User name</span>
            <input
              name="newUsername"
              required
              pattern="[a-z][a-z0-9._\-]{1,31}"
              title="2–32 characters: a-z first, then a-z 0-9 . _ -"
              autoComplete="off"
              value={username}
              onChange={(e) => setUsername(e.target.value)}
            />
          </label>
          <label className="field">
            <span>Initial password</span>
            <input
              name="newUserPassword"
              type="password"
              required
              minLength={12}
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </label>
          <fieldset className="field roles">
            <legend>Role</legend>
            {(['view', 'manage', 'admin'] as const).map((r) => (
              <label key={r} className="radio">
                <input type="radio" name="role" value={r} checked={role === r} onChange={() => setRole(r)} />
                <span>{ROLE_TEXT[r]}</span>
              </label>
            ))}
          </fieldset>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Adding…' : 'Add user'}
          </button>
        </form>
      </div>
    </div>
  );
}
