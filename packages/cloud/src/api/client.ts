/**
 * A small typed client of the Cloud's vendor API, for `tessera vendor ...` and scripts. One
 * method per route, named after the CLI's commands (docs/cli.md). Uses `fetch`; no Node APIs.
 *
 * @example
 * const cloud = new CloudApiClient({ url: 'http://127.0.0.1:8600', token: readFileSync('cloud/admin.token', 'utf8').trim() });
 * const customer = await cloud.customerAdd('Acme Speech Ltd');
 * await cloud.featureAdd('asr');
 * await cloud.entitlementAdd({ customerId: customer.id, type: 'perpetual', feature: 'asr', count: 10 });
 * const server = await cloud.serverRegister(customer.id, readFileSync('info.bts', 'utf8'));
 * const deployment = await cloud.deploy(server.id, ['asr=4']);
 * writeFileSync('acme.lic', deployment.file);
 */
import { type ErrorBody, parseFeatureSpec } from '@tessera/core';
import type { FeatureRequest } from '../domain/deployment-service.js';
import type { EntitlementChange, EntitlementChangeResult, NewEntitlement } from '../domain/entitlement-service.js';
import type { AllocationRequest, AllocationView, EnrollmentView } from '../domain/flexible-service.js';
import type { SubscriptionUsage } from '../domain/seat-service.js';
import type { SyncStatusView, UsageView } from '../domain/sync-service.js';
import type {
  AccountView,
  CustomerView,
  DeploymentView,
  DeploymentWithFile,
  EntitlementType,
  EntitlementView,
  FeatureView,
  NewAccountView,
  NewUserView,
  ResetPasswordView,
  ReturnView,
  ServerView,
  UserView,
} from '../domain/views.js';
import type { AuditEntryView } from '../http/routes/accounts.js';

export interface CloudApiClientOptions {
  /** The Cloud's URL, e.g. `http://127.0.0.1:8600`. */
  url: string;
  /** An API token (e.g. `DIR/admin.token`). */
  token?: string;
  /** Or a user name and password (HTTP Basic). */
  username?: string;
  password?: string;
  fetch?: typeof fetch;
  /** Per-request timeout; default 30 s. */
  timeoutMs?: number;
}

/** A refusal from the Cloud (its error envelope), or `UNAVAILABLE` when it could not be reached. */
export class CloudApiError extends Error {
  readonly code: string;
  readonly status: number | undefined;
  readonly reason: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: string,
    message: string,
    opts: { status?: number; reason?: string; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CloudApiError';
    this.code = code;
    this.status = opts.status;
    this.reason = opts.reason;
    this.details = opts.details;
  }
}

/** Features as the CLI takes them (`asr=10`) or as objects. */
export type FeatureArg = string | FeatureRequest;

export interface CloudHealth {
  status: string;
  nonce: string;
  nodeId: string;
  database: 'up' | 'down';
}

/** One entry of `GET /api/v1/audit`, as its route's schema says. */
export type { AuditEntryView };

export class CloudApiClient {
  private readonly base: string;
  private readonly authorization: string | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;

  constructor(o: CloudApiClientOptions) {
    this.base = o.url.replace(/\/+$/, '');
    if (o.token) this.authorization = `Bearer ${o.token}`;
    else if (o.username !== undefined && o.password !== undefined) {
      const bytes = new TextEncoder().encode(`${o.username}:${o.password}`);
      let binary = '';
      for (const b of bytes) binary += String.fromCharCode(b);
      this.authorization = `Basic ${btoa(binary)}`;
    }
    this.fetchImpl = o.fetch ?? globalThis.fetch;
    this.timeoutMs = o.timeoutMs ?? 30_000;
  }

  // ---- system

  /** `GET /healthz`: the node's nonce (compare with `cloud.json`) and whether it reaches its database. */
  health(): Promise<CloudHealth> {
    return this.request('GET', '/healthz');
  }
  info(): Promise<Record<string, unknown>> {
    return this.request('GET', '/api/v1/info');
  }
  /** The vendor public key (PEM) to give License Servers (`--vendor-key`). */
  vendorKey(): Promise<string> {
    return this.request('GET', '/api/v1/vendor-key', undefined, 'text');
  }
  me(): Promise<UserView> {
    return this.request('GET', '/api/v1/me');
  }
  changePassword(current: string, next: string): Promise<void> {
    return this.request('POST', '/api/v1/me/password', { current, next });
  }

  // ---- catalog, customers, users

