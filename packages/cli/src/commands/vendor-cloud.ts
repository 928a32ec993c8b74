/**
 * `tessera vendor customer | feature | entitlement | server | deploy | deployment | account |
 * return | enroll | allocate`: the vendor's work on a running Cloud (DESIGN §7), through its
 * vendor API (`CloudApiClient`). Each command parses, makes one or a few API calls, and prints;
 * cloud-command.ts gives them their shared options and action.
 */
import { resolve } from 'node:path';
import type {
  AccountView,
  CustomerView,
  DeploymentView,
  DeploymentWithFile,
  EntitlementType,
  EntitlementView,
  ServerView,
  SubscriptionUsage,
} from '@tessera/cloud';
import type { CloudApiClient } from '@tessera/cloud/client';
import { type Command, Option } from 'commander';
import { deploymentLines, entitlementLine } from '../cloud-format.js';
import { NewFile, PUBLIC_FILE_MODE, readDocumentFile, SECRET_FILE_MODE } from '../files.js';
import { note, UsageError } from '../output.js';
import {
  type CloudCall,
  type CloudContext,
  type CloudFlags,
  cloudCommand,
  cloudListCommand,
  intoNewFile,
} from './cloud-command.js';
import { examples, featureArg, integer, isoDate } from './common.js';

const ENTITLEMENT_TYPES = ['perpetual', 'flexible', 'subscription'] as const;

/** A date option that also takes `none` (no limit). */
function dateOrNone(value: string): string | null {
  return value === 'none' ? null : isoDate(value);
}

export function registerVendorCloudCommands(vendor: Command): void {
  registerCustomers(vendor);
  registerFeatures(vendor);
  registerEntitlements(vendor);
  registerServers(vendor);
  registerDeployments(vendor);
  registerAccounts(vendor);
  registerReturn(vendor);
  registerFlexible(vendor);
}

// ---- customers

function registerCustomers(vendor: Command): void {
  const customer = vendor
    .command('customer')
    .description('customers of the vendor, on a running Cloud')
    .helpCommand(false);
  examples(customer, [
    '$ tessera vendor customer add "Acme Speech Ltd" --data ./cloud',
    '$ tessera vendor customer list --data ./cloud',
  ]);

  cloudCommand(customer.command('add').description('add a customer').argument('<name>', "the customer's name"), {
    examples: [
      '$ tessera vendor customer add "Acme Speech Ltd" --data ./cloud',
      '$ tessera vendor customer add "Acme Speech Ltd" --cloud https://licensing.example.com --token-file admin.token --json',
    ],
    run: ({ cloud }, name) => cloud((api) => api.customerAdd(name)),
    human: (d) => [`customer ${d.id} ${JSON.stringify(d.name)}`, `  subscription pool ${d.poolId}`],
  });

  cloudListCommand(customer.command('list').description('the customers'), {
    examples: ['$ tessera vendor customer list --data ./cloud', '$ tessera vendor customer list --data ./cloud --json'],
    key: 'customers',
    list: (api) => api.customerList(),
    empty: 'no customers yet (tessera vendor customer add NAME)',
    line: (c) => `${c.id}  ${JSON.stringify(c.name)}  since ${c.createdAt.slice(0, 10)}`,
  });

  const show = customer
    .command('show')
    .description('a customer with its entitlements, servers, deployments, accounts and subscription seats in use')
    .argument('<customer-id>', 'the customer id (cus_...)');
  cloudCommand(show, {
    examples: ['$ tessera vendor customer show cus_06h2104jsge1 --data ./cloud'],
    run: ({ cloud }, id) =>
      cloud(async (api) => {
        const c = await api.customerGet(id);
        const [entitlements, servers, deployments, accounts, subscription] = await Promise.all([
          api.entitlementList({ customerId: id }),
          api.serverList(id),
          api.deploymentList({ customerId: id }),
          api.accountList(id),
          api.subscriptionUsage(id),
        ]);
        return { ...c, entitlements, servers, deployments, accounts, subscription };
      }),
    human: customerLines,
  });
}

