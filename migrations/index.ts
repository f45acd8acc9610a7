import { Foundation1763790000000 } from './1763790000000-Foundation.js';

/** Every migration, in order. Listed explicitly so the same code runs under tsc, node and Jest. */
export const MIGRATIONS = [Foundation1763790000000];
