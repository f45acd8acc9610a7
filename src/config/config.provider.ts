import type { AppConfig } from './config.js';

/** Injection token for the validated configuration, with the secrets resolved. */
export const APP_CONFIG = Symbol('APP_CONFIG');

export interface ResolvedConfig extends AppConfig {
  jwtSecret: string;
  /** The owner URL actually in use (DATABASE_URL or the embedded server's). */
  databaseUrl: string;
}
