/** `tessera vendor customer add | list | show`: the vendor's customers, on a running Cloud. */
import type {
  AccountView,
  CustomerView,
  DeploymentView,
  EntitlementView,
  ServerView,
  SubscriptionUsage,
} from '@tessera/cloud';
import type { Command } from 'commander';
import { accountNotes, deploymentLines, entitlementLine } from '../../cloud-format.js';
import { cloudCommand, cloudListCommand } from '../cloud-command.js';
import { examples } from '../common.js';

export function registerCustomers(vendor: Command): void {
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
