/**
 * The public surface of the maintenance module (the other one is maintenance.module.ts).
 * Everything else in src/maintenance/ is private; see .dependency-cruiser.cjs.
 */
export { MaintenanceService } from './maintenance.service.js';
