import type { ErrorCatalog } from '../common/errors.js';

export const TICKETS_ERRORS = {
  illegal_transition: { status: 409, title: 'This status change is not allowed' },
  ticket_closed: { status: 409, title: 'The ticket is closed' },
  ticket_not_solved: { status: 409, title: 'The ticket is not solved' },
  already_rated: { status: 409, title: 'The ticket is already rated' },
  assignee_not_agent: {
    status: 400,
    title: 'Tickets are assigned to agents or admins of your tenant',
  },
  several_locks_in_unit: {
    status: 409,
    title: 'Several locks match this property and unit',
  },
  no_lock_in_unit: { status: 422, title: 'No active lock in this unit' },
} as const satisfies ErrorCatalog;
