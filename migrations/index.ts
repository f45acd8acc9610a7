import { Foundation1763790000000 } from './1763790000000-Foundation.js';
import { Devices1763790100000 } from './1763790100000-Devices.js';

/** Every migration, in order. Listed explicitly so the same code runs under tsc, node and Jest. */
export const MIGRATIONS = [Foundation1763790000000, Devices1763790100000];
