import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { CAUSE_CODES } from '../engine/codes.js';
import { diagnose } from '../engine/diagnose.js';
import { DEFAULT_MODEL } from '../engine/model.js';
import { normalizedDescription, USER_REPORT_KINDS } from './corpus.js';
import { evaluationFileHash, loadSplit } from './split.js';

const ROOT = resolve(process.cwd(), 'corpus/diagnosis');
const { training, evaluation, frozen } = loadSplit(ROOT);
const all = [...training, ...evaluation];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}

describe('the diagnosis case corpus', () => {
  it('validates every case (schema, codes, citation) on load', () => {
    // loadSplit throws on the first malformed case; here we check what a loader cannot.
    expect(all.length).toBeGreaterThan(0);
    for (const c of all) {
      expect(c.source.url).toMatch(/^https?:\/\//);
      expect(c.source.title.trim()).not.toBe('');
    }
  });

  it('has unique ids and no duplicate descriptions', () => {
    const ids = all.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    const seen = new Map<string, string>();
    for (const c of all) {
      const d = normalizedDescription(c);
      expect([c.id, seen.get(d)]).toEqual([c.id, undefined]);
      seen.set(d, c.id);
    }
  });

  it('cites no page more than three times', () => {
    const perUrl = new Map<string, number>();
    for (const c of all) perUrl.set(c.source.url, (perUrl.get(c.source.url) ?? 0) + 1);
    const over = [...perUrl].filter(([, n]) => n > 3);
    expect(over).toEqual([]);
  });

  it('covers every cause, many manufacturers, and mostly user reports', () => {
    for (const cause of CAUSE_CODES) {
      const n = all.filter((c) => c.expected.cause === cause).length;
      expect([cause, n >= 12]).toEqual([cause, true]);
    }
    const makers = new Set(
      all
        .map((c) => c.input.device?.manufacturer?.trim().toLowerCase())
        .filter((m): m is string => Boolean(m)),
    );
    expect(makers.size).toBeGreaterThanOrEqual(25);
    const users = all.filter((c) => USER_REPORT_KINDS.includes(c.sourceKind)).length;
    expect(users / all.length).toBeGreaterThanOrEqual(0.5);
  });
});

describe('the frozen evaluation split', () => {
  it('is at least 30% of the corpus and its file matches the recorded hash', () => {
    expect(evaluation.length / all.length).toBeGreaterThanOrEqual(0.3);
    expect(evaluationFileHash(ROOT)).toBe(frozen.sha256);
    expect(evaluation.map((c) => c.id).sort()).toEqual([...frozen.ids].sort());
  });

  it('shares no case with the training split', () => {
    const train = new Set(training.map((c) => c.id));
    expect(evaluation.filter((c) => train.has(c.id))).toEqual([]);
    const trainText = new Set(training.map(normalizedDescription));
    expect(evaluation.filter((c) => trainText.has(normalizedDescription(c)))).toEqual([]);
  });

  it('is never mentioned by the fitting code or the parameter file', () => {
    const sources = [
      ...filesUnder(resolve(process.cwd(), 'src/diagnostics')),
      ...filesUnder(resolve(process.cwd(), 'bench')),
    ].filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
    expect(sources.some((f) => f.endsWith('fitted-params.ts'))).toBe(true);
    for (const file of sources) {
      const text = readFileSync(file, 'utf8');
      const named = frozen.ids.filter((id) => text.includes(id));
      expect([file, named]).toEqual([file, []]);
    }
  });
});

describe('the fitted model', () => {
  it('is deterministic and its probabilities sum to 1 on every case', () => {
    for (const c of all) {
      const a = diagnose(c.input, DEFAULT_MODEL);
      const b = diagnose(c.input, DEFAULT_MODEL);
      expect(b).toEqual(a);
      const sum = a.causes.reduce((s, x) => s + x.probability, 0);
      expect(Math.abs(sum - 1)).toBeLessThan(1e-9);
    }
  });

  it('never plans a factory reset first, nor at all for someone locked out', () => {
    for (const c of all) {
      const r = diagnose(c.input, DEFAULT_MODEL);
      expect([c.id, r.plan[0]?.step]).not.toEqual([c.id, 'factory_reset']);
      if (r.symptoms.includes('locked_out'))
        expect([c.id, r.plan.some((p) => p.step === 'factory_reset')]).toEqual([c.id, false]);
    }
  });
});
