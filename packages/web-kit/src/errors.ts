/**
 * Errors in words, from a UI's own sentences. A server's codes (core's error catalog) and reasons
 * become sentences its users can act on; the server's own message follows, since it names the
 * license, feature or file involved.
 */
import { ApiError } from './api.js';

/** A message above a page or in a dialog: an error, or what went right. */
export interface NoticeData {
  kind: 'error' | 'ok';
  /** What happened, in words. */
  text: string;
  /** The server's own message and code, for errors. */
  detail?: string;
  /** What was being done, e.g. "Install License". */
  action?: string;
  /** Loads again: a failed load offers a Retry button that calls it. */
  retry?: () => void;
}

export interface ErrorWords {
  /** One sentence for an error code or reason (`fallback` for those the UI does not know). */
  sentenceFor(code: string, reason?: string): string;
  /** The text shown for a failed action: the sentence, then the server's message with its code. */
  describeError(code: string, serverMessage: string | undefined, reason?: string): { sentence: string; detail: string };
  /**
   * The notice for a failed action (any thrown value; an {@link ApiError} carries code and reason).
   * @param retry for a failed load ("Loading the licenses"): what the notice's Retry button does
   */
  errorNotice(err: unknown, action?: string, retry?: () => void): NoticeData;
}

/**
 * A UI's error wording: its sentences by code or reason, a reason's sentence before its code's.
 * @example
 * export const { sentenceFor, describeError, errorNotice } = errorWords(SENTENCES, 'The server refused the request.');
 */
export function errorWords(sentences: Readonly<Record<string, string>>, fallback: string): ErrorWords {
  const sentenceFor = (code: string, reason?: string) => (reason && sentences[reason]) || sentences[code] || fallback;
  const describeError = (code: string, serverMessage: string | undefined, reason?: string) => {
    const tag = reason ? `${code} ${reason}` : code;
    const detail = serverMessage && serverMessage.trim() !== '' ? `${serverMessage} (${tag})` : tag;
    return { sentence: sentenceFor(code, reason), detail };
  };
  const errorNotice = (err: unknown, action?: string, retry?: () => void): NoticeData => {
    const code = err instanceof ApiError ? err.code : ((err as { code?: string }).code ?? 'INTERNAL');
    const reason = err instanceof ApiError ? err.reason : undefined;
    const message = err instanceof Error ? err.message : String(err);
    const { sentence, detail } = describeError(code, message, reason);
    return { kind: 'error', text: sentence, detail, ...(action ? { action } : {}), ...(retry ? { retry } : {}) };
  };
  return { sentenceFor, describeError, errorNotice };
}
