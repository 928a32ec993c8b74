/**
 * `tessera demo`: everything in one process on embedded defaults. A Cloud node (SQLite) with
 * its vendor key; a License Server trusting that key; the portal flow through the Cloud's
 * vendor API, as `tessera vendor ...` runs it: a customer, perpetual entitlements, the server
 * registered from its Server ID file, deployments, license files installed on the server; a
 * subscription account; and sample client applications (the SDK) that check seats out of the
 * License Server and of the Cloud, hold them, release them, and sometimes are refused, one
 * log line per event.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LicenseClient, type LicenseClientConfig, parseClientProperties } from '@tessera/client';
import type { CloudApiClient, CloudOptions, EntitlementView, RunningCloud } from '@tessera/cloud';
import { utcDate } from '@tessera/core';
import type { LicenseTree, RunningServer } from '@tessera/server';
import { CoreAdminTarget } from './admin-target.js';
import { DEMO_DEFAULTS } from './demo-defaults.js';
import { createServerLogger, type LogLevel } from './logger.js';

const DAY_MS = 86_400_000;

interface SampleClient {
  name: string;
  /** Who serves it: the License Server (perpetual licenses) or the Cloud (subscription seats). */
  from: 'server' | 'cloud';
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
    from: 'server',
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
    from: 'server',
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
    from: 'server',
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
    from: 'server',
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
    from: 'server',
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
    from: 'server',
    app: 'Transcriber',
    version: '7.0.0',
    releasedDaysAgo: -2 * 365,
    feature: 'asr',
    count: 1,
    holdMs: [2000, 4000],
    pauseMs: [8000, 12000],
  },
  // Subscription seats from the Cloud: 2 + 3 wanted of 4, so one of them is now and then refused NO_SEATS.
  {
    name: 'cloud-captions',
    from: 'cloud',
    app: 'Live Captions',
    version: '3.0.1',
    releasedDaysAgo: 14,
    feature: 'asr',
    count: 2,
    holdMs: [3000, 6000],
    pauseMs: [1000, 3000],
  },
  {
    name: 'cloud-callcenter',
    from: 'cloud',
    app: 'Call Center',
    version: '3.0.1',
    releasedDaysAgo: 14,
    feature: 'asr',
    count: 3,
    holdMs: [2000, 5000],
    pauseMs: [1000, 4000],
  },
];

export interface DemoOptions {
  /** Where everything goes; default a fresh directory under the OS temp dir. */
  dataDir?: string | undefined;
  clientPort: number;
  adminPort: number;
  /** The Cloud's port (portal, vendor API, subscription licensing). */
  cloudPort: number;
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
  /** The Cloud node's data dir, and its URL (the portal is at `/`). */
  cloudDir: string;
  portalUrl: string;
  portalPasswordFile: string;
  /** The portal's initial admin password, while its file exists. */
  portalPassword: string | undefined;
  customerId: string;
  /** The subscription account made by this run, and its client_property.conf. */
  accountId: string;
  subscriptionConfigFile: string;
  subscriptionConfig: string;
  /** Stops the sample clients (releasing their seats), then the License Server, then the Cloud. */
  stop(): Promise<void>;
}

