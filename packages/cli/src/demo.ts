/**
 * `tessera demo`: everything in one process on embedded defaults. A vendor key, a License
 * Server trusting it, a Server ID file, two perpetual licenses issued and installed through
 * the same code the CLI commands use, and sample client applications (the SDK) that check
 * seats out, hold them, release them, and sometimes are refused, one log line per event.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LicenseClient, type LicenseClientConfig, parseClientProperties } from '@tessera/client';
import { issueLicense, privateKeyFromPem, utcDate } from '@tessera/core';
import type { RunningServer } from '@tessera/server';
import { CoreAdminTarget } from './admin-target.js';
import { DEMO_DEFAULTS } from './demo-defaults.js';
import { createServerLogger, type LogLevel } from './logger.js';
import { makeVendorKeyFiles, VENDOR_KEY_FILE, VENDOR_PUB_FILE } from './vendor-files.js';

const DAY_MS = 86_400_000;

interface SampleClient {
  name: string;
  app: string;
  version: string;
  /** Days from today of the app's release date (what the server checks against maintenance). */
  releasedDaysAgo: number;
  feature: string;
  count: number;
  /** How long a seat is held, ms (a random point in this range). */
  holdMs: [number, number];
  /** The pause after a release or a refusal, ms. */
  pauseMs: [number, number];
}

/** The sample applications: steady users, a burst that meets NO_SEATS, an old and a too-new release. */
const SAMPLE_CLIENTS: readonly SampleClient[] = [
  {
    name: 'transcriber-1',
    app: 'Transcriber',
    version: '5.2.0',
    releasedDaysAgo: 30,
    feature: 'asr',
    count: 3,
    holdMs: [3000, 6000],
    pauseMs: [1000, 3000],
  },
  {
    name: 'transcriber-2',
    app: 'Transcriber',
    version: '5.2.0',
    releasedDaysAgo: 30,
    feature: 'asr',
    count: 4,
    holdMs: [2000, 5000],
    pauseMs: [1000, 3000],
  },
  // tts has 4 seats: these two together want 5, so one of them is now and then refused NO_SEATS.
  {
    name: 'voice-studio',
    app: 'Voice Studio',
    version: '2.1.0',
    releasedDaysAgo: 90,
    feature: 'tts',
    count: 2,
    holdMs: [2000, 4000],
    pauseMs: [2000, 5000],
  },
  {
    name: 'voice-batch',
    app: 'Voice Batch',
    version: '2.1.0',
    releasedDaysAgo: 90,
    feature: 'tts',
    count: 3,
    holdMs: [2000, 4000],
    pauseMs: [1000, 4000],
  },
  // Released before the old contract's maintenance ended: served by that license (the best fit).
  {
    name: 'legacy-dictation',
    app: 'Dictation',
    version: '1.4.2',
    releasedDaysAgo: 4 * 365,
    feature: 'asr',
    count: 1,
    holdMs: [4000, 8000],
    pauseMs: [1000, 3000],
  },
  // Released after every asr license's maintenance date: refused MAINTENANCE_EXPIRED.
  {
    name: 'transcriber-next',
    app: 'Transcriber',
    version: '7.0.0',
    releasedDaysAgo: -2 * 365,
    feature: 'asr',
    count: 1,
    holdMs: [2000, 4000],
    pauseMs: [8000, 12000],
  },
];

export interface DemoOptions {
  /** Where everything goes; default a fresh directory under the OS temp dir. */
  dataDir?: string | undefined;
  clientPort: number;
  adminPort: number;
  logLevel: LogLevel;
  /** Run the sample clients (default true). */
  clients: boolean;
  /** Where the demo's lines go. */
  print: (line: string) => void;
}

export interface RunningDemo {
  dir: string;
  serverDir: string;
  clientUrl: string;
  adminUrl: string;
  serverId: string;
  passwordFile: string;
  /** The initial admin password, while its file exists (it goes when the password is changed). */
  password: string | undefined;
  clientConfigFile: string;
  clientConfig: string;
  /** Stops the sample clients (releasing their seats), then the server. */
  stop(): Promise<void>;
}

