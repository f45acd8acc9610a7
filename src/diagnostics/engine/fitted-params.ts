// Written by `npm run diagnosis:fit`; do not edit by hand. null: the expert tables are used.
import type { FittedParams } from './model.js';

export const FITTED: FittedParams | null = null;
