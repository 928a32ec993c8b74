/**
 * `tessera vendor`: the vendor's offline tools (keygen.ts, issue.ts) and its work on a running Cloud
 * through the vendor API (one file per command group; cloud-command.ts gives those their shared options
 * and action). Help lists the commands in the order they are registered here.
 */
import type { Command } from 'commander';
import { examples } from '../common.js';
import { registerAccounts } from './account.js';
import { registerCustomers } from './customer.js';
import { registerDeployments } from './deployment.js';
import { registerEntitlements } from './entitlement.js';
import { registerFeatures } from './feature.js';
import { registerFlexible } from './flexible.js';
import { registerIssue } from './issue.js';
import { registerKeygen } from './keygen.js';
import { registerReturn } from './return.js';
import { registerServers } from './server.js';
import { registerUsers } from './user.js';

/** Registers `tessera vendor` with all its commands. */
export function registerVendorCommands(program: Command): void {
  const vendor = program
    .command('vendor')
    .description(
      "the vendor's tools: signing keys and license files offline; customers, deployments, accounts on a Cloud",
    )
    .helpCommand(false);
  examples(vendor, [
    '$ tessera vendor keygen --out ./vendor-keys',
    '$ tessera vendor issue --signing-key ./vendor-keys/vendor.key --server-id info.bts --feature asr=10 --out acme.lic',
    '$ tessera vendor customer add "Acme Speech Ltd" --data ./cloud     # on a running Cloud',
  ]);
  registerKeygen(vendor);
  registerIssue(vendor);
  registerCustomers(vendor);
  registerFeatures(vendor);
  registerEntitlements(vendor);
  registerServers(vendor);
  registerDeployments(vendor);
  registerAccounts(vendor);
  registerUsers(vendor);
  registerReturn(vendor);
  registerFlexible(vendor);
}
