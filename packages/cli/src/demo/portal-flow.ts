/** The demo's vendor side: what a vendor does in the portal, through the Cloud's vendor API. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CloudApiClient, EntitlementView } from '@tessera/cloud';
import { utcDate } from '@tessera/core';
import type { LicenseTree } from '@tessera/server';
import type { AdminTarget } from '../admin-target.js';
import { DEMO_DEFAULTS } from '../demo-defaults.js';

const DAY_MS = 86_400_000;

export interface PortalSetup {
  customerId: string;
  serverId: string;
  /** What the two deployments draw: feature, count and the entitlement. */
  main: { name: string; count: number; entitlementId: string }[];
  old: { name: string; count: number; entitlementId: string }[];
  subscription: EntitlementView;
}

/**
 * What a vendor does in the portal (or with `tessera vendor ...`), through the vendor API:
 * the catalog, the demo customer (found again on a later run), its entitlements (one per
 * feature and count), and the License Server registered from its Server ID file.
 */
export async function portalFlow(api: CloudApiClient, serverIdFile: string, nowMs: number): Promise<PortalSetup> {
  const d = DEMO_DEFAULTS;
  const catalog = new Set((await api.featureList()).map((f) => f.name));
  for (const name of ['asr', 'tts']) if (!catalog.has(name)) await api.featureAdd(name);
  const customer = (await api.customerList()).find((c) => c.name === d.customer) ?? (await api.customerAdd(d.customer));
  const existing = await api.entitlementList({ customerId: customer.id });
  const entitlement = async (
    type: 'perpetual' | 'subscription' | 'flexible',
    feature: string,
    count: number,
    dates: { maintenanceUntil?: string; termDays?: number },
  ): Promise<EntitlementView> =>
    existing.find((e) => e.type === type && e.feature === feature && e.count === count) ??
    (await api.entitlementAdd({ customerId: customer.id, type, feature, count, ...dates }));
  const lines = async (spec: { features: Record<string, number>; maintenanceDays: number }) => {
    const maintenanceUntil = utcDate(nowMs + spec.maintenanceDays * DAY_MS);
    const out: PortalSetup['main'] = [];
    for (const [name, count] of Object.entries(spec.features)) {
      const e = await entitlement('perpetual', name, count, { maintenanceUntil });
      out.push({ name, count, entitlementId: e.id });
    }
    return out;
  };
  const main = await lines(d.mainLicense);
  const old = await lines(d.oldLicense);
  const subscription = await entitlement('subscription', d.subscription.feature, d.subscription.count, {
    termDays: d.subscription.termDays,
  });
  await entitlement('flexible', d.flexible.feature, d.flexible.count, {});
  const server = await api.serverRegister(customer.id, serverIdFile);
  return { customerId: customer.id, serverId: server.id, main, old, subscription };
}

/**
 * Deploys the two demo licenses to the server and installs them (as Install License does), keeping each file
 * in `licenseDir`. A server that holds or held licenses already (a demo run again on its dir) keeps its own.
 */
export async function installDemoLicenses(
  admin: AdminTarget,
  api: CloudApiClient,
  setup: PortalSetup,
  o: { licenseDir: string; serverDir: string; print: (line: string) => void },
): Promise<void> {
  const tree = await admin.list();
  if (tree.licenses.length > 0 || tree.uninstalled.length > 0) {
    o.print(`reusing the ${tree.licenses.length} license(s) installed in ${o.serverDir}`);
    return;
  }
  for (const [name, lines] of [
    ['demo-main.lic', setup.main],
    ['demo-old-contract.lic', setup.old],
  ] as const) {
    const deployment = await api.deploy(setup.serverId, lines);
    writeFileSync(join(o.licenseDir, name), deployment.file);
    const view = await admin.install(deployment.file);
    o.print(
      `deployed and installed ${view.licenseId} for ${JSON.stringify(view.customer)}: ` +
        view.features.map((f) => `${f.name}=${f.count} (maintenance until ${f.maintenanceUntil})`).join(', '),
    );
  }
}

/** How log lines name what served a seat: a license of the server, or the Cloud subscription. */
export function licenseNames(tree: LicenseTree, subscription: EntitlementView): Map<string, string> {
  const names = new Map<string, string>();
  for (const l of tree.licenses) {
    const maintenance = l.features[0]?.maintenanceUntil;
    names.set(l.licenseId, maintenance ? `${l.customer}, maintenance until ${maintenance}` : l.customer);
  }
  names.set(subscription.id, `Cloud subscription, ${subscription.count} seats`);
  return names;
}
