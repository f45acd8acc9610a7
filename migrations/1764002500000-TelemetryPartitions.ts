import type { MigrationInterface, QueryRunner } from 'typeorm';
import { CURRENT_TENANT_SQL, RUNTIME_ROLE } from './support.js';

/** The maintenance function below, with its argument types (grants and the way down). */
const MAINTAIN = 'telemetry_partitions_maintain(int, int)';

/** The oldest event ingestion accepts, as it stood when this was written (MAX_EVENT_AGE_MS). */
const MAX_EVENT_AGE_DAYS = 365;

/** Months created ahead of the current one by this migration (the job keeps its own count). */
const MONTHS_AHEAD = 2;

/**
 * The shortest retention the maintenance function honours, whatever it is asked: the battery
 * forecast reads 90 days, and the runtime role (which may call the function) can never make it
 * drop anything younger.
 */
const MIN_RETENTION_DAYS = 90;

/**
 * telemetry_events becomes a table partitioned by RANGE (at), one partition per calendar month
 * (UTC), named telemetry_events_pYYYYMM, plus a DEFAULT partition (telemetry_events_default).
 *
 * Monthly: the retention is about 400 days, so about 14 partitions; every query reads a window
 * (1 hour, 24 hours, 90 days) and touches one to four of them. Weekly partitions would mean ~58
 * partitions for the planner to consider on every statement for no gain, and a month of slack on
 * a 400-day retention is under 8 %.
 *
 * Inserts never fail: the maintenance job creates partitions ahead (the current month and the
 * next two), and the DEFAULT partition catches anything else (the job down for months, an event
 * older than the oldest partition). When the job later creates the partition for a range it
 * first moves that range's rows out of the DEFAULT partition, so the DEFAULT partition normally
 * stays empty and attaching a partition scans nothing.
 *
 * A unique constraint on a partitioned table must contain the partition key, so the key is
 * now (tenant_id, id, at) and the redelivery key (tenant_id, device_id, event_key, at): a
 * redelivered event carries its original `at`. Both still lead with tenant_id.
 *
 * Row-level security: the policies are on the parent, and every query goes through the parent
 * (policies of the parent apply to the rows of all its partitions). The runtime role gets no
 * privilege on any partition, so it cannot read one directly; each partition also has row-level
 * security enabled with no policy, a second fence should a grant ever be added. Partitions are
 * created and dropped by telemetry_partitions_maintain (SECURITY DEFINER, owned by the migrating
 * role, which owns the table), so the runtime role owns none of them.
 *
 * The existing rows move into the partitioned table in this migration (one INSERT ... SELECT:
 * plan a maintenance window for a large table).
 */
export class TelemetryPartitions1764002500000 implements MigrationInterface {
  name = 'TelemetryPartitions1764002500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`SET LOCAL TimeZone = 'UTC'`);

    // The old table steps aside under another name (index and sequence names are schema-wide).
    await q.query(`ALTER TABLE telemetry_events RENAME TO telemetry_events_unpartitioned`);
    await q.query(
      `ALTER INDEX telemetry_events_pkey RENAME TO telemetry_events_unpartitioned_pkey`,
    );
    await q.query(
      `ALTER INDEX telemetry_events_tenant_id_device_id_event_key_key RENAME TO telemetry_events_unpartitioned_key`,
    );
    await q.query(`DROP INDEX telemetry_device_type_at_idx`);
    await q.query(`DROP INDEX telemetry_type_at_idx`);
    await q.query(
      `ALTER SEQUENCE telemetry_events_id_seq RENAME TO telemetry_events_unpartitioned_id_seq`,
    );

    await q.query(`
      CREATE TABLE telemetry_events (
        tenant_id uuid NOT NULL,
        id bigint GENERATED ALWAYS AS IDENTITY,
        device_id uuid NOT NULL,
        type text NOT NULL CONSTRAINT telemetry_events_type_check CHECK (type IN ('battery', 'signal',
          'online', 'offline', 'heartbeat', 'jam', 'code_failed', 'firmware', 'lock', 'unlock', 'door_ajar')),
        at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        event_key text NOT NULL,
        battery_percent smallint
          CONSTRAINT telemetry_events_battery_percent_check CHECK (battery_percent BETWEEN 0 AND 100),
        signal_dbm smallint,
        online boolean,
        firmware_version text,
        PRIMARY KEY (tenant_id, id, at),
        UNIQUE (tenant_id, device_id, event_key, at),
        CONSTRAINT telemetry_events_tenant_id_device_id_fkey
          FOREIGN KEY (tenant_id, device_id) REFERENCES devices (tenant_id, id)
      ) PARTITION BY RANGE (at)`);
    await q.query(
      `CREATE INDEX telemetry_device_type_at_idx ON telemetry_events (tenant_id, device_id, type, at)`,
    );
    await q.query(`CREATE INDEX telemetry_type_at_idx ON telemetry_events (tenant_id, type, at)`);

