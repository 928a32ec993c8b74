import { ConfirmDialog } from '@tessera/web-kit/components/ConfirmDialog';
import { plural } from '@tessera/web-kit/format';
import { featureList } from '../license-messages.js';
import type { LicenseView } from '../types.js';

/** Asks before the one license change that cannot be undone; says what it takes away. */
export function UninstallDialog({
  license,
  busy,
  onConfirm,
  onCancel,
}: {
  /** The license to uninstall; `null` keeps the dialog closed. */
  license: LicenseView | null;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <ConfirmDialog
      open={license !== null}
      title="Uninstall this license permanently?"
      confirmLabel="Uninstall permanently"
      danger
      busy={busy}
      onConfirm={onConfirm}
      onCancel={onCancel}
    >
      {license && (
        <>
          <p>
            License <strong className="mono">{license.licenseId}</strong> ({featureList(license)}) will be removed from
            this server.
          </p>
          <p className="warning">
            This is permanent: once uninstalled, this license can never be installed on this server again.
          </p>
          {license.features.some((f) => f.inUse > 0) && (
            <p>
              {plural(
                license.features.reduce((n, f) => n + f.inUse, 0),
                'seat',
              )}{' '}
              in use will be taken back from the applications holding them.
            </p>
          )}
          <p>An uninstall certificate downloads next: send it to your vendor to get the seats back.</p>
        </>
      )}
    </ConfirmDialog>
  );
}
