import { useServerDown } from '../reachability.js';

/**
 * The banner while the server does not answer: what is on the page is what it last said. It goes by
 * itself once the server answers again.
 * @param serverName e.g. "The License Server"
 */
export function ServerDownBanner({ serverName }: { serverName: string }) {
  const down = useServerDown();
  return (
    <div className="server-down-slot" role="status" aria-live="polite">
      {down && (
        <div className="server-down" data-testid="server-down">
          <strong>{serverName} is not answering.</strong> The figures below are from its last answer and may be out of
          date; they update once it is back. Trying again…
        </div>
      )}
    </div>
  );
}
