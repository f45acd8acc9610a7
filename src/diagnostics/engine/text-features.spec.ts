/**
 * The fast paths of the text model and the phrase rules against their straightforward
 * definitions, on every description of the case corpus and the fixtures: textScores() (feature
 * ids from char codes, no strings) must give exactly the sums over textFeatures(), and the phrase
 * rules tried at their anchored starts exactly the matches of a scan of the whole text.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { N_CAUSES } from './codes.js';
import { DEFAULT_MODEL, textScores } from './model.js';
import { extractFromText } from './text.js';
import { compileVocabulary, textFeatureIds, textFeatures } from './text-features.js';

function descriptionsIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
    const parsed: unknown = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    for (const c of Array.isArray(parsed) ? parsed : [parsed]) {
      const d = (c as { input?: { description?: unknown } }).input?.description;
      if (typeof d === 'string') out.push(d);
    }
  }
  return out;
}

const ROOT = process.cwd();
const CORPUS = [
  ...descriptionsIn(resolve(ROOT, 'corpus/diagnosis/cases')),
  ...descriptionsIn(resolve(ROOT, 'corpus/diagnosis/evaluation')),
  ...descriptionsIn(resolve(ROOT, 'test/fixtures/diagnosis')),
];

/** Edge cases of the character handling: apostrophes, digits, '%', unicode, clause breaks. */
const TRICKY = [
  '',
  '   ',
  "Don't know; it won’t lock and doesn't beep. NO lights!!",
  'no lights (none) nothing, not even a click\nnot working',
  'Battery at 4% and 100% dead; 50%off the 5%battery',
  'İstanbul KELVIN sign: \u212A, café, naïve, Ünlock',
  'no\u00a0lights\u2028and\u3000the keypad is dark',
  "it''s ' ' the the the a 2024 123 4th gen 10pm",
  'Batteries drain every few weeks and the bolt sticks in the strike plate in summer.',
  'never never never battery battery battery battry batteries',
  'keypad '.repeat(200),
  "wi-fi Z-Wave auto-lock key pad dead-bolt can't won't",
];

const TEXTS = [...CORPUS, ...TRICKY];

describe('the text model fast path', () => {
  const features = DEFAULT_MODEL.textIndex;
  const vocabulary = DEFAULT_MODEL.textVocabulary;

  it('reads the whole corpus', () => {
    expect(CORPUS.length).toBeGreaterThan(300);
    expect(features).not.toBeNull();
    expect(vocabulary).not.toBeNull();
  });

  it('finds the vocabulary features of textFeatures(), once each, in its order', () => {
    for (const t of TEXTS) {
      const expected = textFeatures(t)
        .map((f) => features!.get(f))
        .filter((at) => at !== undefined)
        .map((at) => at / N_CAUSES);
      expect({ t, ids: textFeatureIds(vocabulary!, t) }).toEqual({ t, ids: expected });
    }
  });

  it('scores exactly as the sum over the string features', () => {
    const w = DEFAULT_MODEL.textWeights;
    for (const t of TEXTS) {
      const expected = new Float64Array(N_CAUSES);
      for (const f of textFeatures(t)) {
        const at = features!.get(f);
        if (at === undefined) continue;
        for (let c = 0; c < N_CAUSES; c++) expected[c]! += w[at + c]!;
      }
      for (let c = 0; c < N_CAUSES; c++) expected[c]! *= DEFAULT_MODEL.textWeight;
      // Bit for bit: the same additions in the same order.
      expect({ t, scores: Array.from(textScores(DEFAULT_MODEL, t)) }).toEqual({
        t,
        scores: Array.from(expected),
      });
    }
  });

  it('compiles any vocabulary (unigrams, negated tokens, bigrams, 4-grams)', () => {
    const vocab = compileVocabulary(['battery', 'not_light', 'keypad dark', '#<bat', '#!<li']);
    expect(textFeatureIds(vocab, 'Batteries fine, no lights. Keypad dark.')).toEqual([
      0, 3, 1, 4, 2,
    ]);
    expect(() => compileVocabulary(['#toolong'])).toThrow();
  });
});

describe('the phrase rules at their anchored starts', () => {
  it('match exactly what a scan of the whole text matches', () => {
    for (const t of TEXTS) {
      expect({ t, r: extractFromText(t) }).toEqual({
        t,
        r: extractFromText(t, { prefilter: false }),
      });
    }
  });
});
