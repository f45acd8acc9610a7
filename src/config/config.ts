import { isIP } from 'node:net';
import { resolve } from 'node:path';

/** Everything the app reads from its environment, validated once at start. */
export interface AppConfig {
  nodeEnv: 'development' | 'production' | 'test';
  host: string;
  port: number;
  /** Owner/superuser connection: migrations run as it. Unset: embedded PostgreSQL. */
  databaseUrl: string | undefined;
  /** Optional separate login for request handling; default: DATABASE_URL with SET ROLE. */
  databaseAppUrl: string | undefined;
  /**
   * Optional read replica (a streaming standby) for list and report reads; its connections take
   * the restricted runtime role like the main pool's. Unset: every read uses the main pool.
   */
  databaseReadUrl: string | undefined;
  databasePoolSize: number;
  runMigrations: boolean;
  embeddedDataDir: string;
  embeddedPort: number;
  /** Unset outside production: a generated secret is kept under the data directory. */
  jwtSecret: string | undefined;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  bodyLimitBytes: number;
  statementTimeoutMs: number;
  /** A lock not heard from for this long counts as offline. */
  deviceOfflineAfterMinutes: number;
  /** At or below this battery level a lock is flagged lowBattery. */
  lowBatteryPercent: number;
  /** Seconds between runs of scheduled work (SLA breaches, proactive tickets); 0 turns it off. */
  jobsIntervalSeconds: number;
  /** Allow webhook URLs on loopback, link-local and private addresses (local development only). */
  webhooksAllowPrivate: boolean;
  /** First retry delay of a failed webhook delivery; doubles per attempt, with jitter. */
  webhookRetryBaseSeconds: number;
  /** Attempts before a delivery is dead-lettered. */
  webhookMaxAttempts: number;
  /** Longest one webhook request may take, connect to last byte. */
  webhookTimeoutMs: number;
  /** Webhook requests in flight at once, per app instance. */
  webhookConcurrency: number;
  /** Requests in flight to one endpoint (a tenant's origin), per app instance. */
  webhookEndpointConcurrency: number;
  /** Requests in flight for one tenant, per app instance. */
  webhookTenantConcurrency: number;
  /** Minutes an urgent / a normal escalation may wait unclaimed before it is re-routed. */
  escalationClaimMinutesUrgent: number;
  escalationClaimMinutes: number;
  /** Telemetry kept this many days (whole months are dropped once all their events are older). */
  telemetryRetentionDays: number;
  /** Seconds between purges of expired Idempotency-Keys; 0 turns it off. */
  idempotencyPurgeIntervalSeconds: number;
  /** Outbox messages are kept this many days after they were published (relayed to webhooks). */
  outboxRetentionDays: number;
  /** Finished webhook deliveries (delivered, dead, cancelled) are kept this many days. */
  webhookDeliveryRetentionDays: number;
  /** Strict-Transport-Security max-age; 0 (default) sends no HSTS: set it only when clients reach the API over HTTPS. */
  hstsMaxAgeSeconds: number;
  /** How far ahead a partner may schedule a visit. */
  escalationVisitHorizonDays: number;
  /** The longest a claim's lease may run from now (a scheduled visit extends it up to this). */
  escalationLeaseMaxHours: number;
  /**
   * Fastify's trustProxy: whom to believe in X-Forwarded-For for the client
   * address. false (default), true (any hop: only behind a proxy that strips
   * the header), a hop count, or a list of proxy addresses/CIDRs.
   */
  trustProxy: boolean | number | string[];
  /** General API limits, requests per window (0 turns one off). */
  rateLimitWindowSeconds: number;
  rateLimitPerTenant: number;
  rateLimitPerApiKey: number;
  /** Signup, login and refresh, per client address. */
  rateLimitPublicPerAddress: number;
  /** Password checks (login, currentPassword) per account before a lock; the lock doubles per repeat. */
  loginMaxFailures: number;
  loginWindowSeconds: number;
  loginLockSeconds: number;
  loginLockMaxSeconds: number;
  /** Password checks per client address per window (a fixed lock of one window when over). */
  loginMaxFailuresPerAddress: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`Invalid configuration: ${variable} ${message}`);
  }
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return def;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max)
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function bool(env: Env, name: string, def: boolean): boolean {
  const raw = str(env, name)?.toLowerCase();
  if (raw === undefined) return def;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function oneOf<T extends string>(env: Env, name: string, def: T, allowed: readonly T[]): T {
  const raw = str(env, name);
  if (raw === undefined) return def;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function trustProxy(env: Env, name: string): boolean | number | string[] {
  const raw = str(env, name);
  if (raw === undefined) return false;
  const lower = raw.toLowerCase();
  if (['0', 'false', 'no', 'off'].includes(lower)) return false;
  if (['true', 'yes', 'on'].includes(lower)) return true;
  if (/^\d+$/.test(raw)) return int(env, name, 0, 1, 20);
  const list = raw.split(',').map((s) => s.trim());
  for (const item of list) {
    const [addr = '', bits, ...rest] = item.split('/');
    const valid =
      rest.length === 0 &&
      isIP(addr) !== 0 &&
      (bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (isIP(addr) === 4 ? 32 : 128)));
    if (!valid) {
      throw new ConfigError(
        name,
        `must be false, true, a hop count or a comma-separated list of addresses/CIDRs, got "${item}"`,
      );
    }
  }
  return list;
}

function postgresUrl(env: Env, name: string): string | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, 'must be a URL like postgres://user:password@host:5432/database');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(name, `must use the postgres:// scheme, got "${url.protocol}"`);
  }
  return raw;
}