  featureAdd(name: string, description?: string): Promise<FeatureView> {
    return this.request('POST', '/api/v1/features', description === undefined ? { name } : { name, description });
  }
  featureList(): Promise<FeatureView[]> {
    return this.request('GET', '/api/v1/features');
  }
  /** `tessera vendor customer add NAME` */
  customerAdd(name: string): Promise<CustomerView> {
    return this.request('POST', '/api/v1/customers', { name });
  }
  customerList(): Promise<CustomerView[]> {
    return this.request('GET', '/api/v1/customers');
  }
  customerGet(id: string): Promise<CustomerView> {
    return this.request('GET', `/api/v1/customers/${enc(id)}`);
  }
  /** A customer's subscription seats: totals, in use, holders. */
  subscriptionUsage(customerId: string): Promise<SubscriptionUsage> {
    return this.request('GET', `/api/v1/customers/${enc(customerId)}/subscription`);
  }
  userAdd(input: {
    username: string;
    role: 'vendor' | 'customer';
    customerId?: string;
    password?: string;
  }): Promise<NewUserView> {
    return this.request('POST', '/api/v1/users', input);
  }
  userList(customerId?: string): Promise<UserView[]> {
    return this.request('GET', `/api/v1/users${query({ customerId })}`);
  }
  /** Vendor staff (`vendor`), or a user of `customerId`; the user's API tokens are revoked. */
  userSetRole(username: string, role: 'vendor' | 'customer', customerId?: string): Promise<UserView> {
    return this.request('PUT', `/api/v1/users/${enc(username)}/role`, dropUndefined({ role, customerId }));
  }
  /** Disables (sessions end, tokens stop working) or enables a user. */
  userSetDisabled(username: string, disabled: boolean): Promise<UserView> {
    return this.request('POST', `/api/v1/users/${enc(username)}/${disabled ? 'disable' : 'enable'}`);
  }
  /** A new random password, answered once, to be changed at the next sign-in. */
  userResetPassword(username: string): Promise<ResetPasswordView> {
    return this.request('POST', `/api/v1/users/${enc(username)}/reset-password`);
  }
  userDelete(username: string): Promise<void> {
    return this.request('DELETE', `/api/v1/users/${enc(username)}`);
  }

  // ---- entitlements

  /** `tessera vendor entitlement add --customer ID --type T --feature NAME=COUNT [--maintenance-until D] [--expires D]` */
  entitlementAdd(input: NewEntitlement): Promise<EntitlementView> {
    return this.request('POST', '/api/v1/entitlements', dropUndefined(input));
  }
  entitlementList(
    filter: { customerId?: string; type?: EntitlementType; feature?: string } = {},
  ): Promise<EntitlementView[]> {
    return this.request('GET', `/api/v1/entitlements${query(filter)}`);
  }
  entitlementGet(id: string): Promise<EntitlementView> {
    return this.request('GET', `/api/v1/entitlements/${enc(id)}`);
  }
  /** Change count or dates; perpetual date changes re-issue deployments (see `reissued`). */
  entitlementUpdate(id: string, change: EntitlementChange): Promise<EntitlementChangeResult> {
    return this.request('PATCH', `/api/v1/entitlements/${enc(id)}`, dropUndefined(change));
  }

  // ---- servers, deployments, returns

  /** `tessera vendor server register --customer ID info.bts` (pass the file's text). */
  serverRegister(customerId: string | undefined, serverIdFile: string): Promise<ServerView & { created: boolean }> {
    return this.request('POST', '/api/v1/servers', dropUndefined({ customerId, file: serverIdFile }));
  }
  serverList(customerId?: string): Promise<ServerView[]> {
    return this.request('GET', `/api/v1/servers${query({ customerId })}`);
  }
  serverGet(id: string): Promise<ServerView> {
    return this.request('GET', `/api/v1/servers/${enc(id)}`);
  }
  /** `tessera vendor deploy --server ID --feature NAME=COUNT... --out FILE`: write `.file` to FILE. */
  deploy(serverId: string, features: readonly FeatureArg[]): Promise<DeploymentWithFile> {
    return this.request('POST', '/api/v1/deployments', { serverId, features: features.map(featureOf) });
  }
  deploymentList(filter: { customerId?: string; serverId?: string } = {}): Promise<DeploymentView[]> {
    return this.request('GET', `/api/v1/deployments${query(filter)}`);
  }
  deploymentGet(licenseId: string): Promise<DeploymentView> {
    return this.request('GET', `/api/v1/deployments/${enc(licenseId)}`);
  }
  /** The license file text of the current revision (or `revision`). */
  deploymentFile(licenseId: string, revision?: number): Promise<string> {
    return this.request(
      'GET',
      `/api/v1/deployments/${enc(licenseId)}/file${query({ revision: revision?.toString() })}`,
      undefined,
      'text',
    );
  }
  /** Adds licenses to a deployment: the next revision, for Renew License. */
  deploymentAddLicenses(licenseId: string, features: readonly FeatureArg[]): Promise<DeploymentWithFile> {
    return this.request('POST', `/api/v1/deployments/${enc(licenseId)}/licenses`, {
      features: features.map(featureOf),
    });
  }
  /** Re-issues with the entitlements' current dates; `changed` says whether a new revision was made. */
  deploymentRenew(licenseId: string): Promise<DeploymentWithFile & { changed: boolean }> {
    return this.request('POST', `/api/v1/deployments/${enc(licenseId)}/renew`, {});
  }
  /** `tessera vendor return CERT_FILE` (pass the certificate's text). */
  returnCertificate(certificate: string): Promise<ReturnView> {
    return this.request('POST', '/api/v1/returns', { certificate });
  }
  returnList(customerId?: string): Promise<ReturnView[]> {
    return this.request('GET', `/api/v1/returns${query({ customerId })}`);
  }

