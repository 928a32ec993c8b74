import { CopyButton } from '@tessera/web-kit/components/CopyButton';
import { LocalTime } from '@tessera/web-kit/components/LocalTime';
import { featureList } from '../license-messages.js';
import type { LicenseView } from '../types.js';

/** The facts of the license selected in the tree. */
export function LicenseDetails({ license }: { license: LicenseView }) {
  return (
    <section className="card" aria-labelledby="license-details">
      <h2 id="license-details">
        License <span className="mono">{license.licenseId}</span>{' '}
        <CopyButton text={license.licenseId} label={`Copy the license id ${license.licenseId}`} />
      </h2>
      <dl className="facts">
        <dt>Customer</dt>
        <dd>{license.customer}</dd>
        <dt>Mode</dt>
        <dd>{license.mode}</dd>
        <dt>Revision</dt>
        <dd>{license.revision}</dd>
        <dt>Issued</dt>
        <dd>
          <LocalTime at={license.issuedAt} />
        </dd>
        <dt>Installed</dt>
        <dd>
          <LocalTime at={license.installedAt} />
        </dd>
        <dt>Features</dt>
        <dd>{featureList(license)}</dd>
      </dl>
      <p className="sub">Select a feature in the tree to see who holds its seats.</p>
    </section>
  );
}