export async function startDemo(o: DemoOptions): Promise<RunningDemo> {
  const dir = o.dataDir !== undefined ? resolve(o.dataDir) : mkdtempSync(join(tmpdir(), 'tessera-demo-'));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const cloudDir = join(dir, 'cloud');
  const serverDir = join(dir, 'server');
  const licenseDir = join(dir, 'licenses');
  mkdirSync(licenseDir, { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => {});
  };

  try {
    // 1. The Cloud: vendor key, portal, vendor API, subscription licensing, on SQLite in DIR/cloud.
    const cloudModule = await import('@tessera/cloud');
    const cloudLogger = createServerLogger(o.logLevel) as unknown as NonNullable<CloudOptions['logger']>;
    const cloud: RunningCloud = await withPortFallback(
      (port) =>
        cloudModule.startCloud({
          dataDir: cloudDir,
          listen: `127.0.0.1:${port}`,
          leaseSeconds: DEMO_DEFAULTS.leaseSeconds,
          heartbeatSeconds: DEMO_DEFAULTS.heartbeatSeconds,
          logger: cloudLogger,
        }),
      o.cloudPort,
      'the Cloud',
      o.print,
    );
    stops.push(() => cloud.stop());
    const vendorPub = join(cloudDir, cloudModule.CLOUD_FILES.vendorPub);
    const token = readFileSync(join(cloudDir, cloudModule.CLOUD_FILES.adminToken), 'utf8').trim();
    const api = new cloudModule.CloudApiClient({ url: cloud.url, token });

    // 2. A License Server that trusts the Cloud's vendor key; the Dashboard links to the portal.
    const server = await import('@tessera/server');
    const running = await startWithPortFallback(
      (clientPort, adminPort) =>
        server.startLicenseServer({
          dataDir: serverDir,
          vendorKeyFiles: [vendorPub],
          clientListen: `127.0.0.1:${clientPort}`,
          adminListen: `127.0.0.1:${adminPort}`,
          leaseSeconds: DEMO_DEFAULTS.leaseSeconds,
          heartbeatSeconds: DEMO_DEFAULTS.heartbeatSeconds,
          portalUrl: cloud.url,
          logger: createServerLogger(o.logLevel),
          lockHolder: 'tessera demo',
        }),
      o.clientPort,
      o.adminPort,
      o.print,
    );
    stops.push(() => running.stop());

    // 3. The portal flow: customer, entitlements, Server ID file -> registration -> deployments
    //    -> license files -> Install License.
    const admin = new CoreAdminTarget(running.core, { id: 'cli:demo', role: 'admin' });
    const serverIdFile = await admin.serverIdFile();
    writeFileSync(join(dir, 'info.bts'), serverIdFile);
    const setup = await portalFlow(api, serverIdFile, Date.now());
    const tree = await admin.list();
    if (tree.licenses.length === 0 && tree.uninstalled.length === 0) {
      for (const [name, lines] of [
        ['demo-main.lic', setup.main],
        ['demo-old-contract.lic', setup.old],
      ] as const) {
        const deployment = await api.deploy(setup.serverId, lines);
        writeFileSync(join(licenseDir, name), deployment.file);
        const view = await admin.install(deployment.file);
        o.print(
          `deployed and installed ${view.licenseId} for ${JSON.stringify(view.customer)}: ` +
            view.features.map((f) => `${f.name}=${f.count} (maintenance until ${f.maintenanceUntil})`).join(', '),
        );
      }
    } else {
      o.print(`reusing the ${tree.licenses.length} license(s) installed in ${serverDir}`);
    }

    // 4. A subscription account: its client_property.conf lists the Cloud node.
    const account = await api.accountAdd(setup.customerId, 'demo');
    const subscriptionConfigFile = join(dir, 'subscription', 'client_property.conf');
    mkdirSync(join(dir, 'subscription'), { recursive: true, mode: 0o700 });
    writeFileSync(subscriptionConfigFile, account.clientConfig, { mode: 0o600 });
    o.print(
      `subscription account ${account.id}: ${setup.subscription.count} ${setup.subscription.feature} seats from the Cloud`,
    );

    // 5. The License Server's client_property.conf, and the sample clients.
    const clientPort = new URL(running.clientUrl).port;
    const clientConfig = [
      '[GLOBAL]',
      `LICENSE_SERVERS = 127.0.0.1:${clientPort}`,
      'LICENSE_CACHE_PERIOD = 30',
      '',
    ].join('\n');
    const clientConfigFile = join(dir, 'client_property.conf');
    writeFileSync(clientConfigFile, clientConfig);
    // The sample clients release at once (no release cache), so every release shows at once.
    const configs: Record<SampleClient['from'], LicenseClientConfig> = {
      server: { ...parseClientProperties(clientConfig, clientConfigFile), cacheSeconds: 0 },
      cloud: { ...parseClientProperties(account.clientConfig, subscriptionConfigFile), cacheSeconds: 0 },
    };
    const names = licenseNames(await admin.list(), setup.subscription);
    let clients: SampleClients | undefined;
    if (o.clients) {
      clients = new SampleClients(configs, names, o.print);
      const started = clients;
      stops.push(() => started.stop());
    }

    const passwordFile = join(serverDir, server.DATA_FILES.initialPassword);
    const portalPasswordFile = join(cloudDir, cloudModule.CLOUD_FILES.initialPassword);
    let stopping: Promise<void> | undefined;
    const demo: RunningDemo = {
      dir,
      serverDir,
      clientUrl: running.clientUrl,
      adminUrl: running.adminUrl,
      serverId: running.core.identity.serverId,
      passwordFile,
      password: readSecret(passwordFile),
      clientConfigFile,
      clientConfig,
      cloudDir,
      portalUrl: `${cloud.url}/`,
      portalPasswordFile,
      portalPassword: readSecret(portalPasswordFile),
      customerId: setup.customerId,
      accountId: account.id,
      subscriptionConfigFile,
      subscriptionConfig: account.clientConfig,
      stop() {
        stopping ??= stopAll();
        return stopping;
      },
    };
    clients?.start();
    return demo;
  } catch (err) {
    await stopAll();
    throw err;
  }
}

