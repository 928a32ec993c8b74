import { getOnce } from '@tessera/web-kit/api';
import { useCallback, useEffect, useRef, useState } from 'react';
import { errorNotice, type NoticeData } from '../components/Notice.js';
import { FIRST_QUERY, pageCount, type SeatsQuery, seatsUrl } from '../seats.js';
import type { SeatsPage } from '../types.js';

/**
 * Live changes reload the page shown at most this often: at 100,000 leases a search is a scan of
 * the leases table on the server, and a busy server sends a change every 200 ms.
 */
const LIVE_RELOAD_MIN_MS = 2000;

export interface SeatsState {
  query: SeatsQuery;
  setQuery: (change: (q: SeatsQuery) => SeatsQuery) => void;
  /** The last page loaded (kept on screen while the next loads); null before the first answer. */
  data: SeatsPage | null;
  loading: boolean;
  /** The last load failed (its notice has Retry). */
  failed: boolean;
  /** When the shown page was loaded: durations are counted to it. */
  nowMs: number;
  /** Loads the page of the query now. */
  load: () => Promise<void>;
  /** Loads it again soon, at most once per {@link LIVE_RELOAD_MIN_MS}: for the server's live changes. */
  refresh: () => void;
}

/** One page of every seat holder, as the query asks; a change of the query loads its page. */
export function useSeats(onNotice: (n: NoticeData) => void): SeatsState {
  const [query, setQueryState] = useState<SeatsQuery>(FIRST_QUERY);
  const [data, setData] = useState<SeatsPage | null>(null);
  const [loading, setLoading] = useState(true);
  const [failed, setFailed] = useState(false);
  const [nowMs, setNowMs] = useState(() => Date.now());
  const queryRef = useRef(query);
  queryRef.current = query;
  /** Numbers each load: an answer to an older one (the query changed meanwhile) is dropped. */
  const seq = useRef(0);
  const lastLoad = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const notice = useRef(onNotice);
  notice.current = onNotice;
  const loadAgain = useRef<() => Promise<void>>(async () => undefined);

  const load = useCallback(async () => {
    const mine = ++seq.current;
    lastLoad.current = Date.now();
    setLoading(true);
    try {
      // The first page may already be on its way (public/early.js asks for it before the bundle runs).
      const page = await getOnce<SeatsPage>(seatsUrl(queryRef.current));
      if (mine !== seq.current) return;
      setData(page);
      setFailed(false);
      setNowMs(Date.now());
      // Fewer leases than before (released, lapsed): stay on the last page there is.
      const last = pageCount(page.total, page.limit);
      if (queryRef.current.page > last) setQueryState((q) => ({ ...q, page: last }));
    } catch (err) {
      if (mine !== seq.current) return;
      setFailed(true);
      notice.current(errorNotice(err, 'Loading the sessions', () => void loadAgain.current()));
    } finally {
      if (mine === seq.current) setLoading(false);
    }
  }, []);
  loadAgain.current = load;

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new query is what loads again
  useEffect(() => {
    void load();
  }, [query, load]);

  const refresh = useCallback(() => {
    if (timer.current) return;
    const wait = Math.max(0, lastLoad.current + LIVE_RELOAD_MIN_MS - Date.now());
    timer.current = setTimeout(() => {
      timer.current = undefined;
      void load();
    }, wait);
  }, [load]);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

  return { query, setQuery: setQueryState, data, loading, failed, nowMs, load, refresh };
}
