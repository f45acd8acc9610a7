import type { MigrationInterface, QueryRunner } from 'typeorm';
import { CURRENT_TENANT_SQL, RUNTIME_ROLE, tenantTableSql } from './support.js';

/** Every function below with its argument types, for grants and the way down. */
const FUNCTIONS = [
  'partner_scorecards(uuid[], timestamptz, timestamptz)',
  'partner_routing_scores(uuid[])',
];

/**
 * The hours after a scheduled visit's start within which resolving it counts as on time, for
 * visits booked without a window's end (the schedule endpoint stores one since 1764002700000).
 */
const VISIT_WINDOW_HOURS = 4;

/**
 * Partner scorecards.
 *
 * - `partner_assignments`: one row per time an escalation was routed to a partner (a re-routed
 *   escalation has one per partner), with when it was claimed, when a visit was scheduled and for
 *   when, and how it ended (`resolved`, `declined` — the partner declined it or let it lapse
 *   unclaimed, both of which put it on `declined_by` —, `withdrawn` by the customer or an unlink,
 *   `cancelled`, `closed` with its ticket). A trigger on `escalations` keeps it, so every path that
 *   routes, claims, schedules or ends an escalation is recorded without a line of application
 *   code. The runtime role may only read it: the customer its own rows, the partner the rows
 *   routed to it while linked (as on escalations).
 * - `partner_scorecards(partners, from, to)`: each partner's figures over the assignments routed in
 *   [from, to), across ALL of its customers (what a customer wants to know of a locksmith), as
 *   counts and medians only. It answers only for the caller itself or partners the caller links.
 *   First-time fix needs the customer's side (a reopened ticket, a new escalation of the same lock
 *   and cause within 30 days), hence SECURITY DEFINER, like the other cross-tenant functions.
 * - `partner_routing_scores(partners)`: the tie-break of routing, (first-time fixes + 1) /
 *   (resolved + declined + 2) over the assignments ended in the last 90 days (Laplace smoothing:
 *   a new partner starts at 0.5).
 * - Existing escalations that were routed get one assignment each (routed_at, the end if ended);
 *   when they were claimed or scheduled was never stored, so those stay empty.
 */