  // ---- flexible licensing

  /** A one-time enrollment code for a customer's flexible License Server (`tessera vendor enroll`). */
  enroll(customerId?: string): Promise<EnrollmentView & { code: string }> {
    return this.request('POST', '/api/v1/enrollments', dropUndefined({ customerId }));
  }
  enrollmentList(customerId?: string): Promise<EnrollmentView[]> {
    return this.request('GET', `/api/v1/enrollments${query({ customerId })}`);
  }
  /**
   * Sets a server's whole flexible allocation (`tessera vendor allocate`): features not named
   * go to 0; effective at the server's next sync. Features as `'asr=4'` or `{ feature, count }`.
   */
  allocate(serverId: string, features: readonly (string | AllocationRequest)[]): Promise<AllocationView> {
    const list = features.map((f) => {
      if (typeof f !== 'string') return f;
      const { name, count } = parseFeatureSpec(f);
      return { feature: name, count };
    });
    return this.request('PUT', `/api/v1/servers/${enc(serverId)}/allocations`, { features: list });
  }
  allocations(serverId: string): Promise<AllocationView> {
    return this.request('GET', `/api/v1/servers/${enc(serverId)}/allocations`);
  }
  /** A server's Report/Sync state and clone flags. */
  syncStatus(serverId: string): Promise<SyncStatusView> {
    return this.request('GET', `/api/v1/servers/${enc(serverId)}/sync`);
  }
  /** Reported usage for charts. */
  usage(
    q: { customerId?: string; serverId?: string; days?: number; bucket?: 'hour' | 'day' } = {},
  ): Promise<UsageView> {
    return this.request(
      'GET',
      `/api/v1/usage${query({ customerId: q.customerId, serverId: q.serverId, days: q.days?.toString(), bucket: q.bucket })}`,
    );
  }
  /** Sends a Report file's text, answers the Sync file's text (`POST /v1/sync`; needs no credentials). */
  async sync(report: string): Promise<string> {
    return (await this.request<{ sync: string }>('POST', '/v1/sync', { report })).sync;
  }

  // ---- subscription accounts, audit

  /** `tessera vendor account add --customer ID`: `username`, `password` and `clientConfig` are shown once. */
  accountAdd(customerId: string | undefined, label?: string): Promise<NewAccountView> {
    return this.request('POST', '/api/v1/accounts', dropUndefined({ customerId, label }));
  }
  accountList(customerId?: string): Promise<AccountView[]> {
    return this.request('GET', `/api/v1/accounts${query({ customerId })}`);
  }
  accountDisable(id: string): Promise<AccountView> {
    return this.request('DELETE', `/api/v1/accounts/${enc(id)}`);
  }
  audit(filter: { customerId?: string; before?: string; limit?: number } = {}): Promise<AuditEntryView[]> {
    return this.request('GET', `/api/v1/audit${query({ ...filter, limit: filter.limit?.toString() })}`);
  }

  // ---- transport

  private async request<T>(method: string, path: string, body?: unknown, as: 'json' | 'text' = 'json'): Promise<T> {
    const headers: Record<string, string> = { accept: as === 'json' ? 'application/json' : '*/*' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.authorization) headers.authorization = this.authorization;
    let res: Response;
    try {
      res = await this.fetchImpl(this.base + path, {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      throw new CloudApiError(
        'UNAVAILABLE',
        `cannot reach the Cloud at ${this.base}: ${cause?.code ?? (err as Error).message}`,
        { cause: err },
      );
    }
    const text = await res.text();
    if (!res.ok) {
      let envelope: (ErrorBody['error'] & { details?: Record<string, unknown> }) | undefined;
      try {
        envelope = (JSON.parse(text) as ErrorBody).error;
      } catch {}
      throw new CloudApiError(
        envelope?.code ?? `HTTP_${res.status}`,
        envelope?.message ?? `HTTP ${res.status} from ${this.base}${path}`,
        {
          status: res.status,
          ...(envelope?.reason ? { reason: envelope.reason } : {}),
          ...(envelope?.details ? { details: envelope.details } : {}),
        },
      );
    }
    if (res.status === 204 || text === '') return undefined as T;
    return (as === 'text' ? text : JSON.parse(text)) as T;
  }
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v);
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function featureOf(f: FeatureArg): FeatureRequest {
  return typeof f === 'string' ? parseFeatureSpec(f) : f;
}
