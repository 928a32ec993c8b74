/**
 * A private PostgreSQL server for fault tests: initdb and pg_ctl on a port of its own in a
 * temp dir, so a test may stop and start it without touching the machine's server. As root,
 * the PostgreSQL programs run as the `postgres` user (they refuse to run as root).
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../../test-support/processes.js';

export interface PrivatePostgres {
  url: string;
  port: number;
  start(): void;
  /** `pg_ctl stop -m fast`: sessions are ended, new connections refused. */
  stop(): void;
  destroy(): void;
  log(): string;
}

const servers = new Set<PrivatePostgres>();
process.on('exit', () => {
  for (const s of servers) s.destroy();
});

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) throw new Error(`no PostgreSQL server programs under ${root}/*/bin (initdb, pg_ctl)`);
  return join(root, versions[0]!, 'bin');
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'tessera-pg-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const run = (program: string, args: string[]) => {
    const cmd = asRoot ? 'runuser' : join(bin, program);
    const argv = asRoot ? ['-u', 'postgres', '--', join(bin, program), ...args] : args;
    return execFileSync(cmd, argv, { stdio: 'pipe', timeout: 60_000 }).toString();
  };
  const port = await freePort();
  let stopped = true;
  const self: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start() {
      run('pg_ctl', [
        '-D',
        data,
        '-l',
        logFile,
        '-w',
        '-t',
        '30',
        '-o',
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`,
        'start',
      ]);
      stopped = false;
    },
    stop() {
      run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']);
      stopped = true;
    },
    destroy() {
      servers.delete(self);
      if (!stopped) {
        try {
          run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-t', '30', 'stop']);
        } catch {}
        stopped = true;
      }
      rmSync(dir, { recursive: true, force: true });
    },
    log() {
      try {
        return execFileSync('cat', [logFile]).toString();
      } catch {
        return '';
      }
    },
  };
  servers.add(self);
  try {
    run('initdb', ['-D', data, '--auth=trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    self.start();
  } catch (err) {
    self.destroy();
    throw err;
  }
  return self;
}
