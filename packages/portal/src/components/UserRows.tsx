import { useKeyedAction } from '@tessera/web-kit/action';
import { CopyButton } from '@tessera/web-kit/components/CopyButton';
import { LocalTime } from '@tessera/web-kit/components/LocalTime';
import { TableScroll } from '@tessera/web-kit/components/TableScroll';
import { UserActionButtons, UserActionDialogs } from '@tessera/web-kit/components/UserActionDialogs';
import { useState } from 'react';
import { api, at } from '../api.js';
import { usePortal } from '../data.js';
import type { ResetPasswordView, UserView } from '../types.js';
import { errorNotice, type NoticeData } from './Notice.js';

/** What a row's buttons change, one at a time: `role:alice`, `disable:alice`, ... */
type Busy = `${'role' | 'disable' | 'enable' | 'reset' | 'delete'}:${string}`;

/** The role select's value: `vendor`, or `customer:ID` for an admin of that customer. */
const VENDOR = 'vendor';
const roleValue = (u: UserView) => (u.role === 'vendor' ? VENDOR : `customer:${u.customerId ?? ''}`);

/**
 * The users with what the signed-in user may do to each: vendor staff change whom a user
 * administers (vendor staff or one customer); anyone disables / enables, resets the password
 * (the new one shown once) and deletes (after a dialog naming the user). The signed-in user's
 * own row has no actions: the Cloud refuses them on one's own account (OWN_ACCOUNT).
 */
export function ManagedUsersTable(p: {
  users: UserView[];
  /** Names a customer admin's customer; null when one customer is shown. */
  customerOf: ((customerId: string) => string) | null;
  onChanged: () => Promise<void>;
  onNotice: (n: NoticeData) => void;
}) {
  const { session, isVendor, customers } = usePortal();
  const { busy, run } = useKeyedAction<Busy>((err, what) => p.onNotice(errorNotice(err, what)));
  const [deleting, setDeleting] = useState<UserView | null>(null);
  const [resetting, setResetting] = useState<UserView | null>(null);
  const [shown, setShown] = useState<ResetPasswordView | null>(null);
  const path = (u: UserView, rest = '') => at('/api/v1/users', u.username, rest);

  const setRole = (u: UserView, value: string) =>
    run(`Change the role of ${u.username}`, `role:${u.username}`, async () => {
      const customerId = value === VENDOR ? undefined : value.slice('customer:'.length);
      await api.put(path(u, '/role'), customerId ? { role: 'customer', customerId } : { role: 'vendor' });
      const name = customers?.find((c) => c.id === customerId)?.name ?? customerId;
      p.onNotice({
        kind: 'ok',
        text: `${u.username} is now ${customerId ? `an administrator of ${name}` : 'vendor staff'}; their API tokens were revoked.`,
      });
      await p.onChanged();
    });
  const setDisabled = (u: UserView, disabled: boolean) => {
    const verb = disabled ? 'disable' : 'enable';
    return run(`${disabled ? 'Disable' : 'Enable'} ${u.username}`, `${verb}:${u.username}`, async () => {
      await api.post(path(u, `/${verb}`));
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
      setShown(await api.post<ResetPasswordView>(path(u, '/reset-password')));
      setResetting(null);
      await p.onChanged();
    });
  const remove = (u: UserView) =>
    run(`Delete ${u.username}`, `delete:${u.username}`, async () => {
      await api.del(path(u));
      setDeleting(null);
      p.onNotice({ kind: 'ok', text: `Deleted ${u.username}.` });
      await p.onChanged();
    });

  const rows = p.users.map((u) => (
    <UserRow
      key={u.id}
      u={u}
      mine={u.username === session.username}
      isVendor={isVendor}
      customers={customers}
      customerOf={p.customerOf}
      busy={busy !== null}
      onRole={(value) => void setRole(u, value)}
      onDisabled={(disabled) => void setDisabled(u, disabled)}
      onReset={() => setResetting(u)}
      onDelete={() => setDeleting(u)}
    />
  ));

  return (
    <>
      {shown && <NewPassword shown={shown} onDone={() => setShown(null)} />}
      <TableScroll label="Users">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">{p.customerOf || isVendor ? 'Administers' : 'Role'}</th>
              <th scope="col">State</th>
              <th scope="col">Last sign-in</th>
              <th scope="col">Added</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>{rows}</tbody>
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
        ends="their sessions and API tokens end"
      />
    </>
  );
}

/** One user's row: name, role (a select for vendor staff), state, last sign-in, and the buttons. */
function UserRow(r: {
  u: UserView;
  mine: boolean;
  isVendor: boolean;
  customers: { id: string; name: string }[] | null | undefined;
  customerOf: ((customerId: string) => string) | null;
  busy: boolean;
  onRole: (value: string) => void;
  onDisabled: (disabled: boolean) => void;
  onReset: () => void;
  onDelete: () => void;
}) {
  const { u, mine } = r;
  return (
    <tr>
      <td className="strong">
        {u.username}
        {mine && <span className="muted"> (you)</span>}
      </td>
      <td>
        {r.isVendor && !mine ? (
          <select
            aria-label={`Role of ${u.username}`}
            value={roleValue(u)}
            disabled={r.busy}
            onChange={(e) => r.onRole(e.target.value)}
          >
            <option value={VENDOR}>Vendor staff</option>
            {(r.customers ?? []).map((c) => (
              <option key={c.id} value={`customer:${c.id}`}>
                Admin of {c.name}
              </option>
            ))}
          </select>
        ) : u.role === 'vendor' ? (
          <span className="role role-vendor">Vendor staff</span>
        ) : r.customerOf ? (
          r.customerOf(u.customerId ?? '')
        ) : (
          <span className="role role-customer">Customer admin</span>
        )}
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
      <td className="nowrap">
        {u.lastSignInAt ? <LocalTime at={u.lastSignInAt} /> : <span className="muted">never</span>}
      </td>
      <td className="nowrap">
        <LocalTime at={u.createdAt} />
      </td>
      <td className="row-action nowrap">
        {!mine && (
          <UserActionButtons
            user={u}
            busy={r.busy}
            onDisabled={r.onDisabled}
            onReset={r.onReset}
            onDelete={r.onDelete}
          />
        )}
      </td>
    </tr>
  );
}

/** A reset password, shown this once. */
function NewPassword({ shown, onDone }: { shown: ResetPasswordView; onDone: () => void }) {
  return (
    <section className="secret-box" aria-label={`New password of ${shown.username}`}>
      <p>
        <strong>New password of {shown.username}</strong>, shown once. Hand it over safely; it must be changed at the
        next sign-in. Their sessions have ended.
      </p>
      <div className="secret-line">
        <code data-testid="reset-password">{shown.password}</code>
        <CopyButton text={shown.password} label={`Copy the new password of ${shown.username}`} />
        <button type="button" className="small" onClick={onDone}>
          Done
        </button>
      </div>
    </section>
  );
}
