import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.data/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'off',
    },
  },
  {
    // The diagnosis engine is plain TypeScript: no framework, no database, no app code.
    files: ['src/diagnostics/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@nestjs/*', 'typeorm', 'pg', 'class-validator', 'class-transformer'],
              message: 'The engine stays framework-free.',
            },
            {
              group: ['../*', '!../engine/*'],
              message: 'The engine imports nothing from the rest of src/.',
            },
          ],
        },
      ],
    },
  },
  {
    // House rule: SQL lives only in *.repository.ts files and migrations.
    files: ['**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'CallExpression[callee.property.name=/^(query|createQueryBuilder)$/]',
          message:
            'SQL lives only in *.repository.ts files (and migrations): call a repository function.',
        },
      ],
    },
  },
  {
    // Where .query() is allowed: repositories, migrations, tests, benchmarks, and the database
    // infrastructure (embedded server, migrator, LISTEN connection, runtime role, the tenant transaction itself).
    files: [
      '**/*.repository.ts',
      'migrations/**',
      '**/*.spec.ts',
      'test/**',
      'bench/**',
      'src/database/embedded.ts',
      'src/database/migrate.ts',
      'src/database/migrator.ts',
      'src/database/notify-listener.ts',
      'src/database/runtime-role.ts',
      'src/database/tenant-db.service.ts',
    ],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly', console: 'readonly', globalThis: 'readonly' },
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', require: 'readonly' },
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  prettier,
);
