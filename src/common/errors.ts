import { AUTH_ERRORS } from '../auth/auth.errors.js';
import { DEVICES_ERRORS } from '../devices/devices.errors.js';
import { ESCALATION_ERRORS } from '../escalation/escalation.errors.js';
import { TENANCY_ERRORS } from '../tenancy/tenancy.errors.js';
import { TICKETS_ERRORS } from '../tickets/tickets.errors.js';

/** What one error code turns into on the wire. */
export interface ErrorSpec {
  status: number;
  title: string;
}
export type ErrorCatalog = Record<string, ErrorSpec>;

export const COMMON_ERRORS = {
  validation_failed: { status: 400, title: 'The request is not valid' },
  bad_request: { status: 400, title: 'Bad request' },
  unauthenticated: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Not allowed' },
  not_found: { status: 404, title: 'Not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  request_timeout: { status: 408, title: 'The request took too long to arrive' },
  conflict: { status: 409, title: 'Conflict' },
  idempotency_in_progress: {
    status: 409,
    title: 'A request with this Idempotency-Key is still being processed',
  },
  precondition_failed: { status: 412, title: 'The resource has changed' },
  payload_too_large: { status: 413, title: 'The request body is too large' },
  uri_too_long: { status: 414, title: 'The request URI is too long' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  idempotency_key_reused: {
    status: 422,
    title: 'This Idempotency-Key was used with a different request',
  },
  precondition_required: { status: 428, title: 'If-Match is required' },
  rate_limited: { status: 429, title: 'Too many requests' },
  headers_too_large: { status: 431, title: 'The request headers are too large' },
  internal: { status: 500, title: 'Internal server error' },
  service_unavailable: { status: 503, title: 'Service temporarily unavailable' },
} as const satisfies ErrorCatalog;

/** One map for every module's codes; a code can only be thrown if it is here. */
export const ERRORS = {
  ...COMMON_ERRORS,
  ...AUTH_ERRORS,
  ...TENANCY_ERRORS,
  ...DEVICES_ERRORS,
  ...TICKETS_ERRORS,
  ...ESCALATION_ERRORS,
} as const satisfies ErrorCatalog;

export type ErrorCode = keyof typeof ERRORS;

export interface FieldError {
  field: string;
  message: string;
}

/**
 * The only error business code throws. The problem filter turns it into
 * RFC 9457 problem+json using ERRORS; business code never picks HTTP statuses.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail?: string,
    readonly extra: { errors?: FieldError[]; headers?: Record<string, string> } & Record<
      string,
      unknown
    > = {},
  ) {
    super(detail ?? ERRORS[code].title);
    this.name = 'AppError';
  }

  get status(): number {
    return ERRORS[this.code].status;
  }
}

/** 404 with one body whether the row is missing or belongs to another tenant. */
export function notFound(what: string): AppError {
  return new AppError('not_found', `${what} not found`);
}

export function assertUnreachable(value: never): never {
  throw new Error(`Unreachable: ${String(value)}`);
}
