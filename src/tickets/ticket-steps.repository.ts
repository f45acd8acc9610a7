/** Troubleshooting on a ticket: step outcomes, answers to the diagnosis's questions, the diagnosis history. */
import type { TenantTx } from '../database/tenant-db.service.js';
import { type RowOf, table } from '../database/table.js';
import type { ActorView } from '../common/actor.dto.js';
import { userActorSql } from '../tenancy/index.js';
import {
  type LockDiagnosisFactsRow,
  lockDiagnosisFactsSql,
  lockFactsOf,
} from '../devices/index.js';
import { type DiagnosisResponseDto, learnedCountsSql } from '../diagnostics/index.js';
import type { CauseCode, StepCode, StepOutcome, SymptomCode } from '../diagnostics/index.js';

export const TICKET_STEPS = table('ticket_steps', {
  tenant_id: 'uuid',
  id: 'uuid',
  ticket_id: 'uuid',
  step: 'text',
  outcome: 'text',
  note: 'text?',
  actor_id: 'uuid',
  created_at: 'timestamptz',
});

export const TICKET_ANSWERS = table('ticket_answers', {
  tenant_id: 'uuid',
  id: 'uuid',
  ticket_id: 'uuid',
  symptom: 'text',
  present: 'bool',
  actor_id: 'uuid',
  created_at: 'timestamptz',
});

export const TICKET_DIAGNOSES = table('ticket_diagnoses', {
  tenant_id: 'uuid',
  id: 'uuid',
  ticket_id: 'uuid',
  trigger: 'text',
  diagnosis: 'jsonb',
  created_at: 'timestamptz',
});

/** A step outcome as answered: who performed it, named. */
export type StepRow = Omit<
  Pick<RowOf<typeof TICKET_STEPS>, 'step' | 'outcome' | 'note' | 'created_at'>,
  'step' | 'outcome'
> & { step: StepCode; outcome: StepOutcome; by: ActorView };

const PERFORMER = userActorSql('a', 's.actor_id');

export async function insertStep(
  tx: TenantTx,
  s: {
    id: string;
    ticketId: string;
    step: string;
    outcome: string;
    note: string | null;
    actorId: string;
    at: Date;
  },
): Promise<void> {
  await tx.em.query(
    `INSERT INTO ticket_steps (tenant_id, id, ticket_id, step, outcome, note, actor_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [tx.tenantId, s.id, s.ticketId, s.step, s.outcome, s.note, s.actorId, s.at],
  );
}

/** A ticket's step outcomes, oldest first, each performer named (same statement). */
export function stepsOf(tx: TenantTx, ticketId: string): Promise<StepRow[]> {
  return tx.em.query<StepRow[]>(
    `SELECT s.step, s.outcome, s.note, ${PERFORMER.json} AS by, s.created_at
       FROM ticket_steps s ${PERFORMER.joins} WHERE s.ticket_id = $1 ORDER BY s.id`,
    [ticketId],
  );
}

/** Answers, one statement for the batch. */
export async function insertAnswers(
  tx: TenantTx,
  a: {
    ticketId: string;
    actorId: string;
    at: Date;
    answers: readonly { id: string; symptom: string; present: boolean }[];
  },
): Promise<void> {
  await tx.em.query(
    `INSERT INTO ticket_answers (tenant_id, id, ticket_id, symptom, present, actor_id, created_at)
     SELECT $1, a.id, $2, a.symptom, a.present, $3, $4
       FROM unnest($5::uuid[], $6::text[], $7::boolean[]) AS a(id, symptom, present)`,
    [
      tx.tenantId,
      a.ticketId,
      a.actorId,
      a.at,
      a.answers.map((x) => x.id),
      a.answers.map((x) => x.symptom),
      a.answers.map((x) => x.present),
    ],
  );
}

/** The diagnosis history, oldest first. */
export function diagnosesOf(
  tx: TenantTx,
  ticketId: string,
): Promise<{ trigger: string; diagnosis: DiagnosisResponseDto; created_at: Date }[]> {
  return tx.em.query<{ trigger: string; diagnosis: DiagnosisResponseDto; created_at: Date }[]>(
    `SELECT trigger, diagnosis, created_at FROM ticket_diagnoses WHERE ticket_id = $1 ORDER BY id`,
    [ticketId],
  );
}

/** What a ticket's re-diagnosis reads (rediagnosisFacts). */
export interface RediagnosisFacts {
  /** null when the tenant no longer has the lock */
  lock: LockDiagnosisFactsRow | null;
  learned: Partial<Record<CauseCode, number>>;
  /** every step outcome, oldest first */
  steps: { step: StepCode; outcome: StepOutcome }[];
  /** the latest answer per symptom */
  answers: { symptom: SymptomCode; present: boolean }[];
}

/**
 * Everything a ticket's re-diagnosis reads, one statement: its step outcomes, the latest answer
 * per symptom, the lock's facts (devices' lockDiagnosisFactsSql) and the learned priors.
 */
export async function rediagnosisFacts(
  tx: TenantTx,
  q: { ticketId: string; deviceId: string; now: Date },
): Promise<RediagnosisFacts> {
  const [row] = await tx.em.query<
    [
      Omit<RediagnosisFacts, 'lock'> &
        Partial<LockDiagnosisFactsRow> & { property_id: string | null },
    ]
  >(
    `SELECT f.property_id, f.model_id, f.health, f.model, f.readings,
            ${learnedCountsSql('f.model_id')} AS learned,
            (SELECT coalesce(json_agg(json_build_object('step', s.step, 'outcome', s.outcome) ORDER BY s.id), '[]'::json)
               FROM ticket_steps s WHERE s.ticket_id = $3) AS steps,
            (SELECT coalesce(json_agg(json_build_object('symptom', a.symptom, 'present', a.present) ORDER BY a.symptom), '[]'::json)
               FROM (SELECT DISTINCT ON (symptom) symptom, present FROM ticket_answers
                      WHERE ticket_id = $3 ORDER BY symptom, id DESC) a) AS answers
       FROM (SELECT 1) one
       LEFT JOIN LATERAL (${lockDiagnosisFactsSql('$1::uuid', '$2::timestamptz')}) f ON true`,
    [q.deviceId, q.now, q.ticketId],
  );
  return {
    lock: lockFactsOf(row),
    learned: row.learned,
    steps: row.steps,
    answers: row.answers,
  };
}
