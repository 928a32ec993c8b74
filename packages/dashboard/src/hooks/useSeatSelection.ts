import { api } from '@tessera/web-kit/api';
import { useCallback, useEffect, useState } from 'react';
import type { LicenseTree, SeatHolderView } from '../types.js';

/**
 * The leases selected on the Sessions page, by id, kept across pages and live reloads (a lease that
 * ends meanwhile is reported when the selection is released). The functions are stable, so the table
 * renders again only when the selection changes.
 */
export function useSeatSelection() {
  const [selected, setSelected] = useState<Map<string, SeatHolderView>>(() => new Map());
  const select = useCallback(
    (list: SeatHolderView[], on: boolean) =>
      setSelected((m) => {
        const next = new Map(m);
        for (const s of list) on ? next.set(s.leaseId, s) : next.delete(s.leaseId);
        return next;
      }),
    [],
  );
  const drop = useCallback(
    (ids: readonly string[]) =>
      setSelected((m) => {
        const next = new Map(m);
        for (const id of ids) next.delete(id);
        return next;
      }),
    [],
  );
  const clear = useCallback(() => setSelected(new Map()), []);
  return { selected, select, drop, clear };
}

/** The licensed features' names, for the feature filter; none when the licenses cannot be read. */
export function useFeatureNames(): string[] {
  const [features, setFeatures] = useState<string[]>([]);
  useEffect(() => {
    api.get<LicenseTree>('/api/v1/licenses').then(
      (t) => setFeatures([...new Set(t.licenses.flatMap((l) => l.features.map((f) => f.name)))].sort()),
      () => undefined, // the filter then offers no feature names; the list itself still loads
    );
  }, []);
  return features;
}