function customerLines(
  d: CustomerView & {
    entitlements: EntitlementView[];
    servers: ServerView[];
    deployments: DeploymentView[];
    accounts: AccountView[];
    subscription: SubscriptionUsage;
  },
): string[] {
  const lines = [`customer ${d.id} ${JSON.stringify(d.name)}  (subscription pool ${d.poolId})`];
  lines.push(`entitlements (${d.entitlements.length})`, ...d.entitlements.map((e) => `  ${entitlementLine(e)}`));
  lines.push(
    `servers (${d.servers.length})`,
    ...d.servers.map(
      (s) => `  ${s.id}  host ${s.hostName}  Tessera ${s.productVersion}  registered ${s.registeredAt.slice(0, 10)}`,
    ),
  );
  lines.push(`deployments (${d.deployments.length})`, ...d.deployments.flatMap((x) => deploymentLines(x, '  ')));
  lines.push(`subscription accounts (${d.accounts.length})`, ...d.accounts.map((a) => `  ${a.id}${accountNotes(a)}`));
  const held = d.subscription.holders.reduce((n, h) => n + h.count, 0);
  lines.push(`subscription seats in use: ${held}`);
  for (const f of d.subscription.features) lines.push(`  ${f.feature}  ${f.inUse} of ${f.total} in use`);
  return lines;
}

/** What follows an account's id in a line: its label, and when it was disabled. */
function accountNotes(a: AccountView): string {
  return `${a.label ? `  ${JSON.stringify(a.label)}` : ''}${a.disabledAt ? `  disabled ${a.disabledAt}` : ''}`;
}

// ---- the feature catalog

function registerFeatures(vendor: Command): void {
  const feature = vendor
    .command('feature')
    .description('the feature catalog (`entitlement add` adds a missing feature itself)')
    .helpCommand(false);
  examples(feature, ['$ tessera vendor feature add asr --description "speech recognition" --data ./cloud']);

  const add = feature
    .command('add')
    .description('add a feature to the catalog')
    .argument('<name>', 'feature name: 1-64 characters of A-Z a-z 0-9 . _ -')
    .option('--description <text>', 'what the feature is', undefined);
  cloudCommand(add, {
    examples: ['$ tessera vendor feature add asr --description "speech recognition" --data ./cloud'],
    run: ({ flags, cloud }: CloudContext<CloudFlags & { description?: string }>, name) =>
      cloud((api) => api.featureAdd(name, flags.description)),
    human: (d) => `feature ${d.name}${d.description ? `: ${d.description}` : ''}`,
  });

  cloudListCommand(feature.command('list').description('the feature catalog'), {
    examples: ['$ tessera vendor feature list --data ./cloud'],
    key: 'features',
    list: (api) => api.featureList(),
    empty: 'no features yet',
    line: (f) => `${f.name}${f.description ? `  ${f.description}` : ''}`,
  });
}

// ---- entitlements

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

