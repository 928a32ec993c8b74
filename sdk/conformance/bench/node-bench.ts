/**
 * The Node SDK's bench program (sdk/conformance/DRIVER.md, "Bench programs"), run by
 * `npm run bench -- sdk`:
 *
 *   node --import tsx node-bench.ts --conf FILE --feature F --seconds S --mode sdk|bare
 *   node --import tsx node-bench.ts --conf FILE --feature F --seconds S --mode hold --leases N
 *
 * `sdk`: checkout then release through `LicenseClient`, one after the other. `bare`: the same two
 * calls with node:http on one keep-alive connection to the first server of the file. `hold`: one
 * client holds N one-seat leases, heartbeating, for S seconds; the CPU time of that period only.
 * Prints one JSON line and exits 0; anything unexpected exits 1 with a line on stderr.
 */
import { Agent, request } from 'node:http';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { type ClientConfig, type Lease, LicenseClient, loadClientProperties } from '@tessera/client';

interface Args {
  conf: string;
  feature: string;
  seconds: number;
  mode: 'sdk' | 'bare' | 'hold';
  leases: number;
}

function readArgs(): Args {
  const { values } = parseArgs({
    options: {
      conf: { type: 'string' },
      feature: { type: 'string' },
      seconds: { type: 'string' },
      mode: { type: 'string' },
      leases: { type: 'string' },
    },
  });
  const seconds = Number(values.seconds);
  const leases = Number(values.leases ?? '0');
  const mode = values.mode;
  if (!values.conf || !values.feature || !(seconds > 0) || (mode !== 'sdk' && mode !== 'bare' && mode !== 'hold')) {
    throw new Error('usage: --conf FILE --feature F --seconds S --mode sdk|bare|hold [--leases N]');
  }
  if (mode === 'hold' && !(Number.isInteger(leases) && leases > 0)) throw new Error('--mode hold needs --leases N');
  return { conf: values.conf, feature: values.feature, seconds, mode, leases };
}

function newClient(config: ClientConfig): LicenseClient {
  return new LicenseClient(config, { host: hostname(), app: 'tessera-bench' });
}

async function sdkLoop(config: ClientConfig, a: Args): Promise<{ ops: number; seconds: number }> {
  const client = newClient(config);
  const started = performance.now();
  const until = started + a.seconds * 1000;
  let ops = 0;
  while (performance.now() < until) {
    const r = await client.checkout(a.feature);
    if (!r.ok) throw new Error(`checkout refused: ${r.code}: ${r.message}`);
    await r.lease.release();
    ops++;
  }
  const seconds = (performance.now() - started) / 1000;
  await client.close();
  return { ops, seconds };
}

/** One HTTP exchange on the keep-alive agent; the status and the parsed body. */
function call(
  agent: Agent,
  url: URL,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: { ...headers, ...(body && { 'content-length': Buffer.byteLength(body) }) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function bareLoop(config: ClientConfig, a: Args): Promise<{ ops: number; seconds: number }> {
  const server = config.servers[0]!;
  if (server.secure) throw new Error('the bare loop speaks plain HTTP; give an http:// server');
  const url = new URL(server.url);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const headers: Record<string, string> = { accept: 'application/json' };
  if (config.auth) {
    headers.authorization = `Basic ${Buffer.from(`${config.auth.username}:${config.auth.password}`).toString('base64')}`;
  }
  const body = JSON.stringify({ feature: a.feature, count: 1, client: { id: 'tessera-bench-bare', host: hostname() } });
  const post = { ...headers, 'content-type': 'application/json' };
  const started = performance.now();
  const until = started + a.seconds * 1000;
  let ops = 0;
  while (performance.now() < until) {
    const granted = await call(agent, url, 'POST', '/v1/leases', post, body);
    if (granted.status !== 201) throw new Error(`checkout answered ${granted.status}: ${granted.body}`);
    const { leaseId } = JSON.parse(granted.body) as { leaseId: string };
    const released = await call(agent, url, 'DELETE', `/v1/leases/${encodeURIComponent(leaseId)}`, headers);
    if (released.status !== 204) throw new Error(`release answered ${released.status}: ${released.body}`);
    ops++;
  }
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { ops, seconds };
}

async function hold(config: ClientConfig, a: Args): Promise<{ leases: number; seconds: number; cpuSeconds: number }> {
  const client = newClient(config);
  const held: Lease[] = [];
  for (let i = 0; i < a.leases; i++) {
    const r = await client.checkout(a.feature);
    if (!r.ok) throw new Error(`checkout ${i + 1} refused: ${r.code}: ${r.message}`);
    held.push(r.lease);
  }
  const cpu = process.cpuUsage();
  const started = performance.now();
  await new Promise<void>((resolve) => setTimeout(resolve, a.seconds * 1000));
  const used = process.cpuUsage(cpu);
  const seconds = (performance.now() - started) / 1000;
  const lost = held.filter((l) => !l.held).length;
  await client.close();
  if (lost > 0) throw new Error(`${lost} of ${a.leases} leases were not held at the end`);
  return { leases: a.leases, seconds, cpuSeconds: (used.user + used.system) / 1e6 };
}

async function main(): Promise<void> {
  const a = readArgs();
  const config = await loadClientProperties(a.conf);
  const result =
    a.mode === 'sdk'
      ? { mode: a.mode, ...(await sdkLoop(config, a)) }
      : a.mode === 'bare'
        ? { mode: a.mode, ...(await bareLoop(config, a)) }
        : { mode: a.mode, ...(await hold(config, a)) };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`node-bench: ${(err as Error)?.message ?? err}\n`);
    process.exit(1);
  },
);
