import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has working defaults for a newcomer', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 3000,
      databaseUrl: undefined,
      runMigrations: true,
      nodeEnv: 'development',
      hstsMaxAgeSeconds: 0,
      idempotencyPurgeIntervalSeconds: 3600,
    });
    expect(c.embeddedDataDir).toMatch(/\.data\/postgres$/);
    expect(c).toMatchObject({
      trustProxy: false,
      rateLimitPerTenant: 6000,
      loginMaxFailures: 5,
      loginWindowSeconds: 900,
    });
  });

  it.each([
    ['off', false],
    ['true', true],
    ['2', 2],
    ['10.0.0.0/8, 192.168.1.1,::1', ['10.0.0.0/8', '192.168.1.1', '::1']],
  ])('reads TRUST_PROXY=%s', (raw, expected) => {
    expect(loadConfig({ TRUST_PROXY: raw }).trustProxy).toEqual(expected);
  });

  it('keeps telemetry 400 days by default, never less than the 90 days the forecast reads', () => {
    expect(loadConfig({}).telemetryRetentionDays).toBe(400);
    expect(loadConfig({ TELEMETRY_RETENTION_DAYS: '90' }).telemetryRetentionDays).toBe(90);
    expect(() => loadConfig({ TELEMETRY_RETENTION_DAYS: '30' })).toThrow(ConfigError);
    expect(() => loadConfig({ TELEMETRY_RETENTION_DAYS: '30' })).toThrow(
      /TELEMETRY_RETENTION_DAYS/,
    );
  });

  it('keeps published outbox messages 7 days and finished webhook deliveries 30 by default', () => {
    expect(loadConfig({})).toMatchObject({
      outboxRetentionDays: 7,
      webhookDeliveryRetentionDays: 30,
    });
    expect(
      loadConfig({ OUTBOX_RETENTION_DAYS: '1', WEBHOOK_DELIVERY_RETENTION_DAYS: '365' }),
    ).toMatchObject({ outboxRetentionDays: 1, webhookDeliveryRetentionDays: 365 });
  });

  it('bounds partner visits at 60 days and leases at the horizon plus the 4 h grace', () => {
    expect(loadConfig({})).toMatchObject({
      escalationVisitHorizonDays: 60,
      escalationLeaseMaxHours: 60 * 24 + 4,
    });
    expect(loadConfig({ ESCALATION_VISIT_HORIZON_DAYS: '7' }).escalationLeaseMaxHours).toBe(172);
    expect(
      loadConfig({ ESCALATION_VISIT_HORIZON_DAYS: '7', ESCALATION_LEASE_MAX_HOURS: '24' }),
    ).toMatchObject({ escalationVisitHorizonDays: 7, escalationLeaseMaxHours: 24 });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT', /PORT must be a whole number, got "abc"/],
    [{ PORT: '70000' }, 'PORT', /between 0 and 65535/],
    [{ DATABASE_URL: 'mysql://x@y/z' }, 'DATABASE_URL', /postgres:\/\//],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL', /must be a URL/],
    [{ MIGRATIONS_RUN: 'maybe' }, 'MIGRATIONS_RUN', /true or false/],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET', /at least 32/],
    [
      { NODE_ENV: 'production', DATABASE_URL: 'postgres://a@b/c' },
      'JWT_SECRET',
      /required when NODE_ENV=production/,
    ],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV', /one of development, production, test/],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /one of/],
    [{ HSTS_MAX_AGE_SECONDS: 'yes' }, 'HSTS_MAX_AGE_SECONDS', /whole number/],
    [
      { IDEMPOTENCY_PURGE_INTERVAL_SECONDS: '-5' },
      'IDEMPOTENCY_PURGE_INTERVAL_SECONDS',
      /whole number/,
    ],
    [{ OUTBOX_RETENTION_DAYS: '0' }, 'OUTBOX_RETENTION_DAYS', /between 1 and/],
    [
      { WEBHOOK_DELIVERY_RETENTION_DAYS: 'week' },
      'WEBHOOK_DELIVERY_RETENTION_DAYS',
      /whole number/,
    ],
    [{ ESCALATION_VISIT_HORIZON_DAYS: '0' }, 'ESCALATION_VISIT_HORIZON_DAYS', /between 1 and/],
    [{ ESCALATION_LEASE_MAX_HOURS: 'forever' }, 'ESCALATION_LEASE_MAX_HOURS', /whole number/],
    [{ TRUST_PROXY: '10.0.0.0/99' }, 'TRUST_PROXY', /addresses\/CIDRs, got "10.0.0.0\/99"/],
    [{ TRUST_PROXY: 'proxy.internal' }, 'TRUST_PROXY', /hop count/],
    [{ RATE_LIMIT_PER_TENANT: '-1' }, 'RATE_LIMIT_PER_TENANT', /whole number/],
    [{ LOGIN_MAX_FAILURES: '0' }, 'LOGIN_MAX_FAILURES', /between 1 and/],
  ])('refuses %j naming %s', (env, variable, message) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).message).toMatch(message);
  });

  it('reads valid values', () => {
    const c = loadConfig({
      PORT: '8080',
      MIGRATIONS_RUN: 'false',
      DATABASE_URL: 'postgresql://u:p@h:5432/d',
      LOG_LEVEL: 'debug',
    });
    expect(c).toMatchObject({
      port: 8080,
      runMigrations: false,
      databaseUrl: 'postgresql://u:p@h:5432/d',
      logLevel: 'debug',
    });
  });
});
