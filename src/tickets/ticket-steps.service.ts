import { Injectable } from '@nestjs/common';
import type { UserActor } from '../auth/index.js';
import { notFound } from '../common/errors.js';
import { uuidv7 } from '../common/ids.js';
import type { TenantTx } from '../database/tenant-db.service.js';
import { DiagnosticsService } from '../diagnostics/index.js';
import type { RecordAnswersDto, RecordStepDto, TicketView } from './dto/tickets.dto.js';
import { TicketChange } from './ticket-change.js';
import { TicketLifecycle } from './ticket-lifecycle.service.js';
import { insertAnswers, insertStep, rediagnosisFacts } from './ticket-steps.repository.js';
import { TicketTimeline } from './ticket-timeline.service.js';
import type { NewDiagnosis, TicketRow } from './tickets.repository.js';

/** Troubleshooting: step outcomes and answers, each answered with the ticket's re-diagnosis. */
@Injectable()
export class TicketStepsService {
  constructor(
    private readonly diagnostics: DiagnosticsService,
    private readonly tickets: TicketChange,
    private readonly timeline: TicketTimeline,
    private readonly lifecycle: TicketLifecycle,
  ) {}

  /** Records an outcome and answers the ticket with its re-diagnosis. */
  recordStep(actor: UserActor, id: string, dto: RecordStepDto): Promise<TicketView> {
    return this.tickets.change(
      actor,
      id,
      async (tx, row, now) => {
        await insertStep(tx, {
          id: uuidv7(),
          ticketId: id,
          step: dto.step,
          outcome: dto.outcome,
          note: dto.note ?? null,
          actorId: actor.userId,
          at: now,
        });
        const next = await this.rediagnose(tx, row, now, `step:${dto.step}:${dto.outcome}`);
        const diagnosis = next.diagnosis;
        await this.timeline.record(tx, actor, row, 'step_recorded', {
          after: {
            step: dto.step,
            outcome: dto.outcome,
            topCause: diagnosis.causes[0]?.code ?? null,
            nextStep: diagnosis.plan[0]?.step ?? null,
          },
        });
        return { diagnosis: next, ...(await this.lifecycle.responded(tx, actor, row, now)) };
      },
      { withSteps: true },
    );
  }

  /** Records answers to the diagnosis's questions and answers the ticket with its re-diagnosis. */
  recordAnswers(actor: UserActor, id: string, dto: RecordAnswersDto): Promise<TicketView> {
    return this.tickets.change(
      actor,
      id,
      async (tx, row, now) => {
        await insertAnswers(tx, {
          ticketId: id,
          actorId: actor.userId,
          at: now,
          answers: dto.answers.map((a) => ({
            id: uuidv7(),
            symptom: a.symptom,
            present: a.present,
          })),
        });
        const said = dto.answers.map((a) => `${a.symptom}:${a.present ? 'yes' : 'no'}`);
        const next = await this.rediagnose(tx, row, now, `answers:${said.join(',')}`);
        const diagnosis = next.diagnosis;
        await this.timeline.record(tx, actor, row, 'answers_recorded', {
          after: {
            answers: dto.answers.map((a) => ({ symptom: a.symptom, present: a.present })),
            topCause: diagnosis.causes[0]?.code ?? null,
            nextStep: diagnosis.plan[0]?.step ?? null,
          },
        });
        return { diagnosis: next, ...(await this.lifecycle.responded(tx, actor, row, now)) };
      },
      { withSteps: true },
    );
  }

  /**
   * Diagnoses the ticket again from its report, every step outcome and the latest answer per
   * symptom; the change appends it to the history and makes it current (updateTicket).
   */
  private async rediagnose(
    tx: TenantTx,
    row: TicketRow,
    now: Date,
    trigger: string,
  ): Promise<NewDiagnosis> {
    const facts = await rediagnosisFacts(tx, { ticketId: row.id, deviceId: row.device_id, now });
    if (!facts.lock) throw notFound('Device');
    const diagnosis = this.diagnostics.diagnoseWithFacts(
      {
        deviceId: row.device_id,
        description: row.description,
        symptoms: row.symptoms,
        stepsTried: facts.steps,
        answers: facts.answers,
      },
      facts.lock,
      facts.learned,
      now,
    );
    return { id: uuidv7(), trigger, diagnosis };
  }
}
