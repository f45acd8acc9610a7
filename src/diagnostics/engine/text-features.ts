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

export function stem(w: string): string {
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

// ---- The same features as ids, without building their strings --------------------------------
// textFeatures() is the definition (the fit uses it); scoring a description runs on every
// diagnosis, so it walks the text's char codes once instead: a word's stem is looked up as a
// token id, a bigram as a pair of token ids, a character 4-gram as its four char codes packed
// into one integer (exact: every character of a word is ASCII). Only features of the model's
// vocabulary are reported, each once, in the order textFeatures() would list them, so sums
// over them are bit-for-bit the sums over the string features (text-features.spec.ts checks it).

/**
 * Open-addressing table from non-negative integer keys to non-negative values, in two typed
 * arrays. Hand-written: a Map<number, number> hashes and boxes per lookup, and a few lines of
 * linear probing over Int32Arrays is all the 4-gram and bigram lookups need.
 */
class IntTable {
  private readonly keys: Int32Array;
  private readonly vals: Int32Array;
  private readonly mask: number;

  constructor(entries: readonly (readonly [number, number])[]) {
    let size = 16;
    while (size < entries.length * 2) size *= 2;
    this.keys = new Int32Array(size).fill(-1);
    this.vals = new Int32Array(size);
    this.mask = size - 1;
    for (const [k, v] of entries) {
      let h = IntTable.hash(k) & this.mask;
      while (this.keys[h] !== -1 && this.keys[h] !== k) h = (h + 1) & this.mask;
      this.keys[h] = k;
      this.vals[h] = v;
    }
  }

  private static hash(k: number): number {
    return Math.imul(k, 0x9e3779b1) >>> 11;
  }

  /** The value of k, or -1. */
  get(k: number): number {
    const keys = this.keys;
    const mask = this.mask;
    let h = IntTable.hash(k) & mask;
    for (;;) {
      const at = keys[h]!;
      if (at === k) return this.vals[h]!;
      if (at === -1) return -1;
      h = (h + 1) & mask;
    }
  }
}

/** What one word contributes, as the vocabulary sees it (see wordOf). */
interface WordInfo {
  /** A negator opens a negation scope; a stop word or a number is skipped. */
  kind: 'negator' | 'skip' | 'word';
  /** Token ids of the word's stem, plain and negated (`not_<stem>`); -1 outside the vocabulary. */
  plain: number;
  negated: number;
  /** Feature ids of its character 4-grams in the vocabulary, in order: plain and negated. */
  plainGrams: Int32Array;
  negatedGrams: Int32Array;
}

/** A text model's vocabulary compiled for textFeatureIds(). */
export interface TextVocabulary {
  /** Number of features (ids are their positions in the vocabulary list). */
  size: number;
  /** Plain token (a stem) -> token id; every token of a unigram or a bigram feature has one. */
  plain: Map<string, number>;
  /** Stem -> token id of its negated token `not_<stem>`. */
  negated: Map<string, number>;
  /** Token id -> feature id of the token alone, or -1. */
  unigram: Int32Array;
  /** Number of token ids (bigram keys are prev * tokens + next). */
  tokens: number;
  bigrams: IntTable;
  /** Packed char codes (7 bits each) of a 4-gram -> feature id. */
  grams: IntTable;
  /** Words seen so far -> what they contribute (bounded: cleared past WORD_MEMO_LIMIT). */
  words: Map<string, WordInfo>;
  /** Per feature, the pass that last reported it (dedup without a Set per call). */
  seen: Uint32Array;
  pass: number;
  /** Scratch: the ids of the last collectFeatureIds() call. */
  ids: Int32Array;
}

/** Distinct words remembered per vocabulary; past this the memo starts afresh. */
const WORD_MEMO_LIMIT = 50_000;
const NO_IDS = new Int32Array(0);
const GRAM_PREFIX = '#';
const CH_NOT = 33; // '!'
const CH_OPEN = 60; // '<'
const CH_CLOSE = 62; // '>'

function packGram(s: string): number {
  let k = 0;
  for (let i = 0; i < s.length; i++) k = (k << 7) | s.charCodeAt(i);
  return k;
}

export function compileVocabulary(features: readonly string[]): TextVocabulary {
  const plain = new Map<string, number>();
  const negated = new Map<string, number>();
  let tokens = 0;
  const tokenId = (t: string): number => {
    const neg = t.startsWith('not_');
    const map = neg ? negated : plain;
    const key = neg ? t.slice(4) : t;
    let id = map.get(key);
    if (id === undefined) map.set(key, (id = tokens++));
    return id;
  };
  const unigrams: [number, number][] = [];
  const bigramPairs: [number, number, number][] = [];
  const grams: [number, number][] = [];
  features.forEach((f, id) => {
    if (f.startsWith(GRAM_PREFIX)) {
      if (f.length !== CHAR_GRAM + 1) throw new Error(`unexpected text feature ${f}`);
      grams.push([packGram(f.slice(1)), id]);
      return;
    }
    const space = f.indexOf(' ');
    if (space < 0) unigrams.push([tokenId(f), id]);
    else bigramPairs.push([tokenId(f.slice(0, space)), tokenId(f.slice(space + 1)), id]);
  });
  const unigram = new Int32Array(tokens).fill(-1);
  for (const [t, id] of unigrams) unigram[t] = id;
  return {
    size: features.length,
    plain,
    negated,
    unigram,
    tokens,
    bigrams: new IntTable(bigramPairs.map(([a, b, id]) => [a * tokens + b, id] as const)),
    grams: new IntTable(grams),
    words: new Map(),
    seen: new Uint32Array(features.length),
    pass: 0,
    ids: new Int32Array(64),
  };
}

function isWordCode(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 37; // a-z 0-9 %
}

function isClauseCode(c: number): boolean {
  // . , ; : ! ? ( ) and a line feed
  return (
    c === 46 ||
    c === 44 ||
    c === 59 ||
    c === 58 ||
    c === 33 ||
    c === 63 ||
    c === 40 ||
    c === 41 ||
    c === 10
  );
}

function isDigits(w: string): boolean {
  for (let i = 0; i < w.length; i++) {
    const c = w.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Feature ids of the in-vocabulary 4-grams of `!<raw>` (negated) or `<raw>`, in order. */
function gramIds(vocab: TextVocabulary, raw: string, negated: boolean): Int32Array {
  const len = raw.length + (negated ? 3 : 2);
  const ids: number[] = [];
  let key = 0;
  for (let j = 0; j < len; j++) {
    let code: number;
    if (negated)
      code =
        j === 0 ? CH_NOT : j === 1 ? CH_OPEN : j === len - 1 ? CH_CLOSE : raw.charCodeAt(j - 2);
    else code = j === 0 ? CH_OPEN : j === len - 1 ? CH_CLOSE : raw.charCodeAt(j - 1);
    key = ((key << 7) | code) & 0xfffffff;
    if (j >= CHAR_GRAM - 1) {
      const id = vocab.grams.get(key);
      if (id >= 0) ids.push(id);
    }
  }
  return ids.length === 0 ? NO_IDS : Int32Array.from(ids);
}

function wordOf(vocab: TextVocabulary, raw: string): WordInfo {
  let info = vocab.words.get(raw);
  if (info !== undefined) return info;
  if (NEGATORS.has(raw) || STOP.has(raw) || isDigits(raw)) {
    info = {
      kind: NEGATORS.has(raw) ? 'negator' : 'skip',
      plain: -1,
      negated: -1,
      plainGrams: NO_IDS,
      negatedGrams: NO_IDS,
    };
  } else {
    const s = stem(raw);
    info = {
      kind: 'word',
      plain: vocab.plain.get(s) ?? -1,
      negated: vocab.negated.get(s) ?? -1,
      plainGrams: gramIds(vocab, raw, false),
      negatedGrams: gramIds(vocab, raw, true),
    };
  }
  if (vocab.words.size >= WORD_MEMO_LIMIT) vocab.words.clear();
  vocab.words.set(raw, info);
  return info;
}

/**
 * The ids of the features of `text` that are in the vocabulary, each once, in the order
 * textFeatures(text) lists them: written to `vocab.ids`, the count returned. Nothing else is
 * allocated for a word seen before. The engine is synchronous, so one scratch buffer serves.
 */
export function collectFeatureIds(vocab: TextVocabulary, text: string): number {
  const seen = vocab.seen;
  if (vocab.pass === 0xffffffff) {
    seen.fill(0);
    vocab.pass = 0;
  }
  const pass = ++vocab.pass;
  let ids = vocab.ids;
  let count = 0;
  const report = (id: number): void => {
    if (id < 0 || seen[id] === pass) return;
    seen[id] = pass;
    if (count === ids.length) {
      const grown = new Int32Array(ids.length * 2);
      grown.set(ids);
      vocab.ids = ids = grown;
    }
    ids[count++] = id;
  };
  const lower = text.toLowerCase();
  const n = lower.length;
  let negate = 0;
  let prev = -1; // token id of the previous word in the clause; -1: none, or not in the vocabulary
  let i = 0;
  while (i <= n) {
    const c = i < n ? lower.charCodeAt(i) : 10;
    if (!isWordCode(c) && c !== 39 && c !== 0x2019) {
      if (isClauseCode(c)) {
        negate = 0;
        prev = -1;
      }
      i++;
      continue;
    }
    // A word: word characters, with apostrophes dropped (as textFeatures does before splitting).
    const from = i;
    let apostrophe = false;
    for (; i < n; i++) {
      const d = lower.charCodeAt(i);
      if (d === 39 || d === 0x2019) apostrophe = true;
      else if (!isWordCode(d)) break;
    }
    const raw = apostrophe ? lower.slice(from, i).replace(/[’']/g, '') : lower.slice(from, i);
    if (raw === '') continue;
    const w = wordOf(vocab, raw);
    if (w.kind === 'negator') {
      negate = NEGATION_SPAN;
      prev = -1;
      continue;
    }
    if (w.kind === 'skip') continue;
    const negated = negate > 0;
    if (negated) negate--;
    const token = negated ? w.negated : w.plain;
    if (token >= 0) report(vocab.unigram[token]!);
    const grams = negated ? w.negatedGrams : w.plainGrams;
    for (let j = 0; j < grams.length; j++) report(grams[j]!);
    if (prev >= 0 && token >= 0) report(vocab.bigrams.get(prev * vocab.tokens + token));
    prev = token;
  }
  return count;
}

/** collectFeatureIds() as a fresh array (for tests and tools). */
export function textFeatureIds(vocab: TextVocabulary, text: string): number[] {
  const n = collectFeatureIds(vocab, text); // may grow vocab.ids: read it after
  return Array.from(vocab.ids.subarray(0, n));
}
