import { readDocumentFile } from '@tessera/web-kit/documents';
import { type ChangeEvent, useId, useRef } from 'react';

export interface FileButtonProps {
  label: string;
  /** File types the chooser offers first, e.g. ".bts". */
  accept?: string;
  busy?: boolean;
  className?: string;
  /** What the button does, read by screen readers after its name. */
  description?: string | undefined;
  onText: (text: string, fileName: string) => void | Promise<void>;
  onError: (err: unknown) => void;
}

/** A button that opens the file chooser and hands over the chosen file's text. */
export function FileButton(p: FileButtonProps) {
  const input = useRef<HTMLInputElement>(null);
  const descId = useId();
  const onChange = async (e: ChangeEvent<HTMLInputElement>) => {
    const el = e.currentTarget;
    const file = el.files?.[0];
    el.value = '';
    if (!file) return;
    try {
      await p.onText(await readDocumentFile(file), file.name);
    } catch (err) {
      p.onError(err);
    }
  };
  return (
    <>
      <button
        type="button"
        className={p.className ?? 'primary'}
        disabled={p.busy}
        aria-describedby={p.description ? descId : undefined}
        onClick={() => input.current?.click()}
      >
        {p.busy ? 'Working…' : p.label}
      </button>
      {p.description && (
        <span id={descId} className="visually-hidden">
          {p.description}
        </span>
      )}
      <input
        ref={input}
        type="file"
        hidden
        tabIndex={-1}
        aria-label={p.label}
        {...(p.accept ? { accept: p.accept } : {})}
        onChange={(e) => void onChange(e)}
      />
    </>
  );
}
