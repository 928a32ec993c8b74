import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { PRODUCT_VERSION } from '@tessera/core';
import type { Command } from 'commander';
import { buildProgram } from '../src/main.js';
import { cleanup, cli, oneStderrLine, tempDir } from './support.js';

after(cleanup);

function allCommands(cmd: Command, path: string[] = []): { path: string[]; cmd: Command }[] {
  return [{ path, cmd }, ...cmd.commands.flatMap((c) => allCommands(c, [...path, c.name()]))];
}

describe('the command line itself', () => {
  test('--help of every command shows an Examples section', { timeout: 20_000 }, async () => {
    // Every command, in-process (the help text is data of the program)...
    const commands = allCommands(buildProgram());
    assert.ok(commands.length >= 14, `all commands are found (${commands.length})`);
    for (const { path, cmd } of commands) {
      let text = '';
      cmd.configureOutput({ writeOut: (s) => (text += s) });
      cmd.outputHelp();
      assert.match(text, /\nExamples:\n {2}\$ tessera /, `tessera ${path.join(' ')} --help shows examples`);
    }
    // ...and a few through the compiled CLI, as a user runs it.
    const spawned = [['--help'], ['license', 'install', '--help'], ['server', 'start', '--help'], ['demo', '--help']];
    const results = await Promise.all(spawned.map((args) => cli(args)));
    results.forEach((r, i) => {
      const name = `tessera ${spawned[i]!.join(' ')}`;
      assert.equal(r.code, 0, `${name} exits 0`);
      assert.match(r.stdout, /^Usage: tessera/, `${name} prints usage on stdout`);
      assert.match(r.stdout, /\nExamples:\n/, `${name} shows examples`);
    });
  });

  test('--version prints the product version', { timeout: 10_000 }, async () => {
    const r = await cli(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), `tessera ${PRODUCT_VERSION}`);
  });

  test('usage errors exit 2 with one line on stderr; a mode without what it needs is refused by name', {
    timeout: 20_000,
  }, async () => {
    const work = tempDir();
    const cases: [string[], RegExp][] = [
      [['license', 'install'], /missing required argument 'file'.*license install --help/],
      [['license', 'list'], /give --data DIR/],
      [
        ['vendor', 'issue', '--signing-key', 'k', '--server-id', 'i', '--feature', 'asr', '--out', 'o'],
        /--feature: a feature is NAME=COUNT/,
      ],
      [['server', 'start', '--data', work, '--mode', 'als', '--cloud', 'http://x'], /an ALS has no Cloud access/],
      [['server', 'start', '--data', work, '--mode', 'lease'], /--mode must be one of perpetual, flexible, als, pls/],
      [['licence', 'list'], /unknown command 'licence'/],
      [['license', 'list', '--server', '127.0.0.1:1'], /--server URL needs --token T or --token-file FILE/],
      [
        ['vendor', 'customer', 'list', '--cloud', 'x', '--data', work],
        /give either --data DIR or --cloud URL, not both/,
      ],
      [
        ['vendor', 'customer', 'list', '--cloud', 'x', '--token', 'a', '--token-file', 'b'],
        /give --token or --token-file, not both/,
      ],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(args)));
    results.forEach((r, i) => {
      const [args, pattern] = cases[i]!;
      assert.equal(r.code, 2, `tessera ${args.join(' ')} exits 2 (${r.stderr})`);
      assert.match(oneStderrLine(r), pattern);
      assert.match(r.stderr, /^tessera: /);
      assert.equal(r.stdout, '');
    });
    // Not a usage error since settings came from server.conf too: the settings refuse it, by name.
    const flexible = await cli(['server', 'start', '--data', work, '--mode', 'flexible']);
    assert.equal(flexible.code, 1, flexible.stderr);
    assert.match(
      oneStderrLine(flexible),
      /^tessera: cloud_nodes: mode flexible talks to the Cloud: name its nodes in cloud_nodes \(or give --cloud .*\(SETTINGS_INVALID\)$/,
    );
  });
});
