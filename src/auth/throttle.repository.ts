/**
 * The SQL of the login throttle (auth_attempts) and of the general rate-limit counters
 * (rate_limit_counters). Neither table holds tenant data: keys are SHA-256 digests, so they are
 * read and written outside any tenant transaction.
 */
import type { DataSource } from 'typeorm';
import { table } from '../database/table.js';

/** Login attempts per bucket (a digest of an address or an account), with lockouts. */
export const AUTH_ATTEMPTS = table('auth_attempts', {
  bucket: 'bytea',
  attempts: 'int4',
  window_start: 'timestamptz',
  strikes: 'int4',
  locked_until: 'timestamptz?',
  expires_at: 'timestamptz',
});

/** Hits per bucket and fixed window (window_start in epoch milliseconds). */
export const RATE_LIMIT_COUNTERS = table('rate_limit_counters', {
  bucket: 'bytea',
  window_start: 'int8',
  hits: 'int4',
  expires_at: 'timestamptz',
});

/**
 * Reserves one attempt in a bucket (one atomic statement, a row lock in auth_attempt_reserve):
 * answers how many milliseconds the bucket is locked for, 0 when the attempt may go ahead.
 */
export async function reserveAttempt(
  ds: DataSource,
  bucket: Buffer,
  max: number,
  windowMs: number,
  lockMs: number,
  lockMaxMs: number,
): Promise<number> {
  const rows = await ds.query<{ wait: string }[]>(
    `SELECT auth_attempt_reserve($1, $2, $3, $4, $5) AS wait`,
    [bucket, max, windowMs, lockMs, lockMaxMs],
  );
  return Number(rows[0]!.wait);
}

/** A right password: the account's bucket is cleared and the address gets one attempt back. */
export async function clearAfterSuccess(
  ds: DataSource,
  account: Buffer,
  address: Buffer,
): Promise<void> {
  await ds.query(
    `WITH cleared AS (DELETE FROM auth_attempts WHERE bucket = $1)
     UPDATE auth_attempts SET attempts = greatest(attempts - 1, 0) WHERE bucket = $2`,
    [account, address],
  );
}

/** Deletes attempt buckets and counter windows that are over; answers how many of each. */
export async function deleteExpired(
  ds: DataSource,
): Promise<{ authAttempts: number; rateLimitCounters: number }> {
  const [, authAttempts] = await ds.query<[unknown, number]>(
    `DELETE FROM auth_attempts WHERE expires_at < now()`,
  );
  const [, rateLimitCounters] = await ds.query<[unknown, number]>(
    `DELETE FROM rate_limit_counters WHERE expires_at < now()`,
  );
  return { authAttempts, rateLimitCounters };
}

/**
 * Counts `count` hits in the bucket's fixed window (window and time left from the database
 * clock): answers the hits so far, these included, and the milliseconds left in the window.
 */
export async function hitWindow(
  ds: DataSource,
  bucket: Buffer,
  windowMs: number,
  count = 1,
): Promise<{ hits: number; ttlMs: number }> {
  const rows = await ds.query<{ hits: number; ttl: string }[]>(
    `WITH n AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now_ms),
          w AS (SELECT now_ms / $2::bigint * $2::bigint AS start, now_ms FROM n)
     INSERT INTO rate_limit_counters AS c (bucket, window_start, hits, expires_at)
     SELECT $1, w.start, $3::int, to_timestamp((w.start + $2::bigint) / 1000.0) FROM w
     ON CONFLICT (bucket, window_start) DO UPDATE SET hits = c.hits + $3::int
     RETURNING c.hits, (c.window_start + $2::bigint - (SELECT now_ms FROM w)) AS ttl`,
    [bucket, windowMs, count],
  );
  return { hits: rows[0]!.hits, ttlMs: Number(rows[0]!.ttl) };
}
