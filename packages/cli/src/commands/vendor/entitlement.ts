/** `tessera vendor entitlement add | list | update`: what a customer bought, on a running Cloud. */
import type { EntitlementType } from '@tessera/cloud';
import { type Command, Option } from 'commander';
import { entitlementLine } from '../../cloud-format.js';
import { note, UsageError } from '../../output.js';
import { type CloudContext, type CloudFlags, cloudCommand, cloudListCommand } from '../cloud-command.js';
import { examples, featureArg, integer, isoDate } from '../common.js';

const ENTITLEMENT_TYPES = ['perpetual', 'flexible', 'subscription'] as const;

/** A date option that also takes `none` (no limit). */
function dateOrNone(value: string): string | null {
  return value === 'none' ? null : isoDate(value);
}

interface EntitlementAddFlags extends CloudFlags {
  customer: string;
  type: EntitlementType;
  feature: string;
  maintenanceUntil?: string;
  expires?: string;
  termDays?: number;
}

type EntitlementUpdateFlags = CloudFlags & {
  count?: number;
  maintenanceUntil?: string | null;
  expires?: string | null;
};

export function registerEntitlements(vendor: Command): void {
  const entitlement = vendor
    .command('entitlement')
    .description('what a customer bought: perpetual, flexible or subscription seats of a feature')
    .helpCommand(false);
  examples(entitlement, [
    '$ tessera vendor entitlement add --customer cus_06h2 --type perpetual --feature asr=10 --maintenance-until 2027-03-31 --data ./cloud',
    '$ tessera vendor entitlement list --customer cus_06h2 --data ./cloud',
  ]);

  const add = entitlement
    .command('add')
    .description('add an entitlement to a customer (a feature not in the catalog yet is added to it)')
    .requiredOption('--customer <id>', 'the customer id (cus_...)')
    .addOption(
      new Option('--type <type>', 'how the seats are licensed').choices(ENTITLEMENT_TYPES).makeOptionMandatory(),
    )
    .requiredOption('--feature <name=count>', 'the feature and its seat count, e.g. asr=10')
    .option('--maintenance-until <date>', 'software released after this date (YYYY-MM-DD) is not covered', isoDate)
    .option('--expires <date>', 'last valid day (YYYY-MM-DD); for a subscription the end of its term', isoDate)
    .option('--term-days <n>', 'instead of --expires: a term of N days from today', integer('--term-days', 1, 36_600));
  cloudCommand(add, {
    examples: [
      '$ tessera vendor entitlement add --customer cus_06h2 --type perpetual --feature asr=10 \\',
      '    --maintenance-until 2027-03-31 --data ./cloud',
      '$ tessera vendor entitlement add --customer cus_06h2 --type subscription --feature asr=25 --term-days 365 --data ./cloud',
    ],
    run: ({ flags, cloud }: CloudContext<EntitlementAddFlags>) => {
      const feature = featureArg(flags.feature);
      if (flags.expires !== undefined && flags.termDays !== undefined) {
        throw new UsageError('give --expires or --term-days, not both');
      }
      const input = {
        customerId: flags.customer,
        type: flags.type,
        feature: feature.name,
        count: feature.count,
        maintenanceUntil: flags.maintenanceUntil,
        expires: flags.expires,
        termDays: flags.termDays,
      };
      return cloud(async (api) => {
        try {
          return await api.entitlementAdd(input);
        } catch (err) {
          if ((err as { code?: unknown }).code !== 'UNKNOWN_FEATURE') throw err;
          // A feature named here for the first time joins the catalog (docs/cli.md, entitlement add).
          await api.featureAdd(feature.name).catch((e: { code?: unknown }) => {
            if (e.code !== 'CONFLICT') throw e;
          });
          note(`tessera: added feature ${feature.name} to the catalog`);
          return api.entitlementAdd(input);
        }
      });
    },
    human: (d) => `added ${entitlementLine(d)}  for ${d.customerId}`,
  });

  const list = entitlement
    .command('list')
    .description('entitlements, with seats used and available')
    .option('--customer <id>', 'only this customer')
    .addOption(new Option('--type <type>', 'only this type').choices(ENTITLEMENT_TYPES))
    .option('--feature <name>', 'only this feature');
  cloudListCommand(list, {
    examples: [
      '$ tessera vendor entitlement list --data ./cloud',
      '$ tessera vendor entitlement list --customer cus_06h2 --type subscription --data ./cloud --json',
    ],
    key: 'entitlements',
    list: (api, flags: CloudFlags & { customer?: string; type?: EntitlementType; feature?: string }) =>
      api.entitlementList({
        ...(flags.customer !== undefined && { customerId: flags.customer }),
        ...(flags.type !== undefined && { type: flags.type }),
        ...(flags.feature !== undefined && { feature: flags.feature }),
      }),
    empty: 'no entitlements',
    line: (e) => `${entitlementLine(e)}  ${e.customerId}`,
  });

  const update = entitlement
    .command('update')
    .description('change the count or dates of an entitlement; perpetual date changes re-issue its deployments')
    .argument('<entitlement-id>', 'the entitlement id (ent_...)')
    .option('--count <n>', 'the new seat count', integer('--count', 1))
    .option('--maintenance-until <date>', 'new maintenance date (YYYY-MM-DD), or none', dateOrNone)
    .option('--expires <date>', 'new last valid day (YYYY-MM-DD), or none', dateOrNone);
  cloudCommand(update, {
    help:
      '\nA new maintenance or expiry date of a perpetual entitlement makes the next revision of every\n' +
      'deployment drawing on it: fetch it with `tessera vendor deployment file LICENSE_ID --out FILE` and\n' +
      'install it with `tessera license renew FILE`. Lowering a subscription below the seats in use\n' +
      'revokes the newest leases (SEATS_REDUCED).\n',
    examples: [
      '$ tessera vendor entitlement update ent_06h2 --maintenance-until 2028-03-31 --data ./cloud',
      '$ tessera vendor entitlement update ent_06h3 --count 40 --data ./cloud',
    ],
    run: async ({ flags, cloud }: CloudContext<EntitlementUpdateFlags>, id) => {
      if (flags.count === undefined && flags.maintenanceUntil === undefined && flags.expires === undefined) {
        throw new UsageError('nothing to change: give --count, --maintenance-until or --expires');
      }
      const change = { count: flags.count, maintenanceUntil: flags.maintenanceUntil, expires: flags.expires };
      return cloud((api) => api.entitlementUpdate(id, change));
    },
    human: (d) => [
      `updated ${entitlementLine(d)}`,
      ...d.reissued.map(
        (x) =>
          `  re-issued ${x.licenseId} as rev ${x.revision}: tessera vendor deployment file ${x.licenseId} --out FILE, then tessera license renew FILE`,
      ),
      ...(d.revokedLeases > 0 ? [`  ${d.revokedLeases} lease(s) revoked (SEATS_REDUCED)`] : []),
    ],
  });
}
