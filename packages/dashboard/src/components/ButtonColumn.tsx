import { LocalTime } from '@tessera/web-kit/components/LocalTime';
import { Fragment, type ReactNode, useSyncExternalStore } from 'react';
import { ACTION_LABELS, ACTION_ROLES, ACTIONS_BY_MODE, type ActionId } from '../actions.js';
import { roleAtLeast } from '../routes.js';
import { cloudOwnedReason, treeSelection } from '../tree.js';
import type { Role, ServerInfo } from '../types.js';

export interface ActionState {
  /** Why the button cannot be pressed now; absent when it can. */
  blocked?: string;
  /** A short line under the button (e.g. which license it acts on). */
  note?: string;
  busy?: boolean;
  run: () => void;
}

export interface ButtonColumnProps {
  server: ServerInfo | null;
  role: Role;
  /** The buttons this page implements; ids of the mode without one are left out until they land. */
  actions: Partial<Record<ActionId, ActionState>>;
  /** Flexible modes: the last successful sync and the last failure (GET /api/v1/flexible/status). */
  sync?: SyncIndicator | null;
}

export interface SyncIndicator {
  lastSyncAt: string | null;
  validUntil: string | null;
  expired: boolean;
  lastFailure: { at: string; code: string; message: string } | null;
}

/** Buttons that change the selected license, which a flexible license does not allow. */
const LICENSE_CHANGING: ReadonlySet<ActionId> = new Set(['uninstall', 'renew']);

const ROLE_NAMES: Record<Role, string> = { view: 'View', manage: 'Manage', admin: 'Admin' };

/**
 * The license buttons along the right side, in the order of the server's mode (actions.ts).
 * A button that cannot be pressed stays visible and focusable (aria-disabled) and says why.
 */
export function ButtonColumn({ server, role, actions, sync }: ButtonColumnProps) {
  const layout = ACTIONS_BY_MODE[server?.mode ?? 'perpetual'] ?? ACTIONS_BY_MODE.perpetual;
  // A flexible license selected in the tree is the Cloud's to change: no Uninstall or Renew.
  const cloudOwned = cloudOwnedReason(useSyncExternalStore(treeSelection.subscribe, treeSelection.get));
  const groups = layout.groups.map((g) => g.filter((id) => actions[id] !== undefined)).filter((g) => g.length > 0);
  const roleBlocked = (id: ActionId) => !roleAtLeast(role, ACTION_ROLES[id]);
  const anyRoleBlocked = groups.flat().some(roleBlocked);
  return (
    <aside className="button-column" aria-label="License actions">
      {anyRoleBlocked && (
        <p className="action-note" id="actions-role-note">
          Your role, {ROLE_NAMES[role]}, can look but not change licenses: the buttons below need the Manage role.
        </p>
      )}
      {groups.map((group, gi) => (
        <Fragment key={group.join()}>
          {gi > 0 && <hr />}
          <div className="button-group">
            {group.map((id) => {
              const a = actions[id]!;
              const byRole = roleBlocked(id);
              const blocked = byRole
                ? `Needs the ${ROLE_NAMES[ACTION_ROLES[id]]} role; you have ${ROLE_NAMES[role]}.`
                : ((LICENSE_CHANGING.has(id) ? cloudOwned : undefined) ?? a.blocked);
              const hintId = byRole ? 'actions-role-note' : `hint-${id}`;
              const hint: ReactNode = byRole ? null : (blocked ?? a.note);
              return (
                <div className="action" key={id}>
                  <button
                    type="button"
                    className="action-button"
                    data-action={id}
                    aria-disabled={blocked ? true : undefined}
                    aria-busy={a.busy ? true : undefined}
                    aria-describedby={hint || byRole ? hintId : undefined}
                    title={blocked}
                    onClick={() => {
                      if (!blocked && !a.busy) a.run();
                    }}
                  >
                    {a.busy ? `${ACTION_LABELS[id]}…` : ACTION_LABELS[id]}
                  </button>
                  {hint && (
                    <div className={`action-hint${blocked ? ' blocked' : ''}`} id={hintId}>
                      {hint}
                    </div>
                  )}
                </div>
              );
            })}
          </div>
        </Fragment>
      ))}
      {layout.syncIndicator && (
        <output className="sync-indicator" aria-live="polite" data-sync-indicator="">
          {(() => {
            const at = sync?.lastSyncAt ?? null;
            return (
              <>
                <span className="sync-last">Last sync: {at ? <LocalTime at={at} /> : 'never'}</span>
                {sync?.validUntil && (
                  <span className={`sync-valid${sync.expired ? ' expired' : ''}`}>
                    {sync.expired ? 'Expired' : 'Valid until'} <LocalTime at={sync.validUntil} />
                    {sync.expired ? ': flexible seats are refused' : ''}
                  </span>
                )}
                {sync?.lastFailure && (
                  <span className="sync-failure" data-sync-failure="">
                    Last failure (<LocalTime at={sync.lastFailure.at} />
                    ): {sync.lastFailure.message}
                  </span>
                )}
              </>
            );
          })()}
        </output>
      )}
    </aside>
  );
}
