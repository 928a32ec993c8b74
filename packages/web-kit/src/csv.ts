/** CSV files the UIs save (the Dashboard's usage hours, both audit logs). */

/**
 * A CSV cell (RFC 4180 quoting). A cell that a spreadsheet would read as a formula (=, +, -, @,
 * tab, carriage return first) gets a leading apostrophe: names and details come from users and
 * licenses, and a file an operator opens must never run anything.
 */
export function csvCell(v: string | number | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** Rows of cells as a CSV file's text, CRLF line ends as RFC 4180 has them. */
export function csvText(rows: readonly (readonly (string | number | null)[])[]): string {
  return `${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
