// Query shapes. `opa eval` reports the value of a single-expression query (`data.x.allow`,
// `1 == 2`) and the variable bindings otherwise; the compiler's query plans only report
// bindings, so a single expression is rewritten to bind its value to VALUE_QUERY_VAR.

export const VALUE_QUERY_VAR = 'wardenvalue';

/** True for one expression that neither unifies (`=`) nor assigns (`:=`). */
export function isSingleValueQuery(q: string): boolean {
  const t = q.trim();
  if (t.includes(';') || t.includes('\n')) return false;
  if (/\bwith\b/.test(t) || /^(some|every|not)\b/.test(t)) return false;
  const noStrings = t.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/`[^`]*`/g, '``');
  if (noStrings.includes(':=')) return false;
  if (/(^|[^=!<>:])=($|[^=])/.test(noStrings)) return false;
  return true;
}

/** The query rewritten to bind its value, or null if it is not a single-value query. */
export function valueQuery(q: string): string | null {
  return isSingleValueQuery(q) ? `${VALUE_QUERY_VAR} := (${q.trim()})` : null;
}
