import { api } from '@tessera/web-kit/api';
import { useCallback, useEffect, useState } from 'react';
import type { SyncIndicator } from '../components/ButtonColumn.js';
import type { FlexibleStatus } from '../types.js';

/** How often the sync indicator asks again, besides after every change the server announces. */
const SYNC_STATUS_EVERY_MS = 15_000;

export type SyncState = SyncIndicator & { enrolled: boolean };

/**
 * Flexible modes: the last sync, valid-until and the last failure, for the indicator
 * (`GET /api/v1/flexible/status`). A perpetual server asks nothing and stays `null`.
 */
export function useSyncStatus(flexibleMode: boolean): { sync: SyncState | null; loadSync: () => Promise<void> } {
  const [sync, setSync] = useState<SyncState | null>(null);

  const loadSync = useCallback(async () => {
    if (!flexibleMode) return;
    try {
      const st = await api.get<FlexibleStatus>('/api/v1/flexible/status');
      setSync({
        lastSyncAt: st.lastSync?.appliedAt ?? null,
        validUntil: st.validUntil,
        expired: st.expired,
        lastFailure: st.lastFailure,
        enrolled: st.enrolled,
      });
    } catch {
      // The indicator keeps what it showed; the page's own loads report errors.
    }
  }, [flexibleMode]);

  useEffect(() => {
    void loadSync();
    if (!flexibleMode) return;
    const t = setInterval(() => void loadSync(), SYNC_STATUS_EVERY_MS);
    return () => clearInterval(t);
  }, [loadSync, flexibleMode]);

  return { sync, loadSync };
}