export function loadConfig(env: Env = process.env): AppConfig {
  const nodeEnv = oneOf(env, 'NODE_ENV', 'development', ['development', 'production', 'test']);
  const jwtSecret = str(env, 'JWT_SECRET');
  if (jwtSecret !== undefined && jwtSecret.length < 32) {
    throw new ConfigError('JWT_SECRET', 'must be at least 32 characters long');
  }
  if (jwtSecret === undefined && nodeEnv === 'production') {
    throw new ConfigError('JWT_SECRET', 'is required when NODE_ENV=production');
  }
  const databaseUrl = postgresUrl(env, 'DATABASE_URL');
  if (databaseUrl === undefined && nodeEnv === 'production') {
    throw new ConfigError('DATABASE_URL', 'is required when NODE_ENV=production');
  }
  const horizonDays = int(env, 'ESCALATION_VISIT_HORIZON_DAYS', 60, 1, 3650);
  return {
    nodeEnv,
    host: str(env, 'HOST') ?? '0.0.0.0',
    port: int(env, 'PORT', 3000, 0, 65535),
    databaseUrl,
    databaseAppUrl: postgresUrl(env, 'DATABASE_APP_URL'),
    databaseReadUrl: postgresUrl(env, 'DATABASE_READ_URL'),
    databasePoolSize: int(env, 'DATABASE_POOL_SIZE', 10, 1, 200),
    runMigrations: bool(env, 'MIGRATIONS_RUN', true),
    embeddedDataDir: resolve(str(env, 'EMBEDDED_PG_DIR') ?? '.data/postgres'),
    embeddedPort: int(env, 'EMBEDDED_PG_PORT', 54329, 1024, 65535),
    jwtSecret,
    accessTokenTtlSeconds: int(env, 'ACCESS_TOKEN_TTL_SECONDS', 900, 30, 86_400),
    refreshTokenTtlSeconds: int(env, 'REFRESH_TOKEN_TTL_SECONDS', 30 * 86_400, 60, 365 * 86_400),
    logLevel: oneOf(env, 'LOG_LEVEL', nodeEnv === 'test' ? 'silent' : 'info', [
      'fatal',
      'error',
      'warn',
      'info',
      'debug',
      'trace',
      'silent',
    ]),
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 10 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    statementTimeoutMs: int(env, 'STATEMENT_TIMEOUT_MS', 30_000, 0, 3_600_000),
    deviceOfflineAfterMinutes: int(env, 'DEVICE_OFFLINE_AFTER_MINUTES', 120, 1, 43_200),
    lowBatteryPercent: int(env, 'LOW_BATTERY_PERCENT', 20, 1, 99),
    jobsIntervalSeconds: int(env, 'JOBS_INTERVAL_SECONDS', nodeEnv === 'test' ? 0 : 60, 0, 86_400),
    webhooksAllowPrivate: bool(env, 'WEBHOOKS_ALLOW_PRIVATE', false),
    webhookRetryBaseSeconds: int(env, 'WEBHOOK_RETRY_BASE_SECONDS', 10, 0, 3600),
    webhookMaxAttempts: int(env, 'WEBHOOK_MAX_ATTEMPTS', 8, 1, 50),
    webhookTimeoutMs: int(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
    webhookConcurrency: int(env, 'WEBHOOK_CONCURRENCY', 32, 1, 1000),
    webhookEndpointConcurrency: int(env, 'WEBHOOK_ENDPOINT_CONCURRENCY', 2, 1, 100),
    webhookTenantConcurrency: int(env, 'WEBHOOK_TENANT_CONCURRENCY', 8, 1, 1000),
    escalationClaimMinutesUrgent: int(env, 'ESCALATION_CLAIM_MINUTES_URGENT', 30, 1, 10_080),
    escalationClaimMinutes: int(env, 'ESCALATION_CLAIM_MINUTES', 240, 1, 43_200),
    // At least the 90 days the battery forecast reads (the partition upkeep enforces it too).
    telemetryRetentionDays: int(env, 'TELEMETRY_RETENTION_DAYS', 400, 90, 36_500),
    idempotencyPurgeIntervalSeconds: int(
      env,
      'IDEMPOTENCY_PURGE_INTERVAL_SECONDS',
      nodeEnv === 'test' ? 0 : 3600,
      0,
      86_400,
    ),
    hstsMaxAgeSeconds: int(env, 'HSTS_MAX_AGE_SECONDS', 0, 0, 63_072_000),
    outboxRetentionDays: int(env, 'OUTBOX_RETENTION_DAYS', 7, 1, 36_500),
    webhookDeliveryRetentionDays: int(env, 'WEBHOOK_DELIVERY_RETENTION_DAYS', 30, 1, 36_500),
    escalationVisitHorizonDays: horizonDays,
    // Default: room for a visit at the horizon plus the 4 h grace after it.
    escalationLeaseMaxHours: int(
      env,
      'ESCALATION_LEASE_MAX_HOURS',
      horizonDays * 24 + 4,
      1,
      87_600,
    ),
    trustProxy: trustProxy(env, 'TRUST_PROXY'),
    rateLimitWindowSeconds: int(env, 'RATE_LIMIT_WINDOW_SECONDS', 60, 1, 86_400),
    rateLimitPerTenant: int(env, 'RATE_LIMIT_PER_TENANT', 6000, 0, 10_000_000),
    rateLimitPerApiKey: int(env, 'RATE_LIMIT_PER_API_KEY', 3000, 0, 10_000_000),
    rateLimitPublicPerAddress: int(env, 'RATE_LIMIT_PUBLIC_PER_ADDRESS', 600, 0, 10_000_000),
    loginMaxFailures: int(env, 'LOGIN_MAX_FAILURES', 5, 1, 1000),
    loginWindowSeconds: int(env, 'LOGIN_WINDOW_SECONDS', 900, 1, 86_400),
    loginLockSeconds: int(env, 'LOGIN_LOCK_SECONDS', 60, 1, 86_400),
    loginLockMaxSeconds: int(env, 'LOGIN_LOCK_MAX_SECONDS', 900, 1, 86_400),
    loginMaxFailuresPerAddress: int(env, 'LOGIN_MAX_FAILURES_PER_ADDRESS', 50, 1, 100_000),
  };
}
