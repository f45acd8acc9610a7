import type { ErrorCatalog } from '../common/errors.js';

export const TENANCY_ERRORS = {
  email_taken: { status: 409, title: 'This email is already registered' },
  handle_taken: { status: 409, title: 'This handle is already taken' },
  role_not_allowed: { status: 400, title: 'This role does not exist in this kind of tenant' },
  last_admin: { status: 409, title: 'A tenant must keep at least one admin' },
} as const satisfies ErrorCatalog;
