/**
 * Two projects: `unit` (src/**\/*.spec.ts: pure code, no database is started for it) and `e2e`
 * (test/**\/*.e2e-spec.ts: a PostgreSQL for the whole run, DATABASE_URL or an embedded one).
 * `npm test` runs both; `npm run test:unit` only the first.
 */
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  setupFiles: ['<rootDir>/test/support/register-errors.ts'],
  testTimeout: 60000,
};

/** @type {import('jest').Config} */
export default {
  maxWorkers: 2,
  // Global too: Jest reads the hooks' and tests' timeout from the global config.
  testTimeout: 60000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.mjs',
      globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
      // Every answer is checked against the OpenAPI document (test/support/contract.ts).
      setupFilesAfterEnv: ['<rootDir>/test/support/contract-setup.ts'],
    },
  ],
};
