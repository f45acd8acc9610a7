/**
 * RFC 4180 CSV: quoted fields, "" escapes, commas and newlines inside
 * quotes, CRLF or LF line ends, a trailing newline. Returns rows of cells.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // byte-order mark
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (quoted) throw new Error('unterminated quoted field');
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0]!.trim() === ''));
}

/**
 * Rows as objects keyed by the header row (header names trimmed). A row with more non-empty
 * cells than the header has names is an error: those values would otherwise be dropped unseen.
 */
export function csvRecords(text: string): { header: string[]; records: Record<string, string>[] } {
  const [header, ...rows] = parseCsv(text);
  if (!header) return { header: [], records: [] };
  const names = header.map((h) => h.trim());
  rows.forEach((r, i) => {
    if (r.slice(names.length).some((cell) => cell.trim() !== '')) {
      throw new Error(
        `row ${i + 1} has ${r.length} cells but the header names ${names.length} columns`,
      );
    }
  });
  return {
    header: names,
    records: rows.map((r) => Object.fromEntries(names.map((n, i) => [n, (r[i] ?? '').trim()]))),
  };
}
