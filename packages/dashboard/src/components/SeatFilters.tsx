import { useEffect, useState } from 'react';
import type { SeatsQuery } from '../seats.js';

type FilterKey = 'feature' | 'user' | 'host' | 'search';

export interface SeatFiltersProps {
  query: SeatsQuery;
  /** Feature names to offer (the licensed features). */
  features: string[];
  onChange: (change: Partial<Pick<SeatsQuery, FilterKey>>) => void;
}

/** Typing waits this long for the next key before the list is asked again. */
const TYPING_MS = 300;

/** Search and the feature / user / host filters; what is typed applies after a short pause. */
export function SeatFilters(p: SeatFiltersProps) {
  const [typed, setTyped] = useState({ user: p.query.user, host: p.query.host, search: p.query.search });
  const { onChange } = p;
  const differs = typed.user !== p.query.user || typed.host !== p.query.host || typed.search !== p.query.search;
  useEffect(() => {
    if (!differs) return;
    const t = setTimeout(() => onChange(typed), TYPING_MS);
    return () => clearTimeout(t);
  }, [typed, differs, onChange]);
  const any = p.query.feature !== '' || typed.user !== '' || typed.host !== '' || typed.search !== '';

  return (
    <form
      className="seat-filters"
      aria-label="Filter the seat holders"
      onSubmit={(e) => {
        e.preventDefault();
        onChange(typed);
      }}
    >
      <label className="field">
        <span>Search</span>
        <input
          type="search"
          name="search"
          placeholder="user, host, app, license, lease id"
          value={typed.search}
          maxLength={128}
          onChange={(e) => setTyped((t) => ({ ...t, search: e.target.value }))}
        />
      </label>
      <label className="field">
        <span>Feature</span>
        {/* Named here: the label's own text would include every option's. */}
        <select
          name="feature"
          aria-label="Feature"
          value={p.query.feature}
          onChange={(e) => onChange({ feature: e.target.value })}
        >
          <option value="">Any feature</option>
          {p.features.map((f) => (
            <option key={f} value={f}>
              {f}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>User</span>
        <input
          name="user"
          autoComplete="off"
          value={typed.user}
          maxLength={128}
          onChange={(e) => setTyped((t) => ({ ...t, user: e.target.value }))}
        />
      </label>
      <label className="field">
        <span>Host</span>
        <input
          name="host"
          autoComplete="off"
          value={typed.host}
          maxLength={255}
          onChange={(e) => setTyped((t) => ({ ...t, host: e.target.value }))}
        />
      </label>
      {any && (
        <button
          type="button"
          className="ghost"
          onClick={() => {
            setTyped({ user: '', host: '', search: '' });
            onChange({ feature: '', user: '', host: '', search: '' });
          }}
        >
          Clear filters
        </button>
      )}
    </form>
  );
}
