import { PAGE_SIZES } from '../seats.js';

export interface PagerProps {
  page: number;
  pages: number;
  total: number;
  limit: number;
  onPage: (page: number) => void;
  onLimit: (limit: number) => void;
}

/** Which page of a long list is shown, the buttons to move, and how many rows a page holds. */
export function Pager(p: PagerProps) {
  const first = p.total === 0 ? 0 : (p.page - 1) * p.limit + 1;
  const last = Math.min(p.total, p.page * p.limit);
  return (
    <nav className="pager" aria-label="Pages of seat holders">
      <div className="pager-buttons">
        <button type="button" className="small" disabled={p.page <= 1} onClick={() => p.onPage(1)}>
          First
        </button>
        <button type="button" className="small" disabled={p.page <= 1} onClick={() => p.onPage(p.page - 1)}>
          Previous
        </button>
        <span className="pager-where" aria-live="polite">
          Page {p.page.toLocaleString('en')} of {p.pages.toLocaleString('en')}
          <span className="muted">
            {' '}
            · {first.toLocaleString('en')}–{last.toLocaleString('en')} of {p.total.toLocaleString('en')}
          </span>
        </span>
        <button type="button" className="small" disabled={p.page >= p.pages} onClick={() => p.onPage(p.page + 1)}>
          Next
        </button>
        <button type="button" className="small" disabled={p.page >= p.pages} onClick={() => p.onPage(p.pages)}>
          Last
        </button>
      </div>
      <label className="pager-size">
        <span>Rows per page</span>
        <select value={p.limit} onChange={(e) => p.onLimit(Number(e.target.value))}>
          {PAGE_SIZES.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
    </nav>
  );
}
