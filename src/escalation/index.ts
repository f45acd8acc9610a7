/**
 * The public surface of the escalation module: what other modules may import from it (the other one is
 * escalation.module.ts). No other module uses escalation today. Everything else in src/escalation/ is private; see
 * .dependency-cruiser.cjs.
 */
export {};