interface PortalSetup {
  customerId: string;
  serverId: string;
  /** What the two deployments draw: feature, count and the entitlement. */
  main: { name: string; count: number; entitlementId: string }[];
  old: { name: string; count: number; entitlementId: string }[];
  subscription: EntitlementView;
}

/**
 * What a vendor does in the portal (or with `tessera vendor ...`), through the vendor API:
 * the catalog, the demo customer (found again on a later run), its entitlements (one per
 * feature and count), and the License Server registered from its Server ID file.
 */
async function portalFlow(api: CloudApiClient, serverIdFile: string, nowMs: number): Promise<PortalSetup> {
  const d = DEMO_DEFAULTS;
  const catalog = new Set((await api.featureList()).map((f) => f.name));
  for (const name of ['asr', 'tts']) if (!catalog.has(name)) await api.featureAdd(name);
  const customer = (await api.customerList()).find((c) => c.name === d.customer) ?? (await api.customerAdd(d.customer));
  const existing = await api.entitlementList({ customerId: customer.id });
  const entitlement = async (
    type: 'perpetual' | 'subscription',
    feature: string,
    count: number,
    dates: { maintenanceUntil?: string; termDays?: number },
  ): Promise<EntitlementView> =>
    existing.find((e) => e.type === type && e.feature === feature && e.count === count) ??
    (await api.entitlementAdd({ customerId: customer.id, type, feature, count, ...dates }));
  const lines = async (spec: { features: Record<string, number>; maintenanceDays: number }) => {
    const maintenanceUntil = utcDate(nowMs + spec.maintenanceDays * DAY_MS);
    const out: PortalSetup['main'] = [];
    for (const [name, count] of Object.entries(spec.features)) {
      const e = await entitlement('perpetual', name, count, { maintenanceUntil });
      out.push({ name, count, entitlementId: e.id });
    }
    return out;
  };
  const main = await lines(d.mainLicense);
  const old = await lines(d.oldLicense);
  const subscription = await entitlement('subscription', d.subscription.feature, d.subscription.count, {
    termDays: d.subscription.termDays,
  });
  const server = await api.serverRegister(customer.id, serverIdFile);
  return { customerId: customer.id, serverId: server.id, main, old, subscription };
}

/** How log lines name what served a seat: a license of the server, or the Cloud subscription. */
function licenseNames(tree: LicenseTree, subscription: EntitlementView): Map<string, string> {
  const names = new Map<string, string>();
  for (const l of tree.licenses) {
    const maintenance = l.features[0]?.maintenanceUntil;
    names.set(l.licenseId, maintenance ? `${l.customer}, maintenance until ${maintenance}` : l.customer);
  }
  names.set(subscription.id, `Cloud subscription, ${subscription.count} seats`);
  return names;
}

function readSecret(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Starts something on `port`; a port in use is replaced by any free one (port 0), and said so. */
async function withPortFallback<T>(
  start: (port: number) => Promise<T>,
  port: number,
  what: string,
  print: (line: string) => void,
): Promise<T> {
  try {
    return await start(port);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw err;
    print(`port ${port} is busy; ${what} takes a free port instead`);
    return start(0);
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
    configs: Record<SampleClient['from'], LicenseClientConfig>,
    /** What served a seat (a license of the server, the Cloud subscription), by license id, for the log lines. */
    private readonly licenseNames: ReadonlyMap<string, string>,
    private readonly print: (line: string) => void,
  ) {
    const now = Date.now();
    this.clients = SAMPLE_CLIENTS.map((spec) => ({
      spec,
      client: new LicenseClient(configs[spec.from], {
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
