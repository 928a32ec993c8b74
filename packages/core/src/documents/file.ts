/**
 * The file form of a signed document (docs/protocol.md): optional `#` comment lines, a human summary
 * that is never trusted, then the compact JWS on one line. Only the JWS line is ever verified;
 * the comments exist so that a person opening `info.bts` or a `.lic` sees what it is.
 */
import { TesseraError } from '../errors.js';

/**
 * Largest document file accepted, in bytes (UTF-8). Uploads and imports are capped before parsing.
 * Reports are the large ones: 50 features × 90 days of hours with incompressible values pack to
 * about 1.1 MB, so the cap leaves room above the 2 MB a Report is meant to stay under.
 */
export const MAX_DOCUMENT_BYTES = 3 * 1024 * 1024;

/**
 * Largest HTTP request body that carries one document (an upload, an import, a Report sent
 * for a Sync): the document as a JSON string (its line ends escaped) plus the JSON around it.
 * The one body limit of every route that takes a document, derived from the one document limit.
 */
export const MAX_DOCUMENT_REQUEST_BYTES = MAX_DOCUMENT_BYTES + 1024 * 1024;

/** A document file split into its JWS line and its (untrusted) comment lines. */
export interface ParsedDocumentFile {
  /** The compact JWS, exactly as in the file (surrounding whitespace removed). */
  jws: string;
  /** Comment lines without the leading `#` and one following space. Untrusted: display only. */
  comments: string[];
}

// Three base64url segments; the payload may not be empty for us, the signature never is.
const JWS_SEGMENT_RE = /^[A-Za-z0-9_-]+$/;

// Characters that would let a summary line break out of its comment or mislead a terminal.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE_IN_COMMENT_RE = /[\u0000-\u001f\u007f\u2028\u2029]/g;

/**
 * Checks the shape of a compact JWS: three non-empty base64url parts. A part whose length is
 * 1 mod 4 cannot be base64url at all, which is what a cut-off file usually leaves.
 *
 * @throws TesseraError DOC_MALFORMED saying what is wrong.
 */
export function assertCompactJwsShape(jws: string): void {
  const parts = jws.split('.');
  if (parts.length !== 3) {
    throw new TesseraError(
      'DOC_MALFORMED',
      `the document line is not a compact JWS: expected 3 parts separated by '.', found ${parts.length}`,
    );
  }
  const names = ['header', 'payload', 'signature'] as const;
  parts.forEach((part, i) => {
    if (part === '' || !JWS_SEGMENT_RE.test(part) || part.length % 4 === 1) {
      throw new TesseraError(
        'DOC_MALFORMED',
        `the document line is not a compact JWS: its ${names[i]} part is not base64url`,
      );
    }
  });
}

/**
 * Writes a document file: each summary line as a `# ` comment, then the JWS, then a newline.
 * Control characters in summary lines become spaces, so a customer name holding a newline
 * cannot turn into a second non-comment line.
 *
 * @throws TesseraError DOC_MALFORMED when `jws` is not shaped like a compact JWS, or when the
 *   file would be larger than {@link MAX_DOCUMENT_BYTES}: no reader would take it.
 */
export function formatDocumentFile(jws: string, summaryLines: readonly string[] = []): string {
  assertCompactJwsShape(jws);
  const comments = summaryLines.map((line) => {
    const clean = line.replace(UNSAFE_IN_COMMENT_RE, ' ').trimEnd();
    return clean === '' ? '#' : `# ${clean}`;
  });
  const file = `${[...comments, jws].join('\n')}\n`;
  // The canonical form can be a few bytes longer than a file that parsed to these parts (the
  // final newline, `# ` for `#`), so a file read at the limit may not be writable back.
  const bytes = Buffer.byteLength(file, 'utf8');
  if (bytes > MAX_DOCUMENT_BYTES) {
    throw new TesseraError(
      'DOC_MALFORMED',
      `the document file would be ${bytes} bytes, over the ${MAX_DOCUMENT_BYTES} every reader takes`,
    );
  }
  return file;
}

/**
 * Splits a document file into its JWS line and comments. Tolerates what hand-carried files pick
 * up on the way (CRLF line ends, a UTF-8 BOM, blank lines, comments after the JWS); refuses
 * anything that is not exactly one JWS line.
 *
 * @throws TesseraError DOC_MALFORMED when the input is too large, empty, holds more than one
 *   non-comment line, or its one line is not shaped like a compact JWS.
 */
export function parseDocumentFile(text: string): ParsedDocumentFile {
  if (typeof text !== 'string') throw new TesseraError('DOC_MALFORMED', 'the document must be text');
  // A UTF-16 unit is at least one UTF-8 byte, so length alone rejects the huge cases without
  // walking them; byteLength then settles the rest exactly.
  if (text.length > MAX_DOCUMENT_BYTES || Buffer.byteLength(text, 'utf8') > MAX_DOCUMENT_BYTES) {
    throw new TesseraError(
      'DOC_MALFORMED',
      `the document is larger than ${MAX_DOCUMENT_BYTES} bytes; no Tessera document is that large`,
    );
  }
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const comments: string[] = [];
  const contentLines: { line: string; number: number }[] = [];
  body.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    if (line.startsWith('#')) comments.push(line.slice(1).replace(/^ /, ''));
    else contentLines.push({ line, number: i + 1 });
  });
  if (contentLines.length === 0) {
    throw new TesseraError(
      'DOC_MALFORMED',
      text.trim() === '' ? 'the document is empty' : 'the document holds only comments; the signed JWS line is missing',
    );
  }
  if (contentLines.length > 1) {
    const at = contentLines.map((c) => c.number).join(', ');
    throw new TesseraError(
      'DOC_MALFORMED',
      `the document has ${contentLines.length} non-comment lines (lines ${at}); it must hold exactly one JWS line`,
    );
  }
  const jws = contentLines[0]!.line;
  assertCompactJwsShape(jws);
  return { jws, comments };
}
