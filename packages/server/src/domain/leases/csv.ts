/**
 * CSV as RFC 4180 writes it, safe to open in a spreadsheet: a field that begins with `=`, `+`,
 * `-`, `@`, a tab or a carriage return gets a leading `'`, so a client id such as
 * `=HYPERLINK(...)` shows as text instead of running as a formula (OWASP's CSV injection advice).
 */

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One field: neutralised, then quoted (with `"` doubled) when it holds a quote, comma or line break. */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record, ended by CRLF. */
export function csvLine(values: readonly (string | number | null)[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}
