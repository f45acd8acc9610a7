import type { MigrationInterface, QueryRunner } from 'typeorm';
import { RUNTIME_ROLE } from './support.js';

/**
 * Shared, restart-proof state for throttling (every app instance sees the
 * same counts) and a token version per person.
 *
 * - auth_attempts: password checks (login, currentPassword) per account and
 *   per client address, reserved before the hash is checked. A regular
 *   (logged) table: a lock must survive a database crash too.
 * - rate_limit_counters: the general API limits (@fastify/rate-limit's
 *   store), one row per bucket and fixed window. UNLOGGED: cheap writes;
 *   after a PostgreSQL crash the counts restart from zero, which only loosens
 *   the limits for one window.
 *
 * Neither table holds tenant data: buckets are SHA-256 digests of
 * "tenant:<id>", "apikey:<id>", "addr:<ip>", "user:<id>" or "email:<address>",
 * so no tenant id, address or email is readable here and no RLS policy is
 * needed (the runtime role reads and writes them from every tenant's requests).
 */
export class AuthThrottle1764000300000 implements MigrationInterface {
  name = 'AuthThrottle1764000300000';

  async up(q: QueryRunner): Promise<void> {
    // Bumped by every password change: tokens carrying an older version are refused.
    await q.query(`ALTER TABLE users ADD COLUMN token_version integer NOT NULL DEFAULT 0`);

    await q.query(`
      CREATE TABLE auth_attempts (
        bucket bytea PRIMARY KEY CHECK (octet_length(bucket) = 32),
        attempts integer NOT NULL,
        window_start timestamptz NOT NULL,
        strikes integer NOT NULL,
        locked_until timestamptz,
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX auth_attempts_expires_idx ON auth_attempts (expires_at)`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON auth_attempts TO ${RUNTIME_ROLE}`);

    // Reserve one attempt in a bucket, atomically (row lock): answers 0 when the
    // attempt may go ahead, else the milliseconds to wait. Over p_max attempts in
    // a window the bucket locks for p_lock_ms, doubling with each lock that
    // follows within a window of the previous one, up to p_lock_max_ms. While
    // locked nothing is counted, so a burst costs one lock, not one per request.
    await q.query(`
      CREATE FUNCTION auth_attempt_reserve(
        p_bucket bytea, p_max integer, p_window_ms bigint, p_lock_ms bigint, p_lock_max_ms bigint
      ) RETURNS bigint
      LANGUAGE plpgsql
      SET search_path = public, pg_temp
      AS $$
      DECLARE
        r auth_attempts%ROWTYPE;
        t timestamptz := clock_timestamp();
        w interval := make_interval(secs => p_window_ms / 1000.0);
        lock_ms bigint := 0;
      BEGIN
        INSERT INTO auth_attempts (bucket, attempts, window_start, strikes, locked_until, expires_at)
        VALUES (p_bucket, 0, t, 0, NULL, t + w)
        ON CONFLICT (bucket) DO NOTHING;
        SELECT * INTO STRICT r FROM auth_attempts WHERE bucket = p_bucket FOR UPDATE;
        IF r.locked_until IS NOT NULL AND r.locked_until > t THEN
          RETURN greatest(1, ceil(extract(epoch FROM r.locked_until - t) * 1000))::bigint;
        END IF;
        IF r.window_start + w <= t THEN
          r.attempts := 0;
          r.window_start := t;
          IF r.locked_until IS NULL OR r.locked_until + w <= t THEN
            r.strikes := 0;
          END IF;
        END IF;
        r.attempts := r.attempts + 1;
        IF r.attempts > p_max THEN
          r.strikes := r.strikes + 1;
          lock_ms := least(p_lock_ms::numeric * power(2::numeric, least(r.strikes, 40) - 1), p_lock_max_ms)::bigint;
          r.locked_until := t + make_interval(secs => lock_ms / 1000.0);
          r.attempts := 0;
          r.window_start := t;
        END IF;
        UPDATE auth_attempts
           SET attempts = r.attempts, window_start = r.window_start, strikes = r.strikes,
               locked_until = r.locked_until,
               expires_at = greatest(r.window_start, coalesce(r.locked_until, r.window_start)) + w
         WHERE bucket = p_bucket;
        RETURN lock_ms;
      END $$`);
    await q.query(
      `REVOKE ALL ON FUNCTION auth_attempt_reserve(bytea, integer, bigint, bigint, bigint) FROM PUBLIC`,
    );
    await q.query(
      `GRANT EXECUTE ON FUNCTION auth_attempt_reserve(bytea, integer, bigint, bigint, bigint) TO ${RUNTIME_ROLE}`,
    );

    await q.query(`
      CREATE UNLOGGED TABLE rate_limit_counters (
        bucket bytea NOT NULL CHECK (octet_length(bucket) = 32),
        window_start bigint NOT NULL, -- epoch milliseconds, a multiple of the window
        hits integer NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (bucket, window_start)
      )`);
    await q.query(
      `CREATE INDEX rate_limit_counters_expires_idx ON rate_limit_counters (expires_at)`,
    );
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON rate_limit_counters TO ${RUNTIME_ROLE}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE rate_limit_counters`);
    await q.query(`DROP FUNCTION auth_attempt_reserve(bytea, integer, bigint, bigint, bigint)`);
    await q.query(`DROP TABLE auth_attempts`);
    await q.query(`ALTER TABLE users DROP COLUMN token_version`);
  }
}
