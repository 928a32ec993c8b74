import type { LiveState } from '../live.js';

/** Whether the page hears the server's changes as they happen. */
export function LiveBadge({ state }: { state: LiveState }) {
  const text = state === 'live' ? 'Live' : state === 'connecting' ? 'Connecting…' : 'Not live: reconnecting';
  return (
    <output className={`live live-${state}`} title="In-use counts update by themselves while this shows Live">
      <span className="dot" aria-hidden="true" />
      {text}
    </output>
  );
}