export async function startDemo(o: DemoOptions): Promise<RunningDemo> {
  const dir = o.dataDir !== undefined ? resolve(o.dataDir) : mkdtempSync(join(tmpdir(), 'tessera-demo-'));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const vendorDir = join(dir, 'vendor');
  const serverDir = join(dir, 'server');
  const licenseDir = join(dir, 'licenses');
  mkdirSync(licenseDir, { recursive: true });

  if (!existsSync(join(vendorDir, VENDOR_KEY_FILE))) await makeVendorKeyFiles(vendorDir);
  const vendorKey = privateKeyFromPem(readFileSync(join(vendorDir, VENDOR_KEY_FILE), 'utf8'));

  const server = await import('@tessera/server');
  const running = await startWithPortFallback(
    (clientPort, adminPort) =>
      server.startLicenseServer({
        dataDir: serverDir,
        vendorKeyFiles: [join(vendorDir, VENDOR_PUB_FILE)],
        clientListen: `127.0.0.1:${clientPort}`,
        adminListen: `127.0.0.1:${adminPort}`,
        leaseSeconds: DEMO_DEFAULTS.leaseSeconds,
        heartbeatSeconds: DEMO_DEFAULTS.heartbeatSeconds,
        logger: createServerLogger(o.logLevel),
        lockHolder: 'tessera demo',
      }),
    o.clientPort,
    o.adminPort,
    o.print,
  );

  let clients: SampleClients | undefined;
  try {
    const admin = new CoreAdminTarget(running.core, { id: 'cli:demo', role: 'admin' });
    const serverIdFile = await admin.serverIdFile();
    writeFileSync(join(dir, 'info.bts'), serverIdFile);
    const tree = await admin.list();
    if (tree.licenses.length === 0 && tree.uninstalled.length === 0) {
      const now = Date.now();
      for (const [name, spec] of [
        ['demo-main.lic', DEMO_DEFAULTS.mainLicense],
        ['demo-old-contract.lic', DEMO_DEFAULTS.oldLicense],
      ] as const) {
        const { file } = await issueLicense({
          serverIdFile,
          vendorKey,
          customer: spec.customer,
          features: Object.entries(spec.features).map(([feature, count]) => ({ name: feature, count })),
          maintenanceUntil: utcDate(now + spec.maintenanceDays * DAY_MS),
          nowMs: now,
        });
        writeFileSync(join(licenseDir, name), file);
        const view = await admin.install(file);
        o.print(
          `installed ${view.licenseId} for ${JSON.stringify(view.customer)}: ` +
            view.features.map((f) => `${f.name}=${f.count} (maintenance until ${f.maintenanceUntil})`).join(', '),
        );
      }
    } else {
      o.print(`reusing the ${tree.licenses.length} license(s) installed in ${serverDir}`);
    }

    const clientPort = new URL(running.clientUrl).port;
    const clientConfig = [
      '[GLOBAL]',
      `LICENSE_SERVERS = 127.0.0.1:${clientPort}`,
      'LICENSE_CACHE_PERIOD = 30',
      '',
    ].join('\n');
    const clientConfigFile = join(dir, 'client_property.conf');
    writeFileSync(clientConfigFile, clientConfig);
    // The sample clients release at once (no release cache), so every release shows on the server.
    const config: LicenseClientConfig = { ...parseClientProperties(clientConfig, clientConfigFile), cacheSeconds: 0 };
    const names = new Map((await admin.list()).licenses.map((l) => [l.licenseId, l.customer]));
    if (o.clients) clients = new SampleClients(config, names, o.print);

    const passwordFile = join(serverDir, server.DATA_FILES.initialPassword);
    let password: string | undefined;
    try {
      password = readFileSync(passwordFile, 'utf8').trim();
    } catch {}

    let stopping: Promise<void> | undefined;
    const demo: RunningDemo = {
      dir,
      serverDir,
      clientUrl: running.clientUrl,
      adminUrl: running.adminUrl,
      serverId: running.core.identity.serverId,
      passwordFile,
      password,
      clientConfigFile,
      clientConfig,
      stop() {
        stopping ??= (async () => {
          await clients?.stop();
          await running.stop();
        })();
        return stopping;
      },
    };
    clients?.start();
    return demo;
  } catch (err) {
    await clients?.stop();
    await running.stop();
    throw err;
  }
}

/**
 * Starts the server on the wanted ports; a port already in use is replaced by any free one
 * (port 0), and the demo says so.
 */
