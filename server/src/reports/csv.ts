// RFC 4180 CSV. Cells that a spreadsheet would run as a formula (=, +, -, @, tab, CR) get a leading
// apostrophe: tool names and hostnames come from endpoints and must not become formulas on IT's desk.
export type Cell = string | number | boolean | null;

function cell(v: Cell): string {
  let s = v === null ? '' : String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** One CSV record with its CRLF. */
export function csvLine(cells: readonly Cell[]): string {
  return `${cells.map(cell).join(',')}\r\n`;
}

export function toCsv(columns: readonly string[], rows: readonly Record<string, Cell>[]): string {
  return csvLine(columns) + rows.map((r) => csvLine(columns.map((c) => r[c] ?? null))).join('');
}