    await q.query(`ALTER TABLE telemetry_events ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE telemetry_events FORCE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY tenant_isolation ON telemetry_events
      USING (tenant_id = ${CURRENT_TENANT_SQL}) WITH CHECK (tenant_id = ${CURRENT_TENANT_SQL})`);
    // As before (1764001400000-DueWorkFunctions): the due-work functions read it as its owner.
    await q.query(
      `CREATE POLICY owner_due_work ON telemetry_events FOR SELECT TO CURRENT_USER USING (true)`,
    );
    await q.query(`GRANT SELECT, INSERT ON telemetry_events TO ${RUNTIME_ROLE}`);

    await q.query(`CREATE TABLE telemetry_events_default PARTITION OF telemetry_events DEFAULT`);
    await q.query(`ALTER TABLE telemetry_events_default ENABLE ROW LEVEL SECURITY`);

    // A partition per month from the oldest row (or the oldest event ingestion accepts) to two
    // months ahead; the job drops what its retention no longer keeps.
    const months = (await q.query(
      `SELECT 'telemetry_events_p' || to_char(m, 'YYYYMM') AS name, m::text AS lo,
              (m + interval '1 month')::text AS hi
         FROM generate_series(
                date_trunc('month', least((SELECT min(at) FROM telemetry_events_unpartitioned),
                                          now() - make_interval(days => ${MAX_EVENT_AGE_DAYS}))),
                date_trunc('month', now()) + make_interval(months => ${MONTHS_AHEAD}),
                interval '1 month') AS m`,
    )) as { name: string; lo: string; hi: string }[];
    for (const m of months) {
      await q.query(
        `CREATE TABLE ${m.name} PARTITION OF telemetry_events FOR VALUES FROM ('${m.lo}') TO ('${m.hi}')`,
      );
      await q.query(`ALTER TABLE ${m.name} ENABLE ROW LEVEL SECURITY`);
    }

    await q.query(
      `INSERT INTO telemetry_events OVERRIDING SYSTEM VALUE SELECT * FROM telemetry_events_unpartitioned`,
    );
    await q.query(
      `SELECT setval(pg_get_serial_sequence('telemetry_events', 'id'), coalesce(max(id), 0) + 1, false)
         FROM telemetry_events`,
    );
    await q.query(`DROP TABLE telemetry_events_unpartitioned`);

