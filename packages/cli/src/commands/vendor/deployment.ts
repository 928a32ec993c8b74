/**
 * `tessera vendor deploy` and `tessera vendor deployment list | show | file | add | renew`: perpetual
 * license files of registered servers, on a running Cloud.
 */
import { resolve } from 'node:path';
import type { DeploymentView, DeploymentWithFile } from '@tessera/cloud';
import type { CloudApiClient } from '@tessera/cloud/client';
import type { Command } from 'commander';
import { deploymentLines } from '../../cloud-format.js';
import { NewFile, PUBLIC_FILE_MODE } from '../../files.js';
import {
  type CloudCall,
  type CloudContext,
  type CloudFlags,
  cloudCommand,
  cloudListCommand,
  intoNewFile,
} from '../cloud-command.js';
import { examples, featureArg, integer } from '../common.js';

type OutFlags = CloudFlags & { out: string };

export function registerDeployments(vendor: Command): void {
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
  registerDeploymentGroup(vendor);
}

/** `tessera vendor deployment list | show | file | add | renew`. */
function registerDeploymentGroup(vendor: Command): void {
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
