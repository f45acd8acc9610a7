import { ActorView } from '../common/actor.dto.js';
import { Injectable } from '@nestjs/common';
import type { UserActor } from '../auth/index.js';
import { notFound } from '../common/errors.js';
import type { IdempotencyScope } from '../common/idempotency/idempotency.service.js';
import { uuidv7 } from '../common/ids.js';
import { appendOutbox } from '../common/outbox/outbox.repository.js';
import {
  decodeCursor,
  type Page,
  pageLimit,
  type PageQueryDto,
  toPage,
} from '../common/pagination.js';
import { asTenant, TenantDb, type TenantTx } from '../database/tenant-db.service.js';
import { findUserAnyState, tenantCards } from '../tenancy/index.js';
import { TicketsForEscalation } from '../tickets/index.js';
import type { EscalationMessageView, PostMessageDto } from './dto/escalation-messages.dto.js';
import { escalationMessage } from './escalation-routing.js';
import { stateError } from './escalation-view.js';
import { insertMessage, listMessages, type MessageRow } from './escalation-messages.repository.js';
import { type EscalationRow, findEscalation } from './escalations.repository.js';

/** The statuses in which the two sides may write: the escalation is (or was, resolved) with a partner. */
const TALKING = ['routed', 'claimed', 'scheduled', 'resolved'] as const;

export const MESSAGE_TOPIC = 'escalation.message_created';
export const SYSTEM_AUTHOR = 'LockDesk';

function view(r: MessageRow): EscalationMessageView {
  return {
    id: r.id,
    escalationId: r.escalation_id,
    partnerTenantId: r.partner_tenant_id,
    author: { id: r.author_id, name: r.author_name, kind: r.author_kind },
    body: r.body,
    createdAt: r.created_at.toISOString(),
  };
}

/**
 * The thread of an escalation between the customer's staff and the partner it is with. Both read
 * and write it at `/v1/escalations/:id/messages`; each side's new message goes to the other side's
 * webhooks (`escalation.message_created`), and a partner's message also lands on the ticket's
 * timeline (`escalation_message`). Row-level security decides what each side sees.
 */
@Injectable()
export class EscalationMessagesService {
  constructor(
    private readonly db: TenantDb,
    private readonly tickets: TicketsForEscalation,
  ) {}

  list(actor: UserActor, id: string, q: PageQueryDto): Promise<Page<EscalationMessageView>> {
    const limit = pageLimit(q);
    const after = q.cursor ? (decodeCursor(q.cursor, ['uuid'])[0] as string) : null;
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      await this.visible(tx, id);
      const rows = await listMessages(tx, id, { after, limit: limit + 1 });
      return toPage(rows, limit, (r) => [r.id], view);
    });
  }

  post(
    actor: UserActor,
    id: string,
    dto: PostMessageDto,
    idem?: IdempotencyScope,
  ): Promise<EscalationMessageView> {
    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      const e = await this.visible(tx, id);
      const partner = e.partner_tenant_id;
      if (partner === null || !(TALKING as readonly string[]).includes(e.status)) {
        throw stateError(
          e,
          `The escalation is ${e.status}: messages go to the partner it is with (routed, claimed, scheduled or resolved).`,
        );
      }
      const fromCustomer = e.tenant_id === tx.tenantId;
      const author = fromCustomer
        ? await this.personOf(tx, actor.userId)
        : await this.companyOf(tx);
      const row = await insertMessage(tx, {
        customerTenantId: e.tenant_id,
        id: uuidv7(),
        escalationId: id,
        partnerTenantId: partner,
        authorKind: author.kind,
        authorId: author.id,
        authorUserId: actor.userId,
        authorName: author.name,
        body: dto.body,
      });
      const out = view(row);
      const news = escalationMessage(MESSAGE_TOPIC, id, {
        messageId: out.id,
        ticketId: e.ticket_id,
        author: out.author,
        body: out.body,
      });
      // The other side's webhooks; a partner's message is also news on the customer's ticket.
      await asTenant(tx, fromCustomer ? partner : e.tenant_id, async (other) => {
        await appendOutbox(other, [news]);
        if (!fromCustomer) {
          await this.tickets.recordEscalationEvent(
            other,
            actor,
            e.ticket_id,
            'escalation_message',
            { escalationId: id, messageId: out.id, author: out.author, body: out.body },
          );
        }
      });
      await idem?.complete(tx, out);
      return out;
    });
  }

  /**
   * A message from LockDesk itself in the thread (a visit was booked), written in the caller's
   * transaction by either side; no webhook of its own (the change that wrote it has one).
   */
  async systemMessage(tx: TenantTx, e: EscalationRow, body: string): Promise<void> {
    if (e.partner_tenant_id === null) return;
    await insertMessage(tx, {
      customerTenantId: e.tenant_id,
      id: uuidv7(),
      escalationId: e.id,
      partnerTenantId: e.partner_tenant_id,
      authorKind: 'system',
      authorId: null,
      authorUserId: null,
      authorName: SYSTEM_AUTHOR,
      body,
    });
  }

  /** The escalation as the caller sees it (row-level security: its customer, or the linked partner it is with). */
  private async visible(tx: TenantTx, id: string): Promise<EscalationRow> {
    const e = await findEscalation(tx, id);
    if (!e || (e.tenant_id !== tx.tenantId && e.partner_tenant_id !== tx.tenantId)) {
      throw notFound('Escalation');
    }
    return e;
  }

  /** A customer's person, by name. */
  private async personOf(tx: TenantTx, userId: string): Promise<ActorView> {
    const user = await findUserAnyState(tx, userId);
    return { id: userId, name: user?.name ?? 'Former member', kind: 'user' };
  }

  /** A partner writes as its company: the customer sees the company, not the partner's people. */
  private async companyOf(tx: TenantTx): Promise<ActorView> {
    const [card] = await tenantCards(tx, [tx.tenantId]);
    return { id: tx.tenantId, name: card?.name ?? 'Partner', kind: 'partner' };
  }
}
