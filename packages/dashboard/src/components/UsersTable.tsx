import { useKeyedAction } from '@tessera/web-kit/action';
import { api } from '@tessera/web-kit/api';
import { LocalTime } from '@tessera/web-kit/components/LocalTime';
import { TableScroll } from '@tessera/web-kit/components/TableScroll';
import { UserActionButtons, UserActionDialogs } from '@tessera/web-kit/components/UserActionDialogs';
import { useState } from 'react';
import type { Role, UserView } from '../types.js';
import { errorNotice, type NoticeData } from './Notice.js';

const ROLES: readonly Role[] = ['view', 'manage', 'admin'];

/** What a row's buttons change, one at a time: `role:alice`, `disable:alice`, ... */
type Busy = `${'role' | 'disable' | 'enable' | 'reset' | 'delete'}:${string}`;

/**
 * The users with what an admin may do to each: role, disable / enable, reset the password (the
 * new one shown once), delete (after a dialog naming the user). The signed-in user's own row
 * has no buttons: the server refuses those actions on one's own account (OWN_ACCOUNT).
 */
export function UsersTable(p: {
  users: UserView[];
  me: string;
  onChanged: () => Promise<void>;
  onNotice: (n: NoticeData) => void;
}) {
  const { busy, run } = useKeyedAction<Busy>((err, what) => p.onNotice(errorNotice(err, what)));
  const [deleting, setDeleting] = useState<UserView | null>(null);
  const [resetting, setResetting] = useState<UserView | null>(null);
  const [shown, setShown] = useState<{ username: string; password: string } | null>(null);
  const at = (username: string) => `/api/v1/users/${encodeURIComponent(username)}`;

  const setRole = (u: UserView, role: Role) =>
    run(`Change the role of ${u.username}`, `role:${u.username}`, async () => {
      await api.put(`${at(u.username)}/role`, { role });
      p.onNotice({ kind: 'ok', text: `${u.username} now has the ${role} role.` });
      await p.onChanged();
    });
  const setDisabled = (u: UserView, disabled: boolean) => {
    const verb = disabled ? 'disable' : 'enable';
    return run(`${disabled ? 'Disable' : 'Enable'} ${u.username}`, `${verb}:${u.username}`, async () => {
      await api.post(`${at(u.username)}/${verb}`);
      p.onNotice({
        kind: 'ok',
        text: disabled
          ? `${u.username} is disabled: they cannot sign in, and their sessions have ended.`
          : `${u.username} is enabled and may sign in again.`,
      });
      await p.onChanged();
    });
  };
  const reset = (u: UserView) =>
    run(`Reset the password of ${u.username}`, `reset:${u.username}`, async () => {
      setShown(await api.post<{ username: string; password: string }>(`${at(u.username)}/reset-password`));
      setResetting(null);
      await p.onChanged();
    });
  const remove = (u: UserView) =>
    run(`Delete ${u.username}`, `delete:${u.username}`, async () => {
      await api.del(at(u.username));
      setDeleting(null);
      p.onNotice({ kind: 'ok', text: `Deleted ${u.username}.` });
      await p.onChanged();
    });

  return (
    <>
      {shown && <NewPasswordNotice shown={shown} onDone={() => setShown(null)} />}
      <TableScroll label="Users">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Role</th>
              <th scope="col">State</th>
              <th scope="col">Last sign-in</th>
              <th scope="col">Added</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {p.users.map((u) => (
              <UserTableRow
                key={u.username}
                user={u}
                mine={u.username === p.me}
                busy={busy !== null}
                onRole={(role) => void setRole(u, role)}
                onDisabled={(disabled) => void setDisabled(u, disabled)}
                onReset={() => setResetting(u)}
                onDelete={() => setDeleting(u)}
              />
            ))}
          </tbody>
        </table>
      </TableScroll>
      <UserActionDialogs
        resetting={resetting}
        deleting={deleting}
        busy={busy !== null}
        onReset={(u) => void reset(u)}
        onDelete={(u) => void remove(u)}
        onCancel={() => {
          setResetting(null);
          setDeleting(null);
        }}
        ends="their sessions end"
      />
    </>
  );
}

function NewPasswordNotice({ shown, onDone }: { shown: { username: string; password: string }; onDone: () => void }) {
  return (
    <section className="notice notice-ok" aria-labelledby="new-password-title">
      <div>
        <h3 id="new-password-title">New password of {shown.username}</h3>
        <p>
          <code className="mono">{shown.password}</code>
        </p>
        <p>
          It is shown only this once: give it to {shown.username}, who must change it at the next sign-in. Their
          sessions have ended.
        </p>
      </div>
      <button type="button" className="small" onClick={onDone}>
        Done
      </button>
    </section>
  );
}

/** One user; the signed-in user's own row shows no actions. */
function UserTableRow(p: {
  user: UserView;
  mine: boolean;
  busy: boolean;
  onRole: (role: Role) => void;
  onDisabled: (disabled: boolean) => void;
  onReset: () => void;
  onDelete: () => void;
}) {
  const u = p.user;
  return (
    <tr>
      <td>
        {u.username}
        {p.mine && <span className="muted"> (you)</span>}
      </td>
      <td>
        <select
          aria-label={`Role of ${u.username}`}
          value={u.role}
          disabled={p.mine || p.busy}
          title={p.mine ? 'Another admin must change your role' : undefined}
          onChange={(e) => p.onRole(e.target.value as Role)}
        >
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </td>
      <td>
        {u.disabled ? (
          <span className="chip chip-bad">disabled</span>
        ) : u.mustChange ? (
          <span className="chip chip-warn">must change password</span>
        ) : (
          'enabled'
        )}
      </td>
      <td>{u.lastSignInAt ? <LocalTime at={u.lastSignInAt} /> : <span className="muted">never</span>}</td>
      <td>
        <LocalTime at={u.createdAt} />
      </td>
      <td className="row-action nowrap">
        {!p.mine && (
          <UserActionButtons
            user={u}
            busy={p.busy}
            onDisabled={p.onDisabled}
            onReset={p.onReset}
            onDelete={p.onDelete}
          />
        )}
      </td>
    </tr>
  );
}
