/**
 * What a firmware version may look like. Versions are compared by one rule, in
 * src/diagnostics/engine/version.ts and, in queries, by the SQL function version_key().
 */
export const FIRMWARE_PATTERN = /^[vV]?\d+(\.\d+){0,3}([-+][0-9A-Za-z.-]{1,40})?$/;
