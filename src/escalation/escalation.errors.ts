import type { ErrorCatalog } from '../common/errors.js';

export const ESCALATION_ERRORS = {
  not_a_partner: { status: 404, title: 'No locksmith or manufacturer tenant has this handle' },
  lease_lost: { status: 409, title: 'Your claim on this escalation has expired or was taken over' },
  escalation_state: { status: 409, title: 'The escalation is not in a state that allows this' },
  escalation_open: { status: 409, title: 'The ticket already has an open escalation' },
  webhook_url_refused: { status: 400, title: 'This webhook URL is not allowed' },
  webhook_exists: {
    status: 409,
    title: 'A webhook with this URL and these events already exists',
  },
  webhook_deleted: { status: 409, title: 'The webhook of this delivery was deleted' },
} as const satisfies ErrorCatalog;
