/** `tessera vendor enroll | allocate`: flexible License Servers' enrollment codes and seats, on a running Cloud. */
import type { Command } from 'commander';
import { type CloudContext, type CloudFlags, cloudCommand } from '../cloud-command.js';
import { featureArg } from '../common.js';

/** `NAME=COUNT` of an allocation, where 0 takes a feature off the server. */
function allocationArg(spec: string): { feature: string; count: number } {
  const zero = /^([A-Za-z0-9._-]{1,64})=0+$/.exec(spec.trim());
  if (zero) return { feature: zero[1]!, count: 0 };
  const { name, count } = featureArg(spec);
  return { feature: name, count };
}

export function registerFlexible(vendor: Command): void {
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
      // docs/cli.md: the `id` of what was made; for an enrollment, the code itself.
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
