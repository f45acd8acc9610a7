import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { loadConfig } from './config.js';

/** Names config.ts reads, from its source: every `(env, 'NAME'` call of its readers. */
function variablesInConfigSource(): Set<string> {
  const source = readFileSync('src/config/config.ts', 'utf8');
  return new Set(
    [...source.matchAll(/\(\s*env\s*,\s*'([A-Z][A-Z0-9_]*)'/g)].flatMap((m) => m[1] ?? []),
  );
}

/** The first column of README.md's table under "## Configuration". */
function variablesInReadme(): Set<string> {
  const readme = readFileSync('README.md', 'utf8');
  const start = readme.indexOf('\n## Configuration\n');
  expect(start).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  const names = new Set<string>();
  for (const line of section.split('\n')) {
    const cell = /^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|/.exec(line);
    const name = cell?.[1];
    if (name) names.add(name);
  }
  return names;
}

describe("README's configuration table", () => {
  it('the source scan sees every variable loadConfig reads (with defaults and when set)', () => {
    const scanned = variablesInConfigSource();
    const read = new Set<string>();
    const recorder = (values: Record<string, string>) =>
      new Proxy(values, {
        get: (target, key) => {
          if (typeof key === 'string') read.add(key);
          return target[key as string];
        },
      });
    loadConfig(recorder({}));
    loadConfig(recorder({ TRUST_PROXY: '2', ESCALATION_VISIT_HORIZON_DAYS: '7' }));
    expect(read.size).toBeGreaterThan(20);
    expect([...read].filter((name) => !scanned.has(name))).toEqual([]);
  });

  it('lists every variable config.ts reads, and no other', () => {
    const inConfig = variablesInConfigSource();
    const inReadme = variablesInReadme();
    expect(inReadme.size).toBeGreaterThan(10);
    expect({
      readByConfigButNotInReadme: [...inConfig].filter((v) => !inReadme.has(v)).sort(),
      inReadmeButNotReadByConfig: [...inReadme].filter((v) => !inConfig.has(v)).sort(),
    }).toEqual({ readByConfigButNotInReadme: [], inReadmeButNotReadByConfig: [] });
  });
});
