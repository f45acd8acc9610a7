/**
 * Prepares user text for PostgreSQL's websearch_to_tsquery, which never
 * rejects syntax but nests one NOT per `-`: more than 32 negations in a row
 * ("------x", "- - - x", "-(-(-(x") fail with "tsquery stack too small".
 * A `-` only negates when a word or a quoted phrase follows it, so every
 * other `-` becomes a space; what the search means does not change.
 */
export function websearchText(q: string): string {
  return q.replace(/-(?![\p{L}\p{N}"])/gu, ' ');
}
