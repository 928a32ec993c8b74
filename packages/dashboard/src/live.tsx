import { api } from '@tessera/web-kit/api';
import { checkServer, reportAnswered } from '@tessera/web-kit/reachability';
import { useEffect, useRef, useState } from 'react';

export type LiveState = 'connecting' | 'live' | 'offline';

/**
 * Listens to the server's event stream (`GET /api/v1/events`). `onChange` gets the kinds of
 * each change, and also runs after a reconnect, since changes may have been missed meanwhile.
 */
export function useServerEvents(onChange: (kinds: string[]) => void): LiveState {
  const [state, setState] = useState<LiveState>('connecting');
  const callback = useRef(onChange);
  callback.current = onChange;
  useEffect(() => {
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let readyBefore = false;
    let stopped = false;
    const open = () => {
      source = new EventSource('/api/v1/events');
      source.addEventListener('ready', () => {
        setState('live');
        reportAnswered();
        if (readyBefore) callback.current(['reconnect']);
        readyBefore = true;
      });
      source.addEventListener('change', (e) => {
        try {
          callback.current((JSON.parse((e as MessageEvent<string>).data) as { kinds: string[] }).kinds);
        } catch {
          callback.current([]);
        }
      });
      source.onerror = () => {
        // A broken stream may mean the server stopped: ask it, which raises the stale banner if so.
        checkServer();
        if (!source || source.readyState !== EventSource.CLOSED) {
          setState('connecting');
          return;
        }
        // Refused (e.g. the session ended): ask the API, which signs the page out if so.
        setState('offline');
        api.get('/api/v1/session').catch(() => undefined);
        if (!stopped) retry = setTimeout(open, 5000);
      };
    };
    open();
    return () => {
      stopped = true;
      source?.close();
      if (retry) clearTimeout(retry);
    };
  }, []);
  return state;
}
