/**
 * Holds checkouts of the features a license change touches while that change is being
 * written (seats are never handed out against a pool that is about to change). A
 * checkout that finds its feature held waits for every change in flight on it to settle,
 * committed and applied or failed, then is admitted against the pool as it is then.
 */
export class ChangeGate {
  private readonly inFlight = new Map<string, Set<Promise<void>>>();

  /** Holds `features` until `change` settles. Call after chaining what applies the change, so that runs first. */
  hold(features: Iterable<string>, change: Promise<unknown>): void {
    const settled = change.then(
      () => undefined,
      () => undefined,
    );
    const held = [...new Set(features)];
    for (const f of held) {
      let set = this.inFlight.get(f);
      if (!set) {
        set = new Set();
        this.inFlight.set(f, set);
      }
      set.add(settled);
    }
    void settled.then(() => {
      for (const f of held) {
        const set = this.inFlight.get(f);
        set?.delete(settled);
        if (set?.size === 0) this.inFlight.delete(f);
      }
    });
  }

  /** Settles when no change held on `feature` now is in flight; undefined when none is. */
  waitFor(feature: string): Promise<unknown> | undefined {
    const set = this.inFlight.get(feature);
    return set ? Promise.all(set) : undefined;
  }
}
