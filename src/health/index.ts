/**
 * The public surface of the health module: what other modules may import from it (the other one is
 * health.module.ts). No other module uses health today. Everything else in src/health/ is private; see
 * .dependency-cruiser.cjs.
 */
export {};
