/**
 * How scenarios are declared and run: each scenario runs once per selected driver, as its own
 * test named `<driver>: <scenario>`, on servers of its own that it starts and that are
 * stopped when it ends. The rows of one scenario run side by side (their servers are separate),
 * the scenarios of a file one after another.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { cleanup, tempDir } from '../../../packages/cli/test/support.js';
import { type DriverSpec, selectedDrivers } from '../drivers.js';
import { DriverProcess, type Fields } from './driver.js';
import { closeHttpHelpers } from './http.js';
import { LicensedServer, type ServerSpec } from './servers.js';

/** Wall-clock limit of a row unless its scenario says otherwise: servers may take a minute to start on a busy box. */
const DEFAULT_ROW_TIMEOUT_MS = 150_000;

export interface Scenario {
  name: string;
  /** Wall-clock limit of one row; generous, since several helpers share a 2-core machine. */
  timeoutMs?: number;
  run(ctx: ScenarioContext): Promise<void>;
}

/** What a `client_property.conf` says, for {@link ScenarioContext.conf}. */
export interface ConfSpec {
  /** Entries of `LICENSE_SERVERS`, in order. */
  servers: string[];
  /** `LICENSE_CACHE_PERIOD`; 0 unless given (the default 30 would keep released seats). */
  cachePeriod?: number;
  auth?: { username: string; password: string };
}

/** Something a scenario started that must be stopped when it ends. */
interface Disposable {
  dispose(): Promise<void>;
}

export class ScenarioContext {
  readonly dir = tempDir('tessera-conformance-');
  private readonly drivers: DriverProcess[] = [];
  private readonly owned: Disposable[] = [];
  private confs = 0;

  constructor(readonly spec: DriverSpec) {}

  /** Writes a `client_property.conf` and returns its path. */
  conf(c: ConfSpec): string {
    const lines = [
      '[GLOBAL]',
      `LICENSE_SERVERS = ${c.servers.join(';')}`,
      `LICENSE_CACHE_PERIOD = ${c.cachePeriod ?? 0}`,
    ];
    if (c.auth) {
      lines.push('', '[AUTHENTICATION]', `AUTHENTICATION_USERNAME = ${c.auth.username}`);
      lines.push(`AUTHENTICATION_PASSWORD = ${c.auth.password}`);
    }
    return this.confText(`${lines.join('\n')}\n`);
  }

  /** Writes `text` as a conf file of its own and returns its path. */
  confText(text: string, name = `client_property_${++this.confs}.conf`): string {
    const path = join(this.dir, name);
    writeFileSync(path, text);
    return path;
  }

  /** Starts a driver that has not opened anything yet. */
  start(): DriverProcess {
    const d = DriverProcess.start(this.spec);
    this.drivers.push(d);
    return d;
  }

  /** Starts a driver and opens `conf` with it (which must succeed). */
  async open(conf: string, fields: Fields = {}): Promise<DriverProcess> {
    const d = this.start();
    await d.ok('open', { conf, ...fields });
    return d;
  }

  /** A License Server of this row, stopped when the row ends. */
  async server(spec: ServerSpec = {}): Promise<LicensedServer> {
    const s = await LicensedServer.start(spec);
    this.own({ dispose: () => s.kill9() });
    return s;
  }

  /** Registers something to stop when the row ends. */
  own(d: Disposable): void {
    this.owned.push(d);
  }

  async dispose(): Promise<void> {
    await Promise.allSettled(this.drivers.map((d) => d.kill9()));
    await Promise.allSettled(this.owned.reverse().map((d) => d.dispose()));
  }
}

/** Registers the scenarios of one file: a `describe` per scenario, a test per driver. */
export function conformance(group: string, scenarios: readonly Scenario[]): void {
  const drivers = selectedDrivers();
  after(async () => {
    await closeHttpHelpers();
    await cleanup();
  });
  describe(group, () => {
    for (const scenario of scenarios) {
      describe(scenario.name, { concurrency: true }, () => {
        for (const spec of drivers) {
          test(`${spec.name}: ${scenario.name}`, {
            timeout: scenario.timeoutMs ?? DEFAULT_ROW_TIMEOUT_MS,
          }, async () => {
            // A driver that is not built fails its row at once, before any server is started for it.
            const missing = spec.missing();
            if (missing) assert.fail(missing);
            const ctx = new ScenarioContext(spec);
            try {
              await scenario.run(ctx);
            } finally {
              await ctx.dispose();
            }
          });
        }
      });
    }
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Asks `check` every 100 ms until it is true; false if `timeoutMs` passed first. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
}
