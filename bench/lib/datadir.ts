import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKey, issueLicense, publicKeyToPem } from '@tessera/core';
import { LOCAL_CLI_ACTOR, openServerCore, type ServerCore, type ServerCoreOptions } from '@tessera/server';

/** A logger that drops everything, so that preparing data dirs prints nothing. */
export const silentLogger = (() => {
  const noop = () => undefined;
  const logger: Record<string, unknown> = { level: 'silent' };
  for (const m of ['trace', 'debug', 'info', 'warn', 'error', 'fatal']) logger[m] = noop;
  logger.child = () => logger;
  return logger as unknown as NonNullable<ServerCoreOptions['logger']>;
})();

/** A temp root holding the vendor's public key and a data dir for one License Server. */
export interface BenchDir {
  root: string;
  dataDir: string;
  vendorPub: string;
  vendorKey: ReturnType<typeof generateSigningKey>;
  remove(): void;
}

/** A fresh {@link BenchDir} under `base` (default the OS temp dir). */
export function makeBenchDir(label: string, base: string = tmpdir()): BenchDir {
  const root = mkdtempSync(join(base, `tessera-bench-${label}-`));
  const vendorKey = generateSigningKey();
  const vendorPub = join(root, 'vendor.pub');
  writeFileSync(vendorPub, publicKeyToPem(vendorKey.publicKey));
  return {
    root,
    dataDir: join(root, 'data'),
    vendorPub,
    vendorKey,
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/**
 * Opens the data dir with the server's own code (openServerCore), makes its Server ID file,
 * issues a license for it with the bench's vendor key (core's issueLicense, as
 * `tessera vendor issue` does) and installs it through the license service. Returns the open
 * core; the caller closes it.
 */
export async function openWithLicense(
  dir: BenchDir,
  o: {
    feature: string;
    seats: number;
    /** More features in the same license. */
    more?: { name: string; count: number }[];
    leaseSeconds?: number;
    heartbeatSeconds?: number;
  },
): Promise<ServerCore> {
  const core = await openServerCore({
    dataDir: dir.dataDir,
    vendorKeyFiles: [dir.vendorPub],
    logger: silentLogger,
    ...(o.leaseSeconds !== undefined ? { leaseSeconds: o.leaseSeconds } : {}),
    ...(o.heartbeatSeconds !== undefined ? { heartbeatSeconds: o.heartbeatSeconds } : {}),
  });
  try {
    const serverIdFile = await core.licenses.makeServerIdFile(LOCAL_CLI_ACTOR);
    const { file } = await issueLicense({
      serverIdFile,
      vendorKey: dir.vendorKey.privateKey,
      customer: 'bench',
      features: [{ name: o.feature, count: o.seats }, ...(o.more ?? [])],
      nowMs: Date.now(),
    });
    await core.licenses.install(LOCAL_CLI_ACTOR, file);
    return core;
  } catch (err) {
    core.close();
    throw err;
  }
}

/**
 * Takes `n` leases through `engine.checkout`, `chunk` at a time (each chunk is a few
 * group-commit batches of 512), and returns their ids in `ids` from `offset` on.
 */
export async function fillLeases(
  core: ServerCore,
  n: number,
  o: { feature: string; chunk?: number; ids?: string[]; deadlineMs?: number },
): Promise<{ ms: number }> {
  const chunk = o.chunk ?? 8192;
  const t0 = performance.now();
  const deadline = t0 + (o.deadlineMs ?? 600_000);
  for (let done = 0; done < n; ) {
    if (performance.now() > deadline) throw new Error(`filling ${n} leases took longer than ${o.deadlineMs} ms`);
    const size = Math.min(chunk, n - done);
    const pending = new Array<ReturnType<ServerCore['engine']['checkout']>>(size);
    for (let i = 0; i < size; i++) {
      pending[i] = core.engine.checkout({ feature: o.feature, client: { id: `fill-${(done + i) % 1000}` } });
    }
    const outcomes = await Promise.all(pending);
    for (let i = 0; i < size; i++) {
      const r = outcomes[i]!;
      if (!r.ok) throw new Error(`checkout ${done + i} was refused: ${r.code} ${r.message}`);
      if (o.ids) o.ids[done + i] = r.lease.leaseId;
    }
    done += size;
  }
  return { ms: performance.now() - t0 };
}
