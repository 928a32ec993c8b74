import { useEffect, useState } from 'react';
import { copyText } from '../browser.js';

/** Copies `text`; says "Copied" for a moment, or that the browser refused (select the text instead). */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'refused'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const t = setTimeout(() => setState('idle'), 2500);
    return () => clearTimeout(t);
  }, [state]);
  return (
    <button
      type="button"
      className="small copy-button"
      aria-label={label}
      onClick={async () => setState((await copyText(text)) ? 'copied' : 'refused')}
    >
      <span aria-live="polite">
        {state === 'copied' ? 'Copied ✓' : state === 'refused' ? 'Copy refused: select the text' : 'Copy'}
      </span>
    </button>
  );
}
