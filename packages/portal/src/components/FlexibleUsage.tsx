import { TableScroll } from '@tessera/web-kit/components/TableScroll';
import { plural, zoneName } from '@tessera/web-kit/format';
import { useId, useState } from 'react';
import { query } from '../api.js';
import { setQueryParam, useLocation } from '../browser.js';
import { useCustomerName, useLoad, usePortal } from '../data.js';
import { poolTotals } from '../format.js';
import type { EntitlementView, FlexibleServerView, UsageView } from '../types.js';
import { bucketFor, featureUsage, HOURLY_UP_TO_DAYS, seatHours, serverTotals, USAGE_RANGES } from '../usage.js';
import { Empty, Loading } from './Bits.js';
import { errorNotice, Notice } from './Notice.js';
import { FigureHeads, UsageChart } from './UsageChart.js';

const DEFAULT_DAYS = 7;

/**
 * What flexible License Servers reported: peak seats per hour (per day beyond a week) and
 * feature, for one customer or one of its servers, chosen in the address (`?server=`, `?days=`).
 */
export function FlexibleUsage({ customerId }: { customerId: string | null }) {
  const { isVendor } = usePortal();
  const nameOf = useCustomerName();
  const ids = useId();
  const { search } = useLocation();
  const rawDays = Number(search.get('days'));
  const days = (USAGE_RANGES as readonly number[]).includes(rawDays) ? rawDays : DEFAULT_DAYS;
  const servers = useLoad<FlexibleServerView[]>(`/api/v1/flexible/servers${query({ customerId })}`);
  const wanted = search.get('server');
  const server = wanted ? servers.data?.find((s) => s.id === wanted) : undefined;
  const bucket = bucketFor(days);
  // With a server in the address, wait for the list: one not in it (another customer's) is not asked for.
  const usage = useLoad<UsageView>(
    servers.data || !wanted ? `/api/v1/usage${query({ customerId, serverId: server?.id, days, bucket })}` : null,
  );
  const pools = useLoad<EntitlementView[]>(
    customerId ? `/api/v1/entitlements${query({ customerId, type: 'flexible' })}` : null,
  );
  const [nowMs] = useState(() => Date.now());

  const scopeText = server
    ? `${server.hostName}, last ${plural(days, 'day')}`
    : `${customerId ? nameOf(customerId) : 'all customers'}, all servers, last ${plural(days, 'day')}`;
  const limitOf = (feature: string): number | undefined => {
    if (server) return server.features.find((f) => f.feature === feature)?.count ?? 0;
    if (customerId && pools.data) return poolTotals(pools.data, nowMs).find((p) => p.feature === feature)?.count;
    return undefined;
  };
  const hostOf = (id: string) => servers.data?.find((s) => s.id === id)?.hostName ?? id;
  const features = usage.data ? featureUsage(usage.data, nowMs) : [];
  const perServer = usage.data ? serverTotals(usage.data) : [];

  return (
    <>
      <Notice
        notice={usage.error ? errorNotice(usage.error, 'Loading usage', usage.reload) : null}
        onClose={() => undefined}
      />
      <section className="card usage-controls" aria-label="What to chart">
        <div className="picker">
          <label htmlFor={`${ids}-server`}>Server</label>
          <select
            id={`${ids}-server`}
            value={server?.id ?? ''}
            onChange={(e) => setQueryParam('server', e.target.value || null)}
          >
            <option value="">All servers{customerId ? '' : ' of all customers'}</option>
            {(servers.data ?? []).map((s) => (
              <option key={s.id} value={s.id}>
                {s.hostName}
                {isVendor && customerId === null ? ` (${nameOf(s.customerId)})` : ''}
              </option>
            ))}
          </select>
        </div>
        <div className="picker">
          <label htmlFor={`${ids}-days`}>Range</label>
          <select
            id={`${ids}-days`}
            value={days}
            onChange={(e) => setQueryParam('days', e.target.value === String(DEFAULT_DAYS) ? null : e.target.value)}
          >
            {USAGE_RANGES.map((d) => (
              <option key={d} value={d}>
                Last {plural(d, 'day')}
                {d > HOURLY_UP_TO_DAYS ? ' (by day)' : ' (by hour)'}
              </option>
            ))}
          </select>
        </div>
        <p className="hint">
          Peak seats in use per {bucket}, as the servers reported them (closed hours, at each sync).{' '}
          {bucket === 'hour' ? `Hours in your local time (${zoneName(Date.now())}).` : 'Days are UTC days.'}
          {!server && ' With several servers a bar adds up each server’s peak.'}
        </p>
      </section>
      {!usage.data ? (
        <Loading what="usage" />
      ) : features.length === 0 ? (
        <Empty>
          <strong>No usage reported in this range.</strong> A flexible License Server reports each closed hour of use at
          its next sync.
        </Empty>
      ) : (
        <div className="usage-grid" data-testid="usage-charts">
          {features.map((f) => (
            <UsageChart key={f.feature} usage={f} bucket={bucket} limit={limitOf(f.feature)} scopeText={scopeText} />
          ))}
        </div>
      )}
      {!server && perServer.length > 0 && (
        <UsageByServer
          id={`${ids}-by-server`}
          rows={perServer}
          hostOf={hostOf}
          customerOf={
            isVendor && customerId === null
              ? (serverId) => nameOf(servers.data?.find((s) => s.id === serverId)?.customerId ?? '')
              : null
          }
        />
      )}
    </>
  );
}

/** Each server's totals per feature; a server's name charts it alone. */
function UsageByServer({
  id,
  rows,
  hostOf,
  customerOf,
}: {
  id: string;
  rows: ReturnType<typeof serverTotals>;
  hostOf: (serverId: string) => string;
  /** The customer of a server, in a column of its own; null when one customer is shown. */
  customerOf: ((serverId: string) => string) | null;
}) {
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id}>By server</h2>
      <TableScroll label="Flexible usage">
        <table className="table" data-testid="usage-by-server">
          <thead>
            <tr>
              <th scope="col">Server</th>
              {customerOf && <th scope="col">Customer</th>}
              <th scope="col">Feature</th>
              <FigureHeads />
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.serverId}:${r.feature}`} data-server={r.serverId} data-feature={r.feature}>
                <th scope="row">
                  <button
                    type="button"
                    className="linklike"
                    onClick={() => setQueryParam('server', r.serverId)}
                    aria-label={`Chart ${hostOf(r.serverId)} alone`}
                  >
                    {hostOf(r.serverId)}
                  </button>
                </th>
                {customerOf && <td>{customerOf(r.serverId)}</td>}
                <td className="mono">{r.feature}</td>
                <td className="num">{r.peakSeats}</td>
                <td className="num" data-field="seat-hours">
                  {seatHours(r.seatSeconds)}
                </td>
                <td className="num">{r.checkouts}</td>
                <td className="num">{r.denials}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
}