async function startWithPortFallback(
  start: (clientPort: number, adminPort: number) => Promise<RunningServer>,
  clientPort: number,
  adminPort: number,
  print: (line: string) => void,
): Promise<RunningServer> {
  let c = clientPort;
  let a = adminPort;
  for (;;) {
    try {
      return await start(c, a);
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { port?: number };
      if (e.code !== 'EADDRINUSE') throw err;
      if (c !== 0 && (e.port === c || e.port === undefined)) {
        print(`port ${c} is busy; the client API takes a free port instead`);
        c = 0;
      } else if (a !== 0 && (e.port === a || e.port === undefined)) {
        print(`port ${a} is busy; the admin API takes a free port instead`);
        a = 0;
      } else {
        throw err;
      }
    }
  }
}

/** The sample applications, each a loop: check out, hold, release, pause. */
class SampleClients {
  private readonly abort = new AbortController();
  private readonly clients: { spec: SampleClient; client: LicenseClient }[];
  private loops: Promise<void>[] = [];

  constructor(
    config: LicenseClientConfig,
    /** Customer names of the installed licenses, by license id, for the log lines. */
    private readonly licenseNames: ReadonlyMap<string, string>,
    private readonly print: (line: string) => void,
  ) {
    const now = Date.now();
    this.clients = SAMPLE_CLIENTS.map((spec) => ({
      spec,
      client: new LicenseClient(config, {
        clientId: spec.name,
        host: 'demo',
        app: spec.app,
        version: spec.version,
        releaseDate: utcDate(now - spec.releasedDaysAgo * DAY_MS),
      }),
    }));
  }

  start(): void {
    this.loops = this.clients.map(({ spec, client }, i) => this.loop(spec, client, i * 400));
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled(this.loops);
    await Promise.allSettled(this.clients.map(({ client }) => client.close()));
  }

  private licenseName(licenseId: string): string {
    const name = this.licenseNames.get(licenseId);
    return name ? `${short(licenseId)} (${name})` : short(licenseId);
  }

  private log(spec: SampleClient, message: string): void {
    const time = new Date().toISOString().slice(11, 19);
    this.print(`${time}  ${spec.name.padEnd(16)} ${message}`);
  }

  private async loop(spec: SampleClient, client: LicenseClient, startDelayMs: number): Promise<void> {
    const signal = this.abort.signal;
    const what = `${spec.feature} x${spec.count}`;
    const wait = (ms: number) =>
      sleep(ms, undefined, { signal }).then(
        () => true,
        () => false,
      );
    if (!(await wait(startDelayMs))) return;
    while (!signal.aborted) {
      let result: Awaited<ReturnType<LicenseClient['checkout']>>;
      try {
        result = await client.checkout(spec.feature, { count: spec.count });
      } catch (err) {
        if (!signal.aborted) this.log(spec, `checkout ${what} failed: ${(err as Error).message}`);
        return;
      }
      if (signal.aborted) {
        if (result.ok) await result.lease.release();
        return;
      }
      if (!result.ok) {
        this.log(spec, `${what} denied ${result.code}: ${result.message}`);
        if (!(await wait(between(...spec.pauseMs)))) return;
        continue;
      }
      const lease = result.lease;
      lease.on('lost', (e) => this.log(spec, `${what} lost (${e.reason}); re-checkout refused: ${e.code}`));
      lease.on('renewed', (e) => this.log(spec, `${what} moved to lease ${short(e.leaseId)} (${e.reason})`));
      const hold = between(...spec.holdMs);
      this.log(spec, `${what} granted by ${this.licenseName(lease.licenseId)}, holding ${(hold / 1000).toFixed(1)} s`);
      const held = await wait(hold);
      await lease.release();
      if (!held) return;
      this.log(spec, `${what} released`);
      if (!(await wait(between(...spec.pauseMs)))) return;
    }
  }
}

function between(min: number, max: number): number {
  return Math.round(min + Math.random() * (max - min));
}

/** `lease_…7w0xj1`: the random end of an id, enough to tell ids apart in a log line. */
function short(id: string): string {
  const underscore = id.indexOf('_');
  return id.length > 16 ? `${id.slice(0, underscore + 1)}…${id.slice(-6)}` : id;
}
