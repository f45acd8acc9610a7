/**
 * The public surface of the escalation module: what other modules may import from it (the other one is
 * escalation.module.ts). The app root reads the webhook event catalogue for the OpenAPI document. Everything else in src/escalation/ is private; see
 * .dependency-cruiser.cjs.
 */
export { webhookDocumentation } from './webhook-catalog.js';
