import type { NoticeData } from '../errors.js';

/**
 * A message above the page: errors interrupt (role=alert), successes are polite (role=status). A failed
 * load (a notice with `retry`) says what failed and offers Retry, which clears it and loads again.
 */
export function Notice({ notice, onClose }: { notice: NoticeData | null; onClose: () => void }) {
  return (
    <div className="notice-slot" role={notice?.kind === 'error' ? 'alert' : 'status'} aria-live="polite">
      {notice && (
        <div className={`notice notice-${notice.kind}`} data-testid={`notice-${notice.kind}`}>
          <div className="notice-body">
            {notice.action && <strong className="notice-action">{notice.action} failed. </strong>}
            <span className="notice-text">{notice.text}</span>
            {notice.detail && <div className="notice-detail">Server said: {notice.detail}</div>}
          </div>
          {notice.retry && (
            <button
              type="button"
              className="notice-retry"
              onClick={() => {
                const retry = notice.retry;
                onClose();
                retry?.();
              }}
            >
              Retry
            </button>
          )}
          <button type="button" className="icon-button" aria-label="Dismiss message" onClick={onClose}>
            ×
          </button>
        </div>
      )}
    </div>
  );
}
