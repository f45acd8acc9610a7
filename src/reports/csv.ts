/**
 * Reports as CSV (RFC 4180): a header of column names, one line per row, CRLF line ends. A cell
 * that a spreadsheet would run as a formula (a property named "=HYPERLINK(...)") is prefixed
 * with an apostrophe; cells with a comma, quote or line break are quoted.
 */
export function toCsv(
  columns: readonly string[],
  rows: readonly Record<string, unknown>[],
): string {
  const lines = [columns.map(cell).join(',')];
  for (const r of rows) lines.push(columns.map((c) => cell(r[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s =
    typeof v === 'string'
      ? v
      : typeof v === 'number' || typeof v === 'boolean'
        ? String(v)
        : JSON.stringify(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * Whether the Accept header prefers text/csv over JSON: the media range with the highest q wins
 * (the first listed on a tie); no Accept, or one that names neither, is JSON.
 */
export function wantsCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  let best: { csv: boolean; q: number } | null = null;
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) continue;
    const csv = type.trim() === 'text/csv';
    const json = ['application/json', 'application/*', '*/*'].includes(type.trim());
    if (!csv && !json) continue;
    if (!best || q > best.q) best = { csv, q };
  }
  return best?.csv ?? false;
}
