/** `tessera vendor feature add | list`: the feature catalog, on a running Cloud. */
import type { Command } from 'commander';
import { type CloudContext, type CloudFlags, cloudCommand, cloudListCommand } from '../cloud-command.js';
import { examples } from '../common.js';

export function registerFeatures(vendor: Command): void {
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
