/**
 * Features of a free-text description for the learned text model: normalised word stems and
 * bigrams, with negation scope ("no lights" -> `not_light`). Deterministic and dependency-free
 * so the engine stays pure and fast; the stemmer is a few suffix rules, enough for the short,
 * informal English of support messages.
 */

const NEGATORS = new Set([
  'no',
  'not',
  'never',
  'nothing',
  'without',
  'nor',
  'none',
  'cant',
  'cannot',
  'wont',
  'dont',
  'doesnt',
  'didnt',
  'isnt',
  'wasnt',
  'arent',
  'havent',
  'hasnt',
  'couldnt',
  'wouldnt',
  'aint',
]);

const STOP = new Set([
  'a',
  'an',
  'the',
  'and',
  'or',
  'but',
  'i',
  'we',
  'my',
  'our',
  'me',
  'us',
  'it',
  'its',
  'is',
  'are',
  'was',
  'were',
  'be',
  'been',
  'am',
  'to',
  'of',
  'in',
  'on',
  'at',
  'for',
  'with',
  'this',
  'that',
  'so',
  'just',
  'then',
  'have',
  'has',
  'had',
  'do',
  'does',
  'did',
  'you',
  'he',
  'she',
  'they',
  'them',
  'there',
  'from',
  'as',
  'by',
  'if',
  'when',
  'what',
  'which',
  'who',
  'would',
  'will',
  'can',
  'could',
  'should',
  'really',
  'very',
  'also',
  'now',
  'again',
  'some',
  'any',
  'all',
  'one',
  'get',
  'got',
  'about',
  'up',
  'out',
  'into',
  'than',
  'too',
  'im',
  'ive',
  'thats',
]);

/** Negation scope ends at punctuation or after this many words. */
const NEGATION_SPAN = 3;
/** Length of the character n-grams taken inside each word (robust to typos and word forms). */
const CHAR_GRAM = 4;

function stem(w: string): string {
  if (w.length <= 4) return w;
  for (const [suffix, min] of [
    ['ies', 4],
    ['ing', 5],
    ['ed', 4],
    ['ly', 5],
    ['es', 5],
    ['s', 4],
  ] as const) {
    if (w.endsWith(suffix) && w.length - suffix.length >= min - 1) {
      const base = w.slice(0, w.length - suffix.length);
      return suffix === 'ies' ? `${base}y` : base;
    }
  }
  return w;
}

/**
 * Unique features of a text: stems (negated ones prefixed `not_`), adjacent-stem bigrams, and the
 * character 4-grams of each word with its boundaries (`#<bat`, `#tery`, `#ery>`; negated ones
 * `#!<ba`...), which let "battry" and "batteries" share evidence with "battery".
 */
export function textFeatures(text: string): string[] {
  const out = new Set<string>();
  const clauses = text
    .toLowerCase()
    .replace(/[’']/g, '')
    .split(/[.,;:!?()\n]+/);
  for (const clause of clauses) {
    let negate = 0;
    let prev = '';
    for (const raw of clause.split(/[^a-z0-9%]+/)) {
      if (raw === '') continue;
      if (NEGATORS.has(raw)) {
        negate = NEGATION_SPAN;
        prev = '';
        continue;
      }
      if (STOP.has(raw) || /^\d+$/.test(raw)) continue;
      const negated = negate > 0;
      const token = negated ? `not_${stem(raw)}` : stem(raw);
      if (negated) negate--;
      out.add(token);
      const word = `${negated ? '!' : ''}<${raw}>`;
      for (let i = 0; i + CHAR_GRAM <= word.length; i++)
        out.add(`#${word.slice(i, i + CHAR_GRAM)}`);
      if (prev !== '') out.add(`${prev} ${token}`);
      prev = token;
    }
  }
  return [...out];
}
