import { Injectable } from '@nestjs/common';
import type { UserActor } from '../auth/index.js';
import { AppError } from '../common/errors.js';
import { uuidv7 } from '../common/ids.js';
import type { Page } from '../common/pagination.js';
import type { CommentView, CreateCommentDto } from './dto/tickets.dto.js';
import { TicketChange } from './ticket-change.js';
import { type CommentRow, insertComment, listComments } from './ticket-comments.repository.js';
import { TicketLifecycle } from './ticket-lifecycle.service.js';
import { TicketTimeline } from './ticket-timeline.service.js';
import { appendSearchText, type TicketChanges } from './tickets.repository.js';
import { isStaff } from './ticket-view.js';

const commentView = (r: CommentRow): CommentView => ({
  id: r.id,
  author: r.author,
  body: r.body,
  internal: r.internal,
  createdAt: r.created_at.toISOString(),
});

/** Comments and internal notes on tickets. */
@Injectable()
export class TicketCommentsService {
  constructor(
    private readonly tickets: TicketChange,
    private readonly timeline: TicketTimeline,
    private readonly lifecycle: TicketLifecycle,
  ) {}

  /**
   * A comment; a public one is searchable, counts as the desk's first response, and brings a
   * pending ticket back to the desk when the reporter's side answers.
   */
  async comment(actor: UserActor, id: string, dto: CreateCommentDto): Promise<CommentView> {
    if (dto.internal && !isStaff(actor)) {
      throw new AppError('forbidden', 'Internal notes are for agents and admins.');
    }
    let view: CommentView | undefined;
    await this.tickets.change(actor, id, async (tx, row, now) => {
      const commentId = uuidv7();
      const internal = dto.internal ?? false;
      view = commentView(
        await insertComment(tx, {
          id: commentId,
          ticketId: id,
          authorId: actor.userId,
          body: dto.body,
          internal,
          at: now,
        }),
      );
      await this.timeline.record(tx, actor, row, 'comment_added', {
        after: { commentId, internal },
        internal,
      });
      const changes: TicketChanges = {};
      if (!internal) {
        await appendSearchText(tx, id, dto.body);
        Object.assign(changes, await this.lifecycle.responded(tx, actor, row, now));
        // The reporter answered a question: the ticket is back with the desk.
        if (!isStaff(actor) && row.status === 'pending')
          Object.assign(changes, await this.lifecycle.transition(tx, null, row, 'open', now));
      }
      return changes;
    });
    return view!;
  }

  comments(
    actor: UserActor,
    id: string,
    q: { limit?: number; cursor?: string },
  ): Promise<Page<CommentView>> {
    return this.tickets.entriesPage(actor, id, q, {
      keyType: 'uuid',
      key: (r) => r.id,
      list: listComments,
      view: commentView,
    });
  }
}
