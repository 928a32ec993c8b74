import { useAction } from '@tessera/web-kit/action';

/** Users: who may sign in to the portal; add vendor staff or a customer's admin, manage them after. */

import { CopyButton } from '@tessera/web-kit/components/CopyButton';
import { type FormEvent, useId, useState } from 'react';
import { api, query } from '../api.js';
import { useCustomerName, useLoad, usePortal } from '../data.js';
import type { NewUserView, Role, UserView } from '../types.js';
import { Loading } from './Bits.js';
import { CustomerField } from './CustomerPicker.js';
import { errorNotice, Notice, type NoticeData } from './Notice.js';
import { ManagedUsersTable } from './UserRows.js';

export function UsersPanel({ customerId }: { customerId: string | null }) {
  const { isVendor } = usePortal();
  const nameOf = useCustomerName();
  const users = useLoad<UserView[]>(`/api/v1/users${query({ customerId })}`);
  const [notice, setNotice] = useState<NoticeData | null>(null);
  const [created, setCreated] = useState<NewUserView | null>(null);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('customer');
  const [customer, setCustomer] = useState('');
  const { busy, run } = useAction((err, what) => {
    setCreated(null);
    setNotice(errorNotice(err, what));
  });
  const ids = useId();

  const add = async (e: FormEvent) => {
    e.preventDefault();
    await run('Add user', async () => {
      const forCustomer = !isVendor || customerId !== null || role === 'customer';
      const u = await api.post<NewUserView>('/api/v1/users', {
        username: username.trim(),
        role: forCustomer ? 'customer' : 'vendor',
        ...(forCustomer && isVendor ? { customerId: customerId ?? customer } : {}),
        ...(password ? { password } : {}),
      });
      setCreated(u);
      setNotice({
        kind: 'ok',
        text: `Added ${u.username}${u.customerId ? ` for ${nameOf(u.customerId)}` : ' (vendor staff)'}. They choose their own password at the first sign-in.`,
      });
      setUsername('');
      setPassword('');
      await users.reload();
    });
  };

  const showCustomerColumn = isVendor && customerId === null;
  return (
    <div className="users">
      <Notice
        notice={notice ?? (users.error ? errorNotice(users.error, 'Loading users', users.reload) : null)}
        onClose={() => setNotice(null)}
      />
      {created?.password && <FirstPassword username={created.username} password={created.password} />}
      <div className="users-stack">
        <section className="card" aria-labelledby={`${ids}-list`}>
          <h2 id={`${ids}-list`}>Users</h2>
          {!users.data ? (
            <Loading what="users" />
          ) : users.data.length === 0 ? (
            <p className="empty">No user yet.</p>
          ) : (
            <ManagedUsersTable
              users={users.data}
              customerOf={showCustomerColumn ? nameOf : null}
              onChanged={users.reload}
              onNotice={(n) => {
                setCreated(null);
                setNotice(n);
              }}
            />
          )}
        </section>
        <form className="card narrow" onSubmit={add} aria-labelledby={`${ids}-add`}>
          <h2 id={`${ids}-add`}>{isVendor && customerId === null ? 'Add a user' : 'Add a customer admin'}</h2>
          {isVendor && customerId === null && <RoleChoice role={role} onChange={setRole} />}
          {isVendor && customerId === null && role === 'customer' && (
            <CustomerField name="userCustomer" value={customer} onChange={setCustomer} />
          )}
          <label className="field">
            <span>User name</span>
            <input
              name="newUsername"
              required
              pattern="[a-z][a-z0-9._\-]{1,31}"
              title="2–32 characters: a-z first, then a-z 0-9 . _ -"
              autoComplete="off"
              autoCapitalize="none"
              spellCheck={false}
              value={username}
              onChange={(e) => setUsername(e.target.value)}
            />
          </label>
          <label className="field">
            <span>First password (optional)</span>
            <input
              name="newUserPassword"
              type="password"
              minLength={12}
              autoComplete="new-password"
              aria-describedby={`${ids}-pw`}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
            <small id={`${ids}-pw`} className="hint">
              Empty: the Cloud makes one and shows it once.
            </small>
          </label>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Adding…' : 'Add user'}
          </button>
        </form>
      </div>
    </div>
  );
}

/** Vendor staff choose whom a new user administers: one customer, or every customer as vendor staff. */
function RoleChoice({ role, onChange }: { role: Role; onChange: (r: Role) => void }) {
  return (
    <fieldset className="field">
      <legend>Who</legend>
      <label className="radio">
        <input type="radio" name="userRole" checked={role === 'customer'} onChange={() => onChange('customer')} />
        <span>An administrator of a customer: sees and manages only that customer’s licenses</span>
      </label>
      <label className="radio">
        <input type="radio" name="userRole" checked={role === 'vendor'} onChange={() => onChange('vendor')} />
        <span>Vendor staff: sees and manages every customer</span>
      </label>
    </fieldset>
  );
}

/** A new user's first password, shown this once. */
function FirstPassword({ username, password }: { username: string; password: string }) {
  return (
    <section className="secret-box" aria-label="First password of the new user">
      <p>
        <strong>First password of {username}</strong>, shown once. Hand it over safely; it must be changed at the first
        sign-in.
      </p>
      <div className="secret-line">
        <code data-testid="new-user-password">{password}</code>
        <CopyButton text={password} label={`Copy the password of ${username}`} />
      </div>
    </section>
  );
}
