import { ConfirmDialog } from './ConfirmDialog.js';

/** The user a Reset password or a Delete is asked about, until confirmed or cancelled. */
export interface UserActionDialogsProps<U extends { username: string }> {
  resetting: U | null;
  deleting: U | null;
  busy: boolean;
  onReset: (u: U) => void;
  onDelete: (u: U) => void;
  onCancel: () => void;
  /** What ends with a deleted user, e.g. "their sessions end" or "their sessions and API tokens end". */
  ends: string;
}

/**
 * The two confirmations of both UIs' user tables: a password reset (the new one shown once, a change
 * forced at the next sign-in) and a delete (for good; the audit log keeps what the user did).
 */
export function UserActionDialogs<U extends { username: string }>(p: UserActionDialogsProps<U>) {
  const { resetting, deleting } = p;
  return (
    <>
      <ConfirmDialog
        open={resetting !== null}
        title={`Reset the password of ${resetting?.username ?? ''}?`}
        confirmLabel="Reset password"
        busy={p.busy}
        onConfirm={() => resetting && p.onReset(resetting)}
        onCancel={p.onCancel}
      >
        <p>
          <strong>{resetting?.username}</strong> gets a new password, shown to you once, and must change it at the next
          sign-in. Their sessions end at once.
        </p>
      </ConfirmDialog>
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete user ${deleting?.username ?? ''}?`}
        confirmLabel="Delete user"
        danger
        busy={p.busy}
        onConfirm={() => deleting && p.onDelete(deleting)}
        onCancel={p.onCancel}
      >
        <p>
          <strong>{deleting?.username}</strong> can no longer sign in; {p.ends} at once. The audit log keeps what they
          did. This cannot be undone; add the user again to give them access back.
        </p>
      </ConfirmDialog>
    </>
  );
}

/** A user row's buttons, both UIs: Disable or Enable, Reset password, Delete (the last two ask first). */
export function UserActionButtons(p: {
  user: { username: string; disabled: boolean };
  busy: boolean;
  onDisabled: (disabled: boolean) => void;
  onReset: () => void;
  onDelete: () => void;
}) {
  const u = p.user;
  return (
    <>
      <button
        type="button"
        className="small"
        disabled={p.busy}
        aria-label={`${u.disabled ? 'Enable' : 'Disable'} ${u.username}`}
        onClick={() => p.onDisabled(!u.disabled)}
      >
        {u.disabled ? 'Enable' : 'Disable'}
      </button>{' '}
      <button
        type="button"
        className="small"
        disabled={p.busy}
        aria-label={`Reset the password of ${u.username}`}
        onClick={p.onReset}
      >
        Reset password
      </button>{' '}
      <button
        type="button"
        className="small danger"
        disabled={p.busy}
        aria-label={`Delete ${u.username}`}
        onClick={p.onDelete}
      >
        Delete
      </button>
    </>
  );
}
