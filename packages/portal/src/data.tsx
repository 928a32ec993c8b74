/** Loading what a page shows, and the signed-in user's context shared by every page. */
import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import { ApiError, api } from './api.js';
import type { CustomerView, SessionView } from './types.js';

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | undefined;
  /** Loads again; resolves when done (errors are kept in `error`, not thrown). */
  reload: () => Promise<void>;
}

/**
 * GETs `path` (nothing while it is null) and keeps the last good answer: a failed reload
 * leaves what is on screen as it was and sets `error`.
 */
export function useLoad<T>(path: string | null): Loaded<T> {
  const [state, setState] = useState<{ path: string | null; data?: T; error?: ApiError }>({ path });
  const current = useRef(path);
  current.current = path;
  const reload = useCallback(async () => {
    if (path === null) return;
    try {
      const data = await api.get<T>(path);
      if (current.current === path) setState({ path, data });
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError('INTERNAL', String(err), 0);
      if (current.current === path) setState((s) => ({ ...s, path, error: e }));
    }
  }, [path]);
  useEffect(() => {
    void reload();
  }, [reload]);
  const same = state.path === path;
  return { data: same ? state.data : undefined, error: same ? state.error : undefined, reload };
}

export interface PortalContext {
  session: SessionView;
  isVendor: boolean;
  /** Customers the user may see: all for vendor staff, one's own otherwise. */
  customers: CustomerView[] | undefined;
  reloadCustomers: () => Promise<void>;
}

export const Portal = createContext<PortalContext | null>(null);

export function usePortal(): PortalContext {
  const p = useContext(Portal);
  if (!p) throw new Error('usePortal outside the signed-in shell');
  return p;
}

/** A customer's name for an id (the id itself while customers load). */
export function useCustomerName(): (id: string) => string {
  const { customers } = usePortal();
  return (id) => customers?.find((c) => c.id === id)?.name ?? id;
}
