import type { MigrationInterface, QueryRunner } from 'typeorm';
import { SYMPTOM_CODES_1764000700000, tenantTableSql } from './support.js';

/**
 * Answers to a diagnosis's questions, recorded on a ticket ("does the keypad light up?": no).
 * Like step outcomes they are history: insert-only for the runtime role, and the ticket's
 * re-diagnosis reads the latest answer per symptom.
 */
export class TicketAnswers1764000700000 implements MigrationInterface {
  name = 'TicketAnswers1764000700000';

  async up(q: QueryRunner): Promise<void> {
    const codes = SYMPTOM_CODES_1764000700000.map((c) => `'${c}'`).join(', ');
    await q.query(`
      CREATE TABLE ticket_answers (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL,
        ticket_id uuid NOT NULL,
        symptom text NOT NULL CHECK (symptom IN (${codes})),
        present boolean NOT NULL,
        actor_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id),
        FOREIGN KEY (tenant_id, actor_id) REFERENCES users (tenant_id, id)
      )`);
    await q.query(
      `CREATE INDEX ticket_answers_ticket_idx ON ticket_answers (tenant_id, ticket_id, id)`,
    );
    for (const sql of tenantTableSql('ticket_answers', 'SELECT, INSERT')) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ticket_answers`);
  }
}