    // Partition upkeep, for the scheduled job: create any missing month partition from the oldest
    // month ingestion still accepts (or the retention cutoff, if later) to p_months_ahead after
    // the current one (moving that range's rows out of the DEFAULT partition first), and
    // drop every month partition that ended before now() - retention (and DEFAULT-partition rows
    // that old). One caller at a time across instances: the others answer skipped. lock_timeout:
    // creating or dropping a partition briefly locks the parent; never wait in the lock queue
    // (and block inserts behind us) for long, the next round tries again.
    await q.query(`
      CREATE FUNCTION ${MAINTAIN.replace('int, int', 'p_retention_days int, p_months_ahead int')}
      RETURNS TABLE (created int, dropped int, moved bigint, skipped boolean)
      LANGUAGE plpgsql SECURITY DEFINER
      SET search_path = public, pg_temp
      SET TimeZone = 'UTC'
      SET lock_timeout = '5s'
      AS $$
      DECLARE
        retention int := greatest(coalesce(p_retention_days, 0), ${MIN_RETENTION_DAYS});
        ahead int := least(greatest(coalesce(p_months_ahead, 0), 1), 24);
        cutoff timestamptz := now() - make_interval(days => retention);
        m timestamptz;
        part text;
        n bigint;
        r record;
      BEGIN
        created := 0; dropped := 0; moved := 0; skipped := false;
        IF NOT pg_try_advisory_xact_lock(hashtext('lockdesk.telemetry_partitions')) THEN
          skipped := true;
          RETURN NEXT;
          RETURN;
        END IF;

        FOR r IN
          SELECT c.relname, to_timestamp(substr(c.relname, 19), 'YYYYMM') AS month
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
           WHERE i.inhparent = 'telemetry_events'::regclass
             AND c.relname ~ '^telemetry_events_p[0-9]{6}$'
        LOOP
          IF r.month + interval '1 month' <= cutoff THEN
            EXECUTE format('DROP TABLE %I', r.relname);
            dropped := dropped + 1;
          END IF;
        END LOOP;
        DELETE FROM telemetry_events_default WHERE at < cutoff;

        FOR m IN
          SELECT generate_series(date_trunc('month', greatest(cutoff, now() - make_interval(days => ${MAX_EVENT_AGE_DAYS}))),
                                 date_trunc('month', now()) + make_interval(months => ahead),
                                 interval '1 month')
        LOOP
          part := 'telemetry_events_p' || to_char(m, 'YYYYMM');
          CONTINUE WHEN to_regclass(part) IS NOT NULL;
          EXECUTE format('CREATE TABLE %I (LIKE telemetry_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
          EXECUTE format('WITH d AS (DELETE FROM telemetry_events_default WHERE at >= $1 AND at < $2 RETURNING *)
                          INSERT INTO %I SELECT * FROM d', part)
            USING m, m + interval '1 month';
          GET DIAGNOSTICS n = ROW_COUNT;
          moved := moved + n;
          EXECUTE format('ALTER TABLE telemetry_events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                         part, m, m + interval '1 month');
          EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', part);
          created := created + 1;
        END LOOP;
        RETURN NEXT;
      END $$`);
    await q.query(`REVOKE ALL ON FUNCTION ${MAINTAIN} FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION ${MAINTAIN} TO ${RUNTIME_ROLE}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION ${MAINTAIN}`);
    await q.query(`ALTER TABLE telemetry_events RENAME TO telemetry_events_partitioned`);
    await q.query(`ALTER INDEX telemetry_events_pkey RENAME TO telemetry_events_partitioned_pkey`);
    await q.query(
      `ALTER INDEX telemetry_events_tenant_id_device_id_event_key_at_key RENAME TO telemetry_events_partitioned_key`,
    );
    await q.query(`DROP INDEX telemetry_device_type_at_idx`);
    await q.query(`DROP INDEX telemetry_type_at_idx`);
    await q.query(
      `ALTER SEQUENCE telemetry_events_id_seq RENAME TO telemetry_events_partitioned_id_seq`,
    );
    await q.query(`
      CREATE TABLE telemetry_events (
        tenant_id uuid NOT NULL,
        id bigint GENERATED ALWAYS AS IDENTITY,
        device_id uuid NOT NULL,
        type text NOT NULL CHECK (type IN ('battery', 'signal', 'online', 'offline', 'heartbeat', 'jam',
          'code_failed', 'firmware', 'lock', 'unlock', 'door_ajar')),
        at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        event_key text NOT NULL,
        battery_percent smallint CHECK (battery_percent BETWEEN 0 AND 100),
        signal_dbm smallint,
        online boolean,
        firmware_version text,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, device_id, event_key),
        FOREIGN KEY (tenant_id, device_id) REFERENCES devices (tenant_id, id)
      )`);
    await q.query(
      `CREATE INDEX telemetry_device_type_at_idx ON telemetry_events (tenant_id, device_id, type, at)`,
    );
    await q.query(`CREATE INDEX telemetry_type_at_idx ON telemetry_events (tenant_id, type, at)`);
    await q.query(`ALTER TABLE telemetry_events ENABLE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE telemetry_events FORCE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY tenant_isolation ON telemetry_events
      USING (tenant_id = ${CURRENT_TENANT_SQL}) WITH CHECK (tenant_id = ${CURRENT_TENANT_SQL})`);
    await q.query(
      `CREATE POLICY owner_due_work ON telemetry_events FOR SELECT TO CURRENT_USER USING (true)`,
    );
    await q.query(`GRANT SELECT, INSERT ON telemetry_events TO ${RUNTIME_ROLE}`);
    // The old key had no `at`: of one event key stored at several times, the first stays.
    await q.query(
      `INSERT INTO telemetry_events OVERRIDING SYSTEM VALUE
       SELECT * FROM telemetry_events_partitioned ORDER BY id
       ON CONFLICT (tenant_id, device_id, event_key) DO NOTHING`,
    );
    await q.query(
      `SELECT setval(pg_get_serial_sequence('telemetry_events', 'id'), coalesce(max(id), 0) + 1, false)
         FROM telemetry_events`,
    );
    await q.query(`DROP TABLE telemetry_events_partitioned`);
  }
}
