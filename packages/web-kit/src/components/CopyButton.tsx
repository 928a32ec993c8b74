import { useEffect, useState } from 'react';

/** Puts `text` on the clipboard; false when the browser refuses (no permission, not a secure page). */
async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

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
