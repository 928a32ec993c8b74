import { ApiError } from '../api.js';
import { describeError } from '../errors.js';

export interface NoticeData {
  kind: 'error' | 'ok';
  /** What happened, in words. */
  text: string;
  /** The server's own message and code, for errors. */
  detail?: string;
  /** What was being done, e.g. "Create deployment". */
  action?: string;
}

export function errorNotice(err: unknown, action?: string): NoticeData {
  const code = err instanceof ApiError ? err.code : ((err as { code?: string }).code ?? 'INTERNAL');
  const reason = err instanceof ApiError ? err.reason : undefined;
  const message = err instanceof Error ? err.message : String(err);
  const { sentence, detail } = describeError(code, message, reason);
  return { kind: 'error', text: sentence, detail, ...(action ? { action } : {}) };
}

/** A message above the page: errors interrupt (role=alert), successes are polite (role=status). */
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
          <button type="button" className="icon-button" aria-label="Dismiss message" onClick={onClose}>
            ×
          </button>
        </div>
      )}
    </div>
  );
}
