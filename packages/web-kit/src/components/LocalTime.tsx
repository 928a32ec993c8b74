import { localTime } from '../format.js';

/** An instant on screen: local time with its zone ({@link localTime}), the ISO instant as the tooltip. */
export function LocalTime({ at, className }: { at: string; className?: string }) {
  const d = new Date(at);
  const iso = Number.isNaN(d.getTime()) ? at : d.toISOString();
  return (
    <time dateTime={iso} title={iso} className={className}>
      {localTime(at)}
    </time>
  );
}
