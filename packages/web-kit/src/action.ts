import { useState } from 'react';

/** What {@link useAction} gives a form or button. */
export interface Action {
  /** True while an action runs: its button says so and cannot be pressed again. */
  busy: boolean;
  /** Runs `fn` as the action named `what` (e.g. `Add customer`); a failure goes to the page's `onError`. */
  run: (what: string, fn: () => Promise<void>) => Promise<void>;
}

/** What {@link useKeyedAction} gives a page with several buttons, one action at a time. */
export interface KeyedAction<K> {
  /** The key of the action under way (its button says so), or null; every button waits meanwhile. */
  busy: K | null;
  run: (what: string, key: K, fn: () => Promise<void>) => Promise<void>;
}

/**
 * Actions a user starts from a page's buttons, one at a time: `busy` names the one under way, and a failure
 * is handed to `onError` with the action's name, which the page turns into its notice.
 */
export function useKeyedAction<K>(onError: (err: unknown, what: string) => void): KeyedAction<K> {
  const [busy, setBusy] = useState<K | null>(null);
  const run = async (what: string, key: K, fn: () => Promise<void>) => {
    setBusy(key);
    try {
      await fn();
    } catch (err) {
      onError(err, what);
    } finally {
      setBusy(null);
    }
  };
  return { busy, run };
}

/**
 * An action a user starts from a page (a form sent, a button pressed): busy while it runs, and a failure
 * handed to `onError` with the action's name, which the page turns into its notice.
 * @example
 * const { busy, run } = useAction((err, what) => setNotice(errorNotice(err, what)));
 * const add = (e: FormEvent) => {
 *   e.preventDefault();
 *   return run('Add feature', async () => setNotice(okText(await api.post('/api/v1/features', body))));
 * };
 */
export function useAction(onError: (err: unknown, what: string) => void): Action {
  const { busy, run } = useKeyedAction<true>(onError);
  return { busy: busy !== null, run: (what, fn) => run(what, true, fn) };
}
