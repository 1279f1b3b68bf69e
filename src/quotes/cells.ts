/**
 * Spreadsheet formula escaping for the CSV files the app writes and reads back.
 *
 * A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a formula by
 * Excel, Sheets and LibreOffice (CSV injection). Prefixing `'` makes them show it as text. `'`
 * itself is escaped too, so that `unescapeCell(escapeCell(s)) === s` for every string: without
 * it, a text that really starts with `'=` would lose its apostrophe on the way back.
 */

const FORMULA_TRIGGERS = new Set(['=', '+', '-', '@', '\t', '\r', "'"]);

function startsWithTrigger(s: string, from: number): boolean {
  return s.length > from && FORMULA_TRIGGERS.has(s.charAt(from));
}

/** The cell as a spreadsheet should show it: prefixed with `'` when it could run as a formula. */
export function escapeCell(s: string): string {
  return startsWithTrigger(s, 0) ? `'${s}` : s;
}

/** Undoes `escapeCell`: removes one leading `'` when what follows could run as a formula. */
export function unescapeCell(s: string): string {
  return s.charCodeAt(0) === 0x27 && startsWithTrigger(s, 1) ? s.slice(1) : s;
}
