import { TableScroll } from '@tessera/web-kit/components/TableScroll';
import { useId } from 'react';
import type { FeatureChoice } from '../deploy.js';

export interface SeatRequest {
  name: string;
  count: number;
  entitlementId?: string;
}

export type SeatInputs = Record<string, { count: string; entitlementId: string }>;

/** The requests of the filled-in rows; an error text for a row that cannot be sent. */
export function seatRequests(
  choices: readonly FeatureChoice[],
  inputs: SeatInputs,
): { requests: SeatRequest[]; problem?: string } {
  const requests: SeatRequest[] = [];
  for (const c of choices) {
    const raw = inputs[c.feature]?.count.trim() ?? '';
    if (raw === '' || raw === '0') continue;
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < 1)
      return { requests, problem: `Seats of ${c.feature} must be a whole number.` };
    const ent = inputs[c.feature]?.entitlementId ?? '';
    requests.push({ name: c.feature, count: n, ...(ent ? { entitlementId: ent } : {}) });
  }
  if (requests.length === 0) return { requests, problem: 'Enter the seats of at least one feature.' };
  return { requests };
}

/**
 * One row per feature the customer may draw: free seats, the entitlement to draw from
 * (when there is a choice), and the seats to take. The server checks again and refuses
 * more than is free, changing nothing.
 */
export function SeatsTable({
  choices,
  inputs,
  onChange,
  verb,
}: {
  choices: readonly FeatureChoice[];
  inputs: SeatInputs;
  onChange: (next: SeatInputs) => void;
  verb: string;
}) {
  const ids = useId();
  const set = (feature: string, patch: Partial<{ count: string; entitlementId: string }>) =>
    onChange({ ...inputs, [feature]: { count: '', entitlementId: '', ...inputs[feature], ...patch } });
  return (
    <TableScroll label="Seats">
      <table className="table seats-table">
        <thead>
          <tr>
            <th scope="col">Feature</th>
            <th scope="col" className="num">
              Free
            </th>
            <th scope="col">Draw from</th>
            <th scope="col">{verb}</th>
          </tr>
        </thead>
        <tbody>
          {choices.map((c) => {
            const best = c.entitlements[0];
            return (
              <tr key={c.feature}>
                <th scope="row" className="mono strong" id={`${ids}-${c.feature}`}>
                  {c.feature}
                </th>
                <td className="num">{c.free}</td>
                <td>
                  {c.entitlements.length > 1 && !c.boundTo ? (
                    <select
                      aria-label={`Entitlement to draw ${c.feature} from`}
                      value={inputs[c.feature]?.entitlementId ?? ''}
                      onChange={(e) => set(c.feature, { entitlementId: e.target.value })}
                    >
                      <option value="">Latest maintenance first</option>
                      {c.entitlements.map((e) => (
                        <option key={e.id} value={e.id}>
                          {e.available} free, maintenance until {e.maintenanceUntil ?? 'no limit'}
                        </option>
                      ))}
                    </select>
                  ) : best ? (
                    <span className="small">
                      maintenance until {best.maintenanceUntil ?? 'no limit'}
                      {best.expires ? `, expires ${best.expires}` : ''}
                      {c.boundTo && <span className="muted"> (this license’s entitlement)</span>}
                    </span>
                  ) : (
                    <span className="muted small">none</span>
                  )}
                </td>
                <td>
                  <input
                    className="count-input"
                    type="number"
                    min={0}
                    step={1}
                    inputMode="numeric"
                    aria-label={`${verb}: ${c.feature}`}
                    placeholder="0"
                    value={inputs[c.feature]?.count ?? ''}
                    onChange={(e) => set(c.feature, { count: e.target.value })}
                  />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableScroll>
  );
}