export class PartnerScorecards1764003210000 implements MigrationInterface {
  name = 'PartnerScorecards1764003210000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE partner_assignments (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        escalation_id uuid NOT NULL,
        ticket_id uuid NOT NULL,
        partner_tenant_id uuid NOT NULL REFERENCES tenants (id),
        routed_at timestamptz NOT NULL,
        claimed_at timestamptz,
        scheduled_at timestamptz,
        visit_at timestamptz,
        visit_until timestamptz,
        ended_at timestamptz,
        outcome text CHECK (outcome IN ('resolved', 'declined', 'withdrawn', 'cancelled', 'closed')),
        confirmed_cause text,
        diagnosed_cause text,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, escalation_id) REFERENCES escalations (tenant_id, id),
        FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id)
      )`);
    await q.query(
      `CREATE INDEX partner_assignments_escalation_idx ON partner_assignments (tenant_id, escalation_id) WHERE ended_at IS NULL`,
    );
    await q.query(
      `CREATE INDEX partner_assignments_partner_idx ON partner_assignments (partner_tenant_id, routed_at)`,
    );
    await q.query(
      `CREATE INDEX partner_assignments_ended_idx ON partner_assignments (partner_tenant_id, ended_at) WHERE ended_at IS NOT NULL`,
    );
    for (const sql of tenantTableSql('partner_assignments', 'SELECT')) await q.query(sql);
    await q.query(`CREATE POLICY partner_access ON partner_assignments FOR SELECT
      USING (partner_tenant_id = ${CURRENT_TENANT_SQL}
        AND EXISTS (SELECT 1 FROM partner_links l
                     WHERE l.tenant_id = partner_assignments.tenant_id
                       AND l.partner_tenant_id = partner_assignments.partner_tenant_id))`);
    // The trigger and the functions run as the owner (FORCE row-level security applies to it too).
    await q.query(
      `CREATE POLICY owner_maintains ON partner_assignments TO CURRENT_USER USING (true) WITH CHECK (true)`,
    );
    await q.query(
      `CREATE POLICY owner_scorecards ON ticket_events FOR SELECT TO CURRENT_USER USING (true)`,
    );

    await q.query(`
      CREATE FUNCTION partner_assignments_track() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      BEGIN
        -- The partner it was with is no longer: declined (or lapsed), else withdrawn.
        IF TG_OP = 'UPDATE' AND OLD.partner_tenant_id IS NOT NULL
           AND (NEW.partner_tenant_id IS DISTINCT FROM OLD.partner_tenant_id
                OR NEW.routed_at IS DISTINCT FROM OLD.routed_at) THEN
          UPDATE partner_assignments
             SET ended_at = now(),
                 outcome = CASE WHEN OLD.partner_tenant_id = ANY (NEW.declined_by) THEN 'declined' ELSE 'withdrawn' END
           WHERE tenant_id = OLD.tenant_id AND escalation_id = OLD.id AND ended_at IS NULL;
        END IF;
        IF NEW.partner_tenant_id IS NOT NULL AND NEW.status = 'routed'
           AND (TG_OP = 'INSERT' OR NEW.partner_tenant_id IS DISTINCT FROM OLD.partner_tenant_id
                OR NEW.routed_at IS DISTINCT FROM OLD.routed_at) THEN
          INSERT INTO partner_assignments
                 (tenant_id, escalation_id, ticket_id, partner_tenant_id, routed_at, diagnosed_cause)
          VALUES (NEW.tenant_id, NEW.id, NEW.ticket_id, NEW.partner_tenant_id,
                  coalesce(NEW.routed_at, now()), NEW.work_order #>> '{diagnosis,likelyCauses,0,code}');
        ELSIF TG_OP = 'UPDATE' AND NEW.partner_tenant_id IS NOT NULL THEN
          UPDATE partner_assignments SET
                 claimed_at = CASE WHEN claimed_at IS NULL AND NEW.status IN ('claimed', 'scheduled', 'resolved')
                                   THEN now() ELSE claimed_at END,
                 scheduled_at = CASE WHEN NEW.scheduled_at IS NOT NULL AND scheduled_at IS NULL
                                     THEN now() ELSE scheduled_at END,
                 visit_at = coalesce(NEW.scheduled_at, visit_at),
                 visit_until = CASE WHEN NEW.scheduled_at IS NOT NULL THEN NEW.visit_until ELSE visit_until END,
                 ended_at = CASE WHEN NEW.status IN ('resolved', 'cancelled', 'closed') THEN now() END,
                 outcome = CASE WHEN NEW.status IN ('resolved', 'cancelled', 'closed') THEN NEW.status END,
                 confirmed_cause = NEW.confirmed_cause
           WHERE tenant_id = NEW.tenant_id AND escalation_id = NEW.id AND ended_at IS NULL;
        END IF;
        RETURN NULL;
      END
      $$`);
    await q.query(`REVOKE ALL ON FUNCTION partner_assignments_track() FROM PUBLIC`);
    await q.query(`
      CREATE TRIGGER partner_assignments_track AFTER INSERT OR UPDATE ON escalations
        FOR EACH ROW EXECUTE FUNCTION partner_assignments_track()`);

    await q.query(`ALTER TABLE escalations NO FORCE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE partner_assignments NO FORCE ROW LEVEL SECURITY`);
    await q.query(`
      INSERT INTO partner_assignments (tenant_id, escalation_id, ticket_id, partner_tenant_id, routed_at,
                                       ended_at, outcome, confirmed_cause, diagnosed_cause, visit_at, visit_until)
      SELECT tenant_id, id, ticket_id, partner_tenant_id, coalesce(routed_at, created_at),
             CASE WHEN status IN ('resolved', 'cancelled', 'closed') THEN updated_at END,
             CASE WHEN status IN ('resolved', 'cancelled', 'closed') THEN status END,
             confirmed_cause, work_order #>> '{diagnosis,likelyCauses,0,code}', scheduled_at, visit_until
        FROM escalations WHERE partner_tenant_id IS NOT NULL`);
    await q.query(`ALTER TABLE escalations FORCE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE partner_assignments FORCE ROW LEVEL SECURITY`);

    const definer = `LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp`;
    // Partners the caller may see figures of: itself, or partners it links.
    const visible = (col: string) => `(${col} = ${CURRENT_TENANT_SQL}
      OR EXISTS (SELECT 1 FROM partner_links l
                  WHERE l.tenant_id = ${CURRENT_TENANT_SQL} AND l.partner_tenant_id = ${col}))`;
    // A resolution that held: no reopen of its ticket, and no new escalation of the same lock for
    // the same cause (confirmed, else diagnosed), within 30 days.
    const firstTimeFix = (a: string) => `(${a}.outcome = 'resolved'
      AND NOT EXISTS (SELECT 1 FROM ticket_events ev
                       WHERE ev.tenant_id = ${a}.tenant_id AND ev.ticket_id = ${a}.ticket_id
                         AND ev.type = 'reopened'
                         AND ev.created_at > ${a}.ended_at AND ev.created_at <= ${a}.ended_at + interval '30 days')
      AND NOT EXISTS (SELECT 1 FROM tickets t1
                        JOIN tickets t2 ON t2.tenant_id = t1.tenant_id AND t2.device_id = t1.device_id
                        JOIN escalations e2 ON e2.tenant_id = t2.tenant_id AND e2.ticket_id = t2.id
                       WHERE t1.tenant_id = ${a}.tenant_id AND t1.id = ${a}.ticket_id
                         AND e2.id <> ${a}.escalation_id
                         AND e2.created_at > ${a}.ended_at AND e2.created_at <= ${a}.ended_at + interval '30 days'
                         AND coalesce(e2.confirmed_cause, e2.work_order #>> '{diagnosis,likelyCauses,0,code}')
                             = ${a}.confirmed_cause))`;

    await q.query(`
      CREATE FUNCTION partner_scorecards(partners uuid[], p_from timestamptz, p_to timestamptz)
      RETURNS TABLE (
        partner uuid, received int, claimed int, median_claim_minutes float8, scheduled int,
        median_schedule_minutes float8, resolved int, visits int, visits_on_time int,
        first_time_fixes int, cause_checked int, cause_matched int, declined int)
      ${definer} AS $$
        SELECT p.id,
               count(a.id)::int,
               count(a.claimed_at)::int,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM a.claimed_at - a.routed_at) / 60),
               count(a.scheduled_at)::int,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM a.scheduled_at - a.routed_at) / 60),
               count(*) FILTER (WHERE a.outcome = 'resolved')::int,
               count(*) FILTER (WHERE a.outcome = 'resolved' AND a.visit_at IS NOT NULL)::int,
               count(*) FILTER (WHERE a.outcome = 'resolved' AND a.visit_at IS NOT NULL
                                  AND a.ended_at <= coalesce(a.visit_until, a.visit_at + interval '${VISIT_WINDOW_HOURS} hours'))::int,
               count(*) FILTER (WHERE ${firstTimeFix('a')})::int,
               count(*) FILTER (WHERE a.outcome = 'resolved' AND a.diagnosed_cause IS NOT NULL
                                  AND a.confirmed_cause IS NOT NULL)::int,
               count(*) FILTER (WHERE a.outcome = 'resolved' AND a.confirmed_cause = a.diagnosed_cause)::int,
               count(*) FILTER (WHERE a.outcome = 'declined')::int
          FROM unnest(partners) AS p (id)
          LEFT JOIN partner_assignments a
            ON a.partner_tenant_id = p.id AND a.routed_at >= p_from AND a.routed_at < p_to
         WHERE ${visible('p.id')}
         GROUP BY p.id
      $$`);

    await q.query(`
      CREATE FUNCTION partner_routing_scores(partners uuid[])
      RETURNS TABLE (partner uuid, score float8) ${definer} AS $$
        SELECT p.id,
               (count(*) FILTER (WHERE ${firstTimeFix('a')}) + 1)::float8
                 / (count(*) FILTER (WHERE a.outcome IN ('resolved', 'declined')) + 2)
          FROM unnest(partners) AS p (id)
          LEFT JOIN partner_assignments a
            ON a.partner_tenant_id = p.id AND a.ended_at >= now() - interval '90 days'
         WHERE ${visible('p.id')}
         GROUP BY p.id
      $$`);

    for (const f of FUNCTIONS) {
      await q.query(`REVOKE ALL ON FUNCTION ${f} FROM PUBLIC`);
      await q.query(`GRANT EXECUTE ON FUNCTION ${f} TO ${RUNTIME_ROLE}`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const f of FUNCTIONS) await q.query(`DROP FUNCTION ${f}`);
    await q.query(`DROP TRIGGER partner_assignments_track ON escalations`);
    await q.query(`DROP FUNCTION partner_assignments_track()`);
    await q.query(`DROP POLICY owner_scorecards ON ticket_events`);
    await q.query(`DROP TABLE partner_assignments`);
  }
}
