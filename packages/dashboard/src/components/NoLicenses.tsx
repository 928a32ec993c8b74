import type { ReactNode } from 'react';
import type { ServerMode } from '../types.js';

/**
 * What an empty server shows under the tree: the steps to a first license in the server's own
 * mode, naming only buttons that mode has (a flexible server has no Install License).
 */
export function NoLicenses({ mode }: { mode: ServerMode }) {
  return (
    <div className="empty-state">
      <h2>No license is installed yet</h2>
      <ol>{STEPS[mode]}</ol>
    </div>
  );
}

/** A flexible server and a PLS both get their seats by syncing with the Cloud. */
const SYNCED_STEPS: ReactNode = (
  <>
    <li>Your vendor assigns seats to this server in their licensing portal.</li>
    <li>
      They arrive with the next sync with the Cloud; press <strong>Resync Info</strong> to sync now.
    </li>
  </>
);

const STEPS: Record<ServerMode, ReactNode> = {
  perpetual: (
    <>
      <li>
        Press <strong>Make Server ID File</strong> and send <code>info.bts</code> to your vendor’s portal.
      </li>
      <li>
        Press <strong>Install License</strong> and choose the license file you get back.
      </li>
    </>
  ),
  flexible: SYNCED_STEPS,
  pls: SYNCED_STEPS,
  als: (
    <>
      <li>
        Press <strong>Create Report File</strong> and take the Report File to your vendor’s portal from a machine with
        internet access.
      </li>
      <li>
        Press <strong>Import Sync File</strong> and choose the Sync File the portal gives back.
      </li>
    </>
  ),
};
