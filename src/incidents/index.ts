/**
 * The public surface of the incidents module (the other one is incidents.module.ts). Everything
 * else in src/incidents/ is private; see .dependency-cruiser.cjs.
 */
export { IncidentDetection } from './incident-detection.service.js';
export { IncidentDetectionJob } from './incident-detection.job.js';
