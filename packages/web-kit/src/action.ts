import { useState } from 'react';

/** What {@link useAction} gives a form or button. */
export interface Action {
  /** True while an action runs: its button says so and cannot be pressed again. */
  busy: boolean;
  /** Runs `fn` as the action named `what` (e.g. `Add customer`); a failure goes to the page's `onError`. */
  run: (what: string, fn: () => Promise<void>) => Promise<void>;
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
  const [busy, setBusy] = useState(false);
  const run = async (what: string, fn: () => Promise<void>) => {
    setBusy(true);
    try {
      await fn();
    } catch (err) {
      onError(err, what);
    } finally {
      setBusy(false);
    }
  };
  return { busy, run };
}
