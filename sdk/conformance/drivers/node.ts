/**
 * The conformance driver of the Node SDK (`packages/client`): JSON lines in on stdin, one SDK
 * call each, JSON lines out on stdout, as sdk/conformance/DRIVER.md says. It only translates;
 * every rule the suite checks is the SDK's own.
 *
 * Run: node --conditions=tessera-src --import tsx sdk/conformance/drivers/node.ts
 */
import { hostname } from 'node:os';
import { createInterface } from 'node:readline';
import { ConfigError, type Lease, LicenseClient, LicenseClientError, loadClientProperties } from '@tessera/client';

type Fields = Record<string, unknown>;
type Answer = Fields & { ok: boolean };

/** A failure the driver reports as an answer with this code (DRIVER.md, "Answers"). */
class Refusal extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly extra: Fields = {},
  ) {
    super(message);
  }
}

let client: LicenseClient | undefined;
let opened = false;
const leases = new Map<string, Lease>();
let nextHandle = 1;

function write(line: Fields): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function text(req: Fields, name: string, required = true): string | undefined {
  const v = req[name];
  if (v === undefined || v === null) {
    if (required) throw new Refusal('DRIVER_ERROR', `${name} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw new Refusal('DRIVER_ERROR', `${name} must be a string`);
  return v;
}

function theClient(): LicenseClient {
  if (!client) throw new Refusal('DRIVER_ERROR', 'open must come first');
  return client;
}

function leaseOf(req: Fields): Lease {
  const handle = text(req, 'lease')!;
  const lease = leases.get(handle);
  if (!lease) throw new Refusal('DRIVER_ERROR', `no lease handle ${handle}`);
  return lease;
}

/** Arguments the SDK refuses before any request are thrown as RangeError / TypeError. */
function asInvalidArgument(err: unknown): never {
  if (err instanceof RangeError || err instanceof TypeError) throw new Refusal('INVALID_ARGUMENT', err.message);
  throw err;
}

async function open(req: Fields): Promise<Fields> {
  if (opened) throw new Refusal('DRIVER_ERROR', 'open was already called');
  opened = true;
  const conf = text(req, 'conf')!;
  let config: Awaited<ReturnType<typeof loadClientProperties>>;
  try {
    config = await loadClientProperties(conf);
  } catch (err) {
    if (err instanceof ConfigError) throw new Refusal('CONFIG_ERROR', err.message, { line: err.line ?? null });
    throw err;
  }
  const app = text(req, 'app', false);
  const version = text(req, 'version', false);
  const releaseDate = text(req, 'releaseDate', false);
  const clientId = text(req, 'clientId', false);
  try {
    client = new LicenseClient(config, {
      host: hostname(),
      ...(app !== undefined && { app }),
      ...(version !== undefined && { version }),
      ...(releaseDate !== undefined && { releaseDate }),
      ...(clientId !== undefined && { clientId }),
    });
  } catch (err) {
    asInvalidArgument(err);
  }
  return { warnings: config.warnings };
}

async function checkout(req: Fields): Promise<Answer> {
  const c = theClient();
  const feature = text(req, 'feature')!;
  const releaseDate = text(req, 'releaseDate', false);
  const count = req.count;
  if (count !== undefined && typeof count !== 'number') throw new Refusal('DRIVER_ERROR', 'count must be a number');
  let result: Awaited<ReturnType<LicenseClient['checkout']>>;
  try {
    result = await c.checkout(feature, {
      ...(count !== undefined && { count }),
      ...(releaseDate !== undefined && { releaseDate }),
    });
  } catch (err) {
    asInvalidArgument(err);
  }
  if (!result.ok) return { ok: false, code: result.code, message: result.message };
  const { lease } = result;
  const handle = `lease-${nextHandle++}`;
  leases.set(handle, lease);
  lease.on('renewed', (e) =>
    write({
      event: 'renewed',
      lease: handle,
      previousLeaseId: e.previousLeaseId,
      leaseId: e.leaseId,
      server: e.server,
      reason: e.reason,
    }),
  );
  lease.on('lost', (e) => write({ event: 'lost', lease: handle, code: e.code, message: e.message, reason: e.reason }));
  return {
    ok: true,
    lease: handle,
    leaseId: lease.leaseId,
    feature: lease.feature,
    count: lease.count,
    licenseId: lease.licenseId,
    poolId: lease.poolId,
    server: lease.server,
    expiresAt: lease.expiresAt,
  };
}

async function handle(req: Fields): Promise<Answer> {
  switch (req.op) {
    case 'open':
      return { ok: true, ...(await open(req)) };
    case 'checkout':
      return checkout(req);
    case 'lease': {
      const lease = leaseOf(req);
      return {
        ok: true,
        leaseId: lease.leaseId,
        server: lease.server,
        poolId: lease.poolId,
        held: lease.held,
        released: lease.released,
      };
    }
    case 'release':
      await leaseOf(req).release();
      return { ok: true };
    case 'features': {
      try {
        const { server, poolId, features } = await theClient().features();
        return { ok: true, server, poolId, features };
      } catch (err) {
        if (err instanceof LicenseClientError) throw new Refusal(err.code, err.message);
        throw err;
      }
    }
    case 'close':
      await theClient().close();
      return { ok: true };
    default:
      throw new Refusal('DRIVER_ERROR', `unknown op ${JSON.stringify(req.op)}`);
  }
}

async function answer(line: string): Promise<void> {
  let req: Fields;
  try {
    req = JSON.parse(line) as Fields;
  } catch {
    write({ id: null, ok: false, code: 'DRIVER_ERROR', message: `not a JSON line: ${line.slice(0, 80)}` });
    return;
  }
  const id = req.id;
  try {
    write({ id, ...(await handle(req)) });
  } catch (err) {
    if (err instanceof Refusal) write({ id, ok: false, code: err.code, message: err.message, ...err.extra });
    else write({ id, ok: false, code: 'DRIVER_ERROR', message: String((err as Error)?.stack ?? err) });
  }
}

// One request at a time, in order, even if the suite were to send the next one early.
let queue = Promise.resolve();
const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
lines.on('line', (line) => {
  if (line.trim() === '') return;
  queue = queue.then(() => answer(line));
});
lines.on('close', () => {
  void queue.then(async () => {
    await client?.close();
    process.exit(0);
  });
});
