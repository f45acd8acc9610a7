import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The function as migration 1764000300000 created it. */
const BEFORE = `
      CREATE OR REPLACE FUNCTION auth_attempt_reserve(
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
      END $$`;

const LOCKED = `        SELECT * INTO STRICT r FROM auth_attempts WHERE bucket = p_bucket FOR UPDATE;\n`;

/** The same, reading the clock again once the row is ours. */
const AFTER = BEFORE.replace(
  LOCKED,
  LOCKED +
    `        -- The time is read again once the row is ours: a caller that queued behind a burst\n` +
    `        -- must not measure the lock from before it waited (Retry-After above the lock).\n` +
    `        t := clock_timestamp();\n`,
);

/**
 * auth_attempt_reserve read the clock before waiting for the bucket's row lock, so a login that
 * queued behind a parallel burst measured the lock from too early and answered a Retry-After
 * longer than the lock itself. Same function, the clock read after the lock is taken.
 */
export class ThrottleClockAfterLock1764001500000 implements MigrationInterface {
  name = 'ThrottleClockAfterLock1764001500000';

  async up(q: QueryRunner): Promise<void> {
    if (AFTER === BEFORE) throw new Error('auth_attempt_reserve: the lock statement was not found');
    await q.query(AFTER);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(BEFORE);
  }
}
