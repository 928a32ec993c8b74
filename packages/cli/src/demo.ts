/**
 * `tessera demo`: everything in one process on embedded defaults. A Cloud node (SQLite) with
 * its vendor key; a License Server trusting that key; the portal flow through the Cloud's
 * vendor API, as `tessera vendor ...` runs it: a customer, perpetual entitlements, the server
 * registered from its Server ID file, deployments, license files installed on the server; a
 * flexible License Server enrolled with the Cloud and synced; a subscription account; and sample client applications (the SDK) that check seats out of the
 * License Server and of the Cloud, hold them, release them, and sometimes are refused, one
 * log line per event.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type LicenseClientConfig, parseClientProperties } from '@tessera/client';
import type { CloudOptions, RunningCloud } from '@tessera/cloud';
import { CoreAdminTarget } from './admin-target.js';
import { startFlexibleDemoServer } from './demo/flexible-server.js';
import { installDemoLicenses, licenseNames, portalFlow } from './demo/portal-flow.js';
import { withPortFallback } from './demo/ports.js';
import { type SampleClient, SampleClients } from './demo/sample-clients.js';
import { DEMO_DEFAULTS } from './demo-defaults.js';
import { createServerLogger, type LogLevel } from './logger.js';

export interface DemoOptions {
  /** Where everything goes; default a fresh directory under the OS temp dir. */
  dataDir?: string | undefined;
  clientPort: number;
  adminPort: number;
  /** The Cloud's port (portal, vendor API, subscription licensing). */
  cloudPort: number;
  /** The flexible License Server's client and admin ports. */
  flexibleClientPort?: number;
  flexibleAdminPort?: number;
  logLevel: LogLevel;
  /** Run the sample clients (default true). */
  clients: boolean;
  /** Where the demo's lines go. */
  print: (line: string) => void;
  /** Every sample client event on its own line (default: a summary every few seconds). */
  verbose?: boolean;
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
  /** The flexible License Server, synced with the Cloud: its data dir and Dashboard. */
  flexible: {
    dir: string;
    adminUrl: string;
    clientUrl: string;
    serverId: string;
    passwordFile: string;
    password: string | undefined;
  };
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
    const { cloud, api, vendorPub, CLOUD_FILES } = await startDemoCloud(o, cloudDir);
    stops.push(() => cloud.stop());

    // 2. A License Server that trusts the Cloud's vendor key; the Dashboard links to the portal.
    const { running, DATA_FILES } = await startDemoServer(o, serverDir, vendorPub, cloud.url);
    stops.push(() => running.stop());

    // 3. The portal flow: customer, entitlements, Server ID file -> registration -> deployments
    //    -> license files -> Install License.
    const admin = new CoreAdminTarget(running.core, { id: 'cli:demo', role: 'admin' });
    const serverIdFile = await admin.serverIdFile();
    writeFileSync(join(dir, 'info.bts'), serverIdFile);
    const setup = await portalFlow(api, serverIdFile, Date.now());
    await installDemoLicenses(admin, api, setup, { licenseDir, serverDir, print: o.print });

    // 4. A flexible License Server enrolled with the Cloud, allocated seats and synced.
    const flexibleDir = join(dir, 'flexible-server');
    const flexible = await startFlexibleDemoServer(api, {
      dir: flexibleDir,
      clientPort: o.flexibleClientPort ?? DEMO_DEFAULTS.flexibleClientPort,
      adminPort: o.flexibleAdminPort ?? DEMO_DEFAULTS.flexibleAdminPort,
      cloudUrl: cloud.url,
      vendorPub,
      customerId: setup.customerId,
      logLevel: o.logLevel,
      print: o.print,
    });
    stops.push(() => flexible.stop());

    // 5. A subscription account: its client_property.conf lists the Cloud node.
    const account = await api.accountAdd(setup.customerId, 'demo');
    const subscriptionConfigFile = join(dir, 'subscription', 'client_property.conf');
    mkdirSync(join(dir, 'subscription'), { recursive: true, mode: 0o700 });
    writeFileSync(subscriptionConfigFile, account.clientConfig, { mode: 0o600 });
    o.print(
      `subscription account ${account.id}: ${setup.subscription.count} ${setup.subscription.feature} seats from the Cloud`,
    );

    // 6. The License Server's client_property.conf, and the sample clients.
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
      clients = new SampleClients(configs, names, o.print, { verbose: o.verbose ?? false, summarySeconds: 5 });
      const started = clients;
      stops.push(() => started.stop());
    }

    const passwordFile = join(serverDir, DATA_FILES.initialPassword);
    const portalPasswordFile = join(cloudDir, CLOUD_FILES.initialPassword);
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
      flexible: {
        dir: flexibleDir,
        adminUrl: flexible.adminUrl,
        clientUrl: flexible.clientUrl,
        serverId: flexible.core.identity.serverId,
        passwordFile: join(flexibleDir, DATA_FILES.initialPassword),
        password: readSecret(join(flexibleDir, DATA_FILES.initialPassword)),
      },
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

/** The Cloud: vendor key, portal, vendor API, subscription licensing, on SQLite in `cloudDir`. */
async function startDemoCloud(o: DemoOptions, cloudDir: string) {
  const { startCloud, CLOUD_FILES, CloudApiClient } = await import('@tessera/cloud');
  const cloudLogger = createServerLogger(o.logLevel) as unknown as NonNullable<CloudOptions['logger']>;
  const cloud: RunningCloud = await withPortFallback(
    ([port]) =>
      startCloud({
        dataDir: cloudDir,
        listen: `127.0.0.1:${port}`,
        leaseSeconds: DEMO_DEFAULTS.leaseSeconds,
        heartbeatSeconds: DEMO_DEFAULTS.heartbeatSeconds,
        logger: cloudLogger,
      }),
    [{ port: o.cloudPort, what: 'the Cloud' }],
    o.print,
  );
  const vendorPub = join(cloudDir, CLOUD_FILES.vendorPub);
  const token = readFileSync(join(cloudDir, CLOUD_FILES.adminToken), 'utf8').trim();
  return { cloud, api: new CloudApiClient({ url: cloud.url, token }), vendorPub, CLOUD_FILES };
}

/** A License Server that trusts the Cloud's vendor key; the Dashboard links to the portal. */
async function startDemoServer(o: DemoOptions, serverDir: string, vendorPub: string, portalUrl: string) {
  const { startLicenseServer, DATA_FILES } = await import('@tessera/server');
  const running = await withPortFallback(
    ([clientPort, adminPort]) =>
      startLicenseServer({
        dataDir: serverDir,
        vendorKeyFiles: [vendorPub],
        clientListen: `127.0.0.1:${clientPort}`,
        adminListen: `127.0.0.1:${adminPort}`,
        leaseSeconds: DEMO_DEFAULTS.leaseSeconds,
        heartbeatSeconds: DEMO_DEFAULTS.heartbeatSeconds,
        portalUrl,
        logger: createServerLogger(o.logLevel),
        lockHolder: 'tessera demo',
      }),
    [
      { port: o.clientPort, what: 'the client API' },
      { port: o.adminPort, what: 'the admin API' },
    ],
    o.print,
  );
  return { running, DATA_FILES };
}

function readSecret(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}
