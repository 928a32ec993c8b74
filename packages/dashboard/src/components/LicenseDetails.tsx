import { localTime } from '@tessera/web-kit/format';
import { featureList } from '../license-messages.js';
import type { LicenseView } from '../types.js';

/** The facts of the license selected in the tree. */
export function LicenseDetails({ license }: { license: LicenseView }) {
  return (
    <section className="card" aria-labelledby="license-details">
      <h2 id="license-details">
        License <span className="mono">{license.licenseId}</span>
      </h2>
      <dl className="facts">
        <dt>Customer</dt>
        <dd>{license.customer}</dd>
        <dt>Mode</dt>
        <dd>{license.mode}</dd>
        <dt>Revision</dt>
        <dd>{license.revision}</dd>
        <dt>Issued</dt>
        <dd>{localTime(license.issuedAt)}</dd>
        <dt>Installed</dt>
        <dd>{localTime(license.installedAt)}</dd>
        <dt>Features</dt>
        <dd>{featureList(license)}</dd>
      </dl>
      <p className="sub">Select a feature in the tree to see who holds its seats.</p>
    </section>
  );
}
