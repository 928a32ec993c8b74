import { type ReactNode, useEffect, useId, useRef } from 'react';

export interface ConfirmDialogProps {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}

/**
 * A modal confirmation on the native <dialog>: focus is trapped and Escape cancels. Cancel
 * has the initial focus, so Enter never confirms a permanent action by accident.
 */
export function ConfirmDialog(p: ConfirmDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const bodyId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (p.open && !d.open) {
      d.showModal();
      cancelRef.current?.focus();
    } else if (!p.open && d.open) d.close();
  }, [p.open]);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      onCancel={(e) => {
        e.preventDefault();
        if (!p.busy) p.onCancel();
      }}
    >
      <h2 id={titleId}>{p.title}</h2>
      <div id={bodyId} className="dialog-body">
        {p.children}
      </div>
      <div className="dialog-buttons">
        <button type="button" ref={cancelRef} onClick={p.onCancel} disabled={p.busy}>
          Cancel
        </button>
        <button type="button" className={p.danger ? 'danger' : 'primary'} onClick={p.onConfirm} disabled={p.busy}>
          {p.busy ? 'Working…' : p.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
