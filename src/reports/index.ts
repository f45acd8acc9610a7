/**
 * The public surface of the reports module (the other one is reports.module.ts). Nothing is used
 * by other modules yet; see .dependency-cruiser.cjs.
 */
export { ReportsModule } from './reports.module.js';
