import { afterEach } from '@jest/globals';
import { contractFailure, drainViolations } from './contract.js';

/** Fails the test whose requests broke the OpenAPI document (see contract.ts). */
afterEach(() => {
  const violations = drainViolations();
  if (violations.length > 0) throw contractFailure(violations);
});
