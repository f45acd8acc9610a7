import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { SYMPTOM_CODES_1764000700000, RUNTIME_ROLE as FROZEN_ROLE } from '../migrations/support.js';
import { SYMPTOM_CODES } from '../src/diagnostics/engine/codes.js';
import { RUNTIME_ROLE } from '../src/database/roles.js';

const MIGRATIONS_DIR = resolve('migrations');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : /\.(ts|mts|cts|js|mjs|cjs|json)$/.test(e.name)
        ? [join(dir, e.name)]
        : [],
  );
}

/** Every module a source text refers to: static imports and re-exports, import(), require(). */
export function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g,
    /\brequire\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) found.push(m[1]!);
  return found;
}

describe('migrations are frozen: they import nothing from the application', () => {
  it('finds imports of every form (the check itself can fail)', () => {
    expect(
      specifiers(
        [
          "import type { QueryRunner } from 'typeorm';",
          "import {\n  RUNTIME_ROLE,\n  tenantTableSql,\n} from '../src/database/roles.js';",
          "export { X } from '../src/x.js';",
          "import '../src/side-effect.js';",
          "const m = await import('../src/late.js');",
        ].join('\n'),
      ).sort(),
    ).toEqual(
      [
        'typeorm',
        '../src/database/roles.js',
        '../src/x.js',
        '../src/side-effect.js',
        '../src/late.js',
      ].sort(),
    );
  });

  it('no file under migrations/ refers to a module outside migrations/ (packages aside)', () => {
    const files = sourceFiles(MIGRATIONS_DIR);
    expect(files.length).toBeGreaterThan(5);
    const escapes: string[] = [];
    for (const file of files) {
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        const local = spec.startsWith('.') || spec.startsWith('/');
        const target = resolve(dirname(file), spec);
        if (local && relative(MIGRATIONS_DIR, target).startsWith('..')) {
          escapes.push(`${relative('.', file)} imports ${spec}`);
        } else if (!local && !/^(typeorm|node:)/.test(spec)) {
          escapes.push(`${relative('.', file)} imports the package ${spec}`);
        }
      }
    }
    expect(escapes).toEqual([]);
  });

  it('the app runs as the role the migrations create', () => {
    expect(RUNTIME_ROLE).toBe(FROZEN_ROLE);
  });

  it("the frozen symptom list is a subset of today's codes (codes are never dropped)", () => {
    expect(SYMPTOM_CODES).toEqual(expect.arrayContaining([...SYMPTOM_CODES_1764000700000]));
  });
});
