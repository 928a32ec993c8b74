/**
 * The two listeners of a License Server, built but not yet listening: the client listener
 * (the client protocol, docs/protocol.md) and the admin listener (the Dashboard and the CLI),
 * each with its connection caps, timeouts, body limit and error rules.
 */
import { readFileSync } from 'node:fs';
import { MAX_DOCUMENT_REQUEST_BYTES } from '@tessera/core';
import {
  CONNECTION_POLICY,
  type ConnectionStats,
  connectionBudget,
  installListenerRules,
  LISTENER_POLICY,
  type ListenerPolicy,
  limitConnections,
  listenerOptions,
  readFdLimit,
} from '@tessera/service-kit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { SERVER_POLICY } from '../domain/policy.js';
import { adminAuthStatuses } from '../http/admin/index.js';
import { clientAuthStatuses } from '../http/client/index.js';
import { type LazySchemas, lazySchemas } from '../http/lazy-schemas.js';
import { storageFailure } from '../store/storage-errors.js';
import type { ServerCore } from './core.js';
import type { LicenseServerOptions } from './options.js';

/**
 * Our route schemas are fixed and tested, so Ajv need not check each one against the JSON
 * Schema meta-schema at every start (a large share of start-up time in profiles).
 */
const AJV_OPTIONS = { customOptions: { validateSchema: false } };

export interface Listeners {
  client: FastifyInstance;
  admin: FastifyInstance;
  /** Every route of the admin listener (method, url, role), for tests that walk the route table. */
  adminRoutes: { method: string; url: string; role: string | undefined }[];
  /** Connections held and refused by each listener's caps. */
  connections: { client: ConnectionStats; admin: ConnectionStats };
  /** The route schemas both listeners compile on first use. */
  schemas: LazySchemas;
}

export function createListeners(
  core: ServerCore,
  o: LicenseServerOptions,
  adminTls: { certFile: string; keyFile: string } | undefined,
): Listeners {
  const schemas = lazySchemas();
  const policy: ListenerPolicy = { ...LISTENER_POLICY, ...o.listenerPolicy };
  const fdLimit = o.fdLimit ?? readFdLimit() ?? CONNECTION_POLICY.assumedFdLimit;
  const budget = connectionBudget(fdLimit, true);
  core.logger.info({ fdLimit, client: budget.client, admin: budget.admin }, 'connection caps');
  const client = Fastify({
    ...listenerOptions(policy),
    loggerInstance: core.logger.child({ listener: 'client' }) as FastifyBaseLogger,
    ajv: AJV_OPTIONS,
    schemaController: { compilersFactory: schemas.compilersFactory },
    // Per-request log lines would cost more than a checkout; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: o.clientBodyLimit ?? SERVER_POLICY.clientBodyLimitBytes,
  });
  const admin = Fastify({
    ...listenerOptions(
      policy,
      adminTls ? { cert: readFileSync(adminTls.certFile), key: readFileSync(adminTls.keyFile) } : undefined,
    ),
    loggerInstance: core.logger.child({ listener: 'admin' }) as FastifyBaseLogger,
    ajv: AJV_OPTIONS,
    schemaController: { compilersFactory: schemas.compilersFactory },
    bodyLimit: MAX_DOCUMENT_REQUEST_BYTES,
  }) as unknown as FastifyInstance;
  const connections = {
    client: limitConnections(client.server, budget.client),
    admin: limitConnections(admin.server, budget.admin as NonNullable<typeof budget.admin>),
  };
  const adminRoutes: Listeners['adminRoutes'] = [];
  admin.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      adminRoutes.push({ method, url: route.url, role: route.config?.role });
    }
  });
  return { client, admin, adminRoutes, connections, schemas };
}

/**
 * The error rules of both listeners. A write that failed for want of disk, outside the commit
 * queue (sessions, users): the admin API names it (507 STORAGE_FULL); the client protocol
 * keeps 503 UNAVAILABLE.
 */
export function installErrorRules(l: Pick<Listeners, 'client' | 'admin'>): void {
  installListenerRules(l.client, {
    authStatuses: clientAuthStatuses,
    classify: (err) => {
      const storage = storageFailure(err);
      return storage && { code: 'UNAVAILABLE', message: storage.message };
    },
  });
  installListenerRules(l.admin, { authStatuses: adminAuthStatuses, classify: (err) => storageFailure(err) });
}
