/**
 * SQL that makes the text of `expr` (a parameter such as `$2`, or a column
 * expression) match itself literally inside a LIKE / ILIKE pattern: `\`, `%`
 * and `_` are escaped with LIKE's default escape character `\`. Every
 * pattern built from a value a user supplied goes through here, so `%` or
 * `_` in a search or a service area is a character, never a wildcard.
 * PostgreSQL has no built-in for this (`starts_with` covers prefixes only,
 * not ILIKE searches), hence the three replaces.
 */
export function likeLiteral(expr: string): string {
  return `replace(replace(replace(${expr}, '\\', '\\\\'), '%', '\\%'), '_', '\\_')`;
}