function registerEntitlements(vendor: Command): void {
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
          // DESIGN §7 has no catalog command: a feature named here for the first time joins it.
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

// ---- servers

function registerServers(vendor: Command): void {
  const server = vendor
    .command('server')
    .description("customers' License Servers, registered from their Server ID files")
    .helpCommand(false);
  examples(server, ['$ tessera vendor server register --customer cus_06h2 info.bts --data ./cloud']);

  const register = server
    .command('register')
    .description('register a License Server from its Server ID file (info.bts), for perpetual or flexible use')
    .argument('<file>', "the customer's Server ID file (info.bts)")
    .requiredOption('--customer <id>', 'the customer the server belongs to (cus_...)');
  cloudCommand(register, {
    help:
      '\nThe file is verified (signed by the server key it names) before anything is stored. Registering a\n' +
      'known server again for the same customer keeps it and takes the newer hardware factors.\n',
    examples: [
      '$ tessera vendor server register --customer cus_06h2 info.bts --data ./cloud',
      '$ tessera vendor server register --customer cus_06h2 info.bts --data ./cloud --json',
    ],
    run: async ({ flags, cloud }: CloudContext<CloudFlags & { customer: string }>, file) => {
      const text = readDocumentFile(file, 'Server ID file');
      return cloud((api) => api.serverRegister(flags.customer, text));
    },
    human: (d) => [
      `${d.created ? 'registered' : 'already registered, updated'} server ${d.id} (host ${d.hostName}, Tessera ${d.productVersion}) for ${d.customerId}`,
      `  hardware factors: ${d.factors.join(', ') || 'none'}`,
    ],
  });

  const list = server
    .command('list')
    .description('registered License Servers')
    .option('--customer <id>', 'only this customer');
  cloudListCommand(list, {
    examples: ['$ tessera vendor server list --customer cus_06h2 --data ./cloud'],
    key: 'servers',
    list: (api, flags: CloudFlags & { customer?: string }) => api.serverList(flags.customer),
    empty: 'no servers registered',
    line: (s) => `${s.id}  host ${s.hostName}  ${s.customerId}  registered ${s.registeredAt.slice(0, 10)}`,
  });
}

// ---- deployments (perpetual license files)

type OutFlags = CloudFlags & { out: string };

function registerDeployments(vendor: Command): void {
  const deploy = vendor
    .command('deploy')
    .description(
      "a deployment: a perpetual license file bound to a registered server, drawn from the customer's entitlements",
    )
    .requiredOption('--server <id>', 'the registered server (srv_...)')
    .requiredOption('--feature <name=count...>', 'a feature and its seat count, e.g. asr=10 (repeatable)')
    .requiredOption('--out <file>', 'where to write the license file (must not exist)');
  cloudCommand(deploy, {
    help:
      "\nEach feature draws from the customer's perpetual entitlement of it with enough free seats and the\n" +
      'latest maintenance date. Asking for more than is free is refused (OVER_ALLOCATION) and changes\n' +
      'nothing. Install the file on the server with `tessera license install FILE`.\n',
    examples: [
      '$ tessera vendor deploy --server srv_U8LUHMpy --feature asr=10 tts=4 --out acme.lic --data ./cloud',
      '$ tessera vendor deploy --server srv_U8LUHMpy --feature asr=10 --feature tts=4 --out acme.lic --data ./cloud --json',
    ],
    run: ({ flags, cloud }: CloudContext<OutFlags & { server: string; feature: string[] }>) => {
      const features = flags.feature.map(featureArg);
      return writeDeployment(flags.out, cloud, (api) => api.deploy(flags.server, features));
    },
    human: (x, flags) => [
      ...deploymentLines(x),
      `written to ${flags.out}; install it with \`tessera license install ${flags.out} --data DIR\` on that server`,
    ],
  });

  const deployment = vendor
    .command('deployment')
    .description('deployments: list, show, license files of any revision, more licenses, renewals')
    .helpCommand(false);
  examples(deployment, [
    '$ tessera vendor deployment list --customer cus_06h2 --data ./cloud',
    '$ tessera vendor deployment file lic_06h2 --out acme-rev2.lic --data ./cloud',
  ]);

  const list = deployment
    .command('list')
    .description('deployments')
    .option('--customer <id>', 'only this customer')
    .option('--server <id>', 'only this server');
  cloudListCommand(list, {
    examples: [
      '$ tessera vendor deployment list --data ./cloud',
      '$ tessera vendor deployment list --server srv_U8LU --data ./cloud --json',
    ],
    key: 'deployments',
    list: (api, flags: CloudFlags & { customer?: string; server?: string }) =>
      api.deploymentList({
        ...(flags.customer !== undefined && { customerId: flags.customer }),
        ...(flags.server !== undefined && { serverId: flags.server }),
      }),
    empty: 'no deployments',
    line: (x) => deploymentLines(x),
  });

  const show = deployment
    .command('show')
    .description('a deployment: its license lines and revisions')
    .argument('<license-id>', 'the license id (lic_...)');
  cloudCommand(show, {
    examples: ['$ tessera vendor deployment show lic_06h2 --data ./cloud'],
    run: ({ cloud }, licenseId) => cloud((api) => api.deploymentGet(licenseId)),
    human: (x) => [...deploymentLines(x), ...x.revisions.map((r) => `  rev ${r.revision}  ${r.issuedAt}  ${r.reason}`)],
  });

  const file = deployment
    .command('file')
    .description('write the license file of a deployment (its current revision, or --revision N)')
    .argument('<license-id>', 'the license id (lic_...)')
    .requiredOption('--out <file>', 'where to write the license file (must not exist)')
    .option('--revision <n>', 'an earlier revision', integer('--revision', 1));
  cloudCommand(file, {
    examples: [
      '$ tessera vendor deployment file lic_06h2 --out acme-rev2.lic --data ./cloud',
      '$ tessera license renew acme-rev2.lic --data /var/lib/tessera     # on the License Server',
    ],
    run: async ({ flags, cloud }: CloudContext<OutFlags & { revision?: number }>, licenseId) => {
      const { text, view } = await cloud(async (api) => ({
        text: await api.deploymentFile(licenseId, flags.revision),
        view: await api.deploymentGet(licenseId),
      }));
      NewFile.create(flags.out, PUBLIC_FILE_MODE, 'license file', 'pick another --out').fill(text);
      return { id: licenseId, revision: flags.revision ?? view.revision, file: resolve(flags.out) };
    },
    human: (d, flags) => `license ${d.id} rev ${d.revision} written to ${flags.out}`,
  });

  const addLicenses = deployment
    .command('add')
    .description('add licenses to a deployment: the next revision of its license file, for Renew License')
    .argument('<license-id>', 'the license id (lic_...)')
    .requiredOption('--feature <name=count...>', 'more seats of a feature, e.g. asr=5 (repeatable)')
    .requiredOption('--out <file>', 'where to write the renewed license file (must not exist)');
  cloudCommand(addLicenses, {
    examples: [
      '$ tessera vendor deployment add lic_06h2 --feature asr=5 --out acme-rev2.lic --data ./cloud',
      '$ tessera license renew acme-rev2.lic --data /var/lib/tessera     # on the License Server',
    ],
    run: ({ flags, cloud }: CloudContext<OutFlags & { feature: string[] }>, licenseId) => {
      const features = flags.feature.map(featureArg);
      return writeDeployment(flags.out, cloud, (api) => api.deploymentAddLicenses(licenseId, features));
    },
    human: (x, flags) => revisionLines(x, flags.out, 'new revision'),
  });

  const renew = deployment
    .command('renew')
    .description(
      "re-issue a deployment's license with its entitlements' current dates (a new revision if they changed)",
    )
    .argument('<license-id>', 'the license id (lic_...)')
    .requiredOption('--out <file>', 'where to write the license file (must not exist)');
  cloudCommand(renew, {
    examples: ['$ tessera vendor deployment renew lic_06h2 --out acme-rev3.lic --data ./cloud'],
    run: ({ flags, cloud }: CloudContext<OutFlags>, licenseId) =>
      writeDeployment(flags.out, cloud, (api) => api.deploymentRenew(licenseId)),
    human: (x, flags) => revisionLines(x, flags.out, 'renewed'),
  });
}

/**
 * Makes `out` (refusing one that exists), runs a call that answers a deployment with its file,
 * and writes the file there; answers the deployment with the file's path in place of its text.
 */
async function writeDeployment<D extends DeploymentWithFile>(
  out: string,
  cloud: CloudCall,
  call: (api: CloudApiClient) => Promise<D>,
): Promise<Omit<D, 'file' | 'fileName'> & { file: string }> {
  const d = await intoNewFile(
    NewFile.create(out, PUBLIC_FILE_MODE, 'license file', 'pick another --out'),
    () => cloud(call),
    (answer) => answer.file,
  );
  const { file, fileName, ...view } = d;
  return { ...view, file: resolve(out) };
}

/** A new revision written to `out`, or the current one again when nothing changed. */
function revisionLines(x: DeploymentView & { changed?: boolean }, out: string, what: string): string[] {
  return [
    ...deploymentLines(x),
    x.changed === false
      ? `nothing changed: rev ${x.revision} is current; written to ${out}`
      : `${what}: rev ${x.revision} written to ${out}; install it with \`tessera license renew ${out} --data DIR\``,
  ];
}

// ---- subscription accounts

function registerAccounts(vendor: Command): void {
  const account = vendor
    .command('account')
    .description('subscription accounts: credentials for client applications that check seats out of the Cloud')
    .helpCommand(false);
  examples(account, ['$ tessera vendor account add --customer cus_06h2 --out client_property.conf --data ./cloud']);

  const add = account
    .command('add')
    .description('a subscription account: user name, secret and a ready client_property.conf (shown once)')
    .requiredOption('--customer <id>', 'the customer (cus_...)')
    .option('--label <text>', 'what the account is for, e.g. "call center"')
    .option('--out <file>', 'also write the client_property.conf here (mode 0600: it holds the secret)');
  cloudCommand(add, {
    help:
      '\nThe secret is stored only as a hash: keep the output. The client_property.conf lists every live\n' +
      'Cloud node under LICENSE_SERVERS (failover order) and the credentials under [AUTHENTICATION];\n' +
      "client applications (the SDK) read it and check seats out of the customer's subscription pool.\n",
    examples: [
      '$ tessera vendor account add --customer cus_06h2 --out client_property.conf --data ./cloud',
      '$ tessera vendor account add --customer cus_06h2 --label "call center" --data ./cloud --json',
    ],
    run: async ({ flags, cloud }: CloudContext<CloudFlags & { customer: string; label?: string; out?: string }>) => {
      const out =
        flags.out !== undefined
          ? NewFile.create(flags.out, SECRET_FILE_MODE, 'client_property.conf', 'pick another --out')
          : undefined;
      const a = await intoNewFile(
        out,
        () => cloud((api) => api.accountAdd(flags.customer, flags.label)),
        (answer) => answer.clientConfig,
      );
      // DESIGN §7: `account add` prints username, password, clientConfig (first, for people reading JSON).
      const { id, username, password, clientConfig, ...rest } = a;
      return {
        id,
        username,
        password,
        clientConfig,
        ...rest,
        ...(flags.out !== undefined && { file: resolve(flags.out) }),
      };
    },
    human: (d, flags) => [
      `subscription account ${d.id} for ${d.customerId} (pool ${d.poolId})`,
      `  username  ${d.username}`,
      `  password  ${d.password}  (shown once; only its hash is kept)`,
      flags.out !== undefined ? `client_property.conf (written to ${flags.out}):` : 'client_property.conf:',
      ...d.clientConfig
        .trimEnd()
        .split('\n')
        .map((l) => `  ${l}`),
    ],
  });

  const list = account
    .command('list')
    .description('subscription accounts (never their secrets)')
    .option('--customer <id>', 'only this customer');
  cloudListCommand(list, {
    examples: ['$ tessera vendor account list --customer cus_06h2 --data ./cloud'],
    key: 'accounts',
    list: (api, flags: CloudFlags & { customer?: string }) => api.accountList(flags.customer),
    empty: 'no subscription accounts',
    line: (a) => `${a.id}  ${a.customerId}${accountNotes(a)}`,
  });

  const disable = account
    .command('disable')
    .description('disable a subscription account: its credentials stop working')
    .argument('<account-id>', 'the account id (acct_...)');
  cloudCommand(disable, {
    examples: ['$ tessera vendor account disable acct_06h2 --data ./cloud'],
    run: ({ cloud }, id) => cloud((api) => api.accountDisable(id)),
    human: (d) => `disabled subscription account ${d.id} (${d.customerId})`,
  });
}

// ---- returns

function registerReturn(vendor: Command): void {
  const ret = vendor
    .command('return')
    .description("an uninstall certificate: the license's seats go back to the customer's entitlements, once")
    .argument('<cert-file>', 'the uninstall certificate (from `tessera license uninstall`)');
  cloudCommand(ret, {
    help:
      '\nThe certificate is verified with the key of the registered server that signed it. A certificate is\n' +
      'taken once (ALREADY_RETURNED after that); the seats can then be deployed on another server.\n',
    examples: [
      '$ tessera vendor return lic_06h2.uninstall --data ./cloud',
      '$ tessera vendor deploy --server srv_NEW --feature asr=10 --out acme-new.lic --data ./cloud',
    ],
    run: async ({ cloud }, file) => {
      const text = readDocumentFile(file, 'uninstall certificate');
      return cloud((api) => api.returnCertificate(text));
    },
    human: (d) => [
      `returned license ${d.licenseId} rev ${d.revision} from ${d.serverId} (${d.id})`,
      ...d.seats.map((s) => `  ${s.feature}: ${s.count} seat${s.count === 1 ? '' : 's'} back to ${s.entitlementId}`),
    ],
  });
}

// ---- flexible licensing: enrollment codes and allocations

/** `NAME=COUNT` of an allocation, where 0 takes a feature off the server. */
function allocationArg(spec: string): { feature: string; count: number } {
  const zero = /^([A-Za-z0-9._-]{1,64})=0+$/.exec(spec.trim());
  if (zero) return { feature: zero[1]!, count: 0 };
  const { name, count } = featureArg(spec);
  return { feature: name, count };
}

function registerFlexible(vendor: Command): void {
  const enroll = vendor
    .command('enroll')
    .description('a one-time enrollment code for a flexible License Server of a customer')
    .requiredOption('--customer <id>', 'the customer (cus_...)');
  cloudCommand(enroll, {
    help:
      '\nThe code is shown once (the Cloud keeps only its hash) and expires if unused. The customer starts\n' +
      'the License Server with it: `tessera server start --data DIR --mode flexible --cloud URL --enroll CODE`\n' +
      '(or --mode als / pls); its first report enrolls it, registered to this customer.\n',
    examples: [
      '$ tessera vendor enroll --customer cus_06h2 --data ./cloud',
      '$ tessera vendor enroll --customer cus_06h2 --data ./cloud --json | jq -r .code',
    ],
    run: async ({ flags, cloud }: CloudContext<CloudFlags & { customer: string }>) => {
      // DESIGN §7: the `id` of what was made; for an enrollment, the code itself.
      const { code, id, ...rest } = await cloud((api) => api.enroll(flags.customer));
      return { id: code, code, enrollmentId: id, ...rest };
    },
    human: (d) => [
      `enrollment code ${d.code} for ${d.customerId} (one-time; expires ${d.expiresAt})`,
      "  on the customer's machine: tessera server start --data DIR --mode flexible --cloud URL --enroll CODE",
    ],
  });

  const allocate = vendor
    .command('allocate')
    .description(
      "flexible: set a server's seats, drawn from the customer's flexible entitlements; effective at its next sync",
    )
    .requiredOption('--server <id>', 'the enrolled server (srv_...)')
    .requiredOption(
      '--feature <name=count...>',
      'a feature and its seats on this server, e.g. asr=5; asr=0 takes it off (repeatable)',
    );
  cloudCommand(allocate, {
    help:
      '\nThis is the whole allocation of the server: a feature it holds that is not named goes back to 0.\n' +
      'Asking for more than is free is refused (OVER_ALLOCATION) and changes nothing. The server gets the\n' +
      'seats at its next sync; `tessera resync --data DIR` on its machine forces one now.\n',
    examples: [
      '$ tessera vendor allocate --server srv_U8LU --feature asr=5 tts=2 --data ./cloud',
      '$ tessera vendor allocate --server srv_U8LU --feature asr=0 --data ./cloud     # all seats back to the pool',
    ],
    run: async ({ flags, cloud }: CloudContext<CloudFlags & { server: string; feature: string[] }>) => {
      const features = flags.feature.map(allocationArg);
      const view = await cloud((api) => api.allocate(flags.server, features));
      return { id: view.serverId, ...view };
    },
    human: (d) => [
      `allocation of ${d.id} (${d.customerId}), effective at its next sync:`,
      ...(d.features.length === 0
        ? ['  nothing']
        : d.features.map(
            (f) =>
              `  ${f.feature}: ${f.count} seat${f.count === 1 ? '' : 's'}` +
              (f.entitlements.length > 0
                ? ` from ${f.entitlements.map((e) => `${e.entitlementId} (${e.count})`).join(', ')}`
                : ''),
          )),
    ],
  });
}
