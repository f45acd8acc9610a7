import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A diagnosis is stored once, in the ticket's diagnosis history (`ticket_diagnoses`). The ticket
 * keeps a pointer to its current diagnosis (`diagnosis_id`, a history row of the same ticket) and
 * a small summary for lists (`diagnosis_summary`: the top three causes with their probabilities,
 * the next step, the escalation flag and target, the model version), made by the SQL function
 * `diagnosis_summary(jsonb)`. The same function writes the summary of every new diagnosis, so the
 * summary has one definition, here.
 *
 * Existing tickets point at the newest history row holding their current diagnosis; a ticket
 * whose current diagnosis is missing from its history (none should be) gets it appended first,
 * with the trigger `migrated`. The tables FORCE row-level security, owners included: the data
 * moves with it lifted for this transaction only (a superuser migrator bypasses it anyway).
 */
export class DiagnosisStoredOnce1764002000000 implements MigrationInterface {
  name = 'DiagnosisStoredOnce1764002000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION diagnosis_summary(d jsonb) RETURNS jsonb
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT jsonb_build_object(
          'causes', coalesce(
            (SELECT jsonb_agg(jsonb_build_object('code', c -> 'code', 'probability', c -> 'probability') ORDER BY i)
               FROM jsonb_array_elements(d -> 'causes') WITH ORDINALITY AS x (c, i)
              WHERE i <= 3),
            '[]'::jsonb),
          'nextStep', d #> '{plan,0,step}',
          'escalation', jsonb_build_object(
            'recommended', coalesce(d #> '{escalation,recommended}', 'false'::jsonb),
            'target', d #> '{escalation,target}'),
          'modelVersion', d -> 'modelVersion')
      $$`);

    // The pointer must name a history row of the same ticket.
    await q.query(
      `CREATE UNIQUE INDEX ticket_diagnoses_ticket_key ON ticket_diagnoses (tenant_id, ticket_id, id)`,
    );
    await q.query(`DROP INDEX ticket_diagnoses_ticket_idx`);
    await q.query(
      `ALTER TABLE ticket_diagnoses ADD CONSTRAINT ticket_diagnoses_ticket_key
         UNIQUE USING INDEX ticket_diagnoses_ticket_key`,
    );
    await q.query(
      `ALTER TABLE tickets ADD COLUMN diagnosis_id uuid, ADD COLUMN diagnosis_summary jsonb`,
    );

    await q.query(`ALTER TABLE tickets NO FORCE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE ticket_diagnoses NO FORCE ROW LEVEL SECURITY`);
    await q.query(`
      UPDATE tickets t SET diagnosis_id = (
        SELECT h.id FROM ticket_diagnoses h
         WHERE h.tenant_id = t.tenant_id AND h.ticket_id = t.id AND h.diagnosis = t.diagnosis
         ORDER BY h.id DESC LIMIT 1)`);
    // A time-ordered id (UUIDv7 layout, like the application's) so it sorts last in the history.
    await q.query(`
      WITH missing AS (
        SELECT tenant_id, id AS ticket_id, diagnosis,
               (lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0')
                 || '7' || substr(md5(id::text), 1, 3) || '8' || substr(md5(id::text), 4, 15))::uuid AS new_id
          FROM tickets WHERE diagnosis_id IS NULL
      ), h AS (
        INSERT INTO ticket_diagnoses (tenant_id, id, ticket_id, trigger, diagnosis)
        SELECT tenant_id, new_id, ticket_id, 'migrated', diagnosis FROM missing
      )
      UPDATE tickets t SET diagnosis_id = m.new_id
        FROM missing m WHERE t.tenant_id = m.tenant_id AND t.id = m.ticket_id`);
    await q.query(`UPDATE tickets SET diagnosis_summary = diagnosis_summary(diagnosis)`);
    await q.query(`ALTER TABLE tickets FORCE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE ticket_diagnoses FORCE ROW LEVEL SECURITY`);

    await q.query(`
      ALTER TABLE tickets
        ALTER COLUMN diagnosis_id SET NOT NULL,
        ALTER COLUMN diagnosis_summary SET NOT NULL,
        ADD CONSTRAINT tickets_diagnosis_fkey FOREIGN KEY (tenant_id, id, diagnosis_id)
          REFERENCES ticket_diagnoses (tenant_id, ticket_id, id),
        DROP COLUMN diagnosis`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tickets ADD COLUMN diagnosis jsonb`);
    await q.query(`ALTER TABLE tickets NO FORCE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE ticket_diagnoses NO FORCE ROW LEVEL SECURITY`);
    await q.query(`
      UPDATE tickets t SET diagnosis = h.diagnosis
        FROM ticket_diagnoses h WHERE h.tenant_id = t.tenant_id AND h.id = t.diagnosis_id`);
    await q.query(`ALTER TABLE tickets FORCE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE ticket_diagnoses FORCE ROW LEVEL SECURITY`);
    await q.query(`
      ALTER TABLE tickets
        ALTER COLUMN diagnosis SET NOT NULL,
        DROP CONSTRAINT tickets_diagnosis_fkey,
        DROP COLUMN diagnosis_id,
        DROP COLUMN diagnosis_summary`);
    await q.query(`ALTER TABLE ticket_diagnoses DROP CONSTRAINT ticket_diagnoses_ticket_key`);
    await q.query(
      `CREATE INDEX ticket_diagnoses_ticket_idx ON ticket_diagnoses (tenant_id, ticket_id, id)`,
    );
    await q.query(`DROP FUNCTION diagnosis_summary(jsonb)`);
  }
}
