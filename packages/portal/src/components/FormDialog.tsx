import { type FormEvent, type ReactNode, useEffect, useId, useRef } from 'react';
import { Notice, type NoticeData } from './Notice.js';

export interface FormDialogProps {
  open: boolean;
  title: string;
  children: ReactNode;
  submitLabel: string;
  busy?: boolean;
  /** A refusal is shown inside the dialog, which stays open with what was typed. */
  notice: NoticeData | null;
  onDismissNotice: () => void;
  onSubmit: () => void;
  onCancel: () => void;
}

/** A modal form on the native <dialog>: focus is trapped, Escape cancels, the first field has focus. */
export function FormDialog(p: FormDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (p.open && !d.open) {
      d.showModal();
      d.querySelector<HTMLElement>('input, select, textarea')?.focus();
    } else if (!p.open && d.open) d.close();
  }, [p.open]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    p.onSubmit();
  };
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        if (!p.busy) p.onCancel();
      }}
    >
      <form onSubmit={submit}>
        <h2 id={titleId}>{p.title}</h2>
        <Notice notice={p.notice} onClose={p.onDismissNotice} />
        <div className="dialog-body">{p.children}</div>
        <div className="dialog-buttons">
          <button type="button" onClick={p.onCancel} disabled={p.busy}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={p.busy}>
            {p.busy ? 'Working…' : p.submitLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
