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

/**
 * The codes of the modules. common imports no module, so each module's catalog
 * (src/<m>/<m>.errors.ts) is merged in at the app root, src/app.errors.ts: its type by
 * declaration merging into this interface, its values by registerErrors() when the app loads.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ModuleErrorCodes {}

/** Every code a business error may carry: common's and every module's. */
export type ErrorCode = Extract<keyof typeof COMMON_ERRORS | keyof ModuleErrorCodes, string>;

const REGISTERED = new Map<string, ErrorSpec>(Object.entries(COMMON_ERRORS));

/** Adds codes to the catalog (the app root does, once per module); a code is defined once. */
export function registerErrors(catalog: ErrorCatalog): void {
  for (const [code, spec] of Object.entries(catalog)) {
    const known = REGISTERED.get(code);
    if (known && (known.status !== spec.status || known.title !== spec.title)) {
      throw new Error(`Error code ${code} is defined twice with different meanings`);
    }
    REGISTERED.set(code, spec);
  }
}

/** What a code turns into on the wire. A code nobody registered is a wiring bug, said loudly. */
export function errorSpec(code: ErrorCode): ErrorSpec {
  const spec = REGISTERED.get(code);
  if (!spec) {
    throw new Error(
      `Error code ${code} is not registered: src/app.errors.ts registers the catalogs`,
    );
  }
  return spec;
}

/** Every registered code, for tests and docs. */
export function registeredErrors(): ReadonlyMap<string, ErrorSpec> {
  return REGISTERED;
}

export interface FieldError {
  field: string;
  message: string;
}

/**
 * The only error business code throws. The problem filter turns it into
 * RFC 9457 problem+json using the registered catalog; business code never picks HTTP statuses.
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
    super(detail ?? errorSpec(code).title);
    this.name = 'AppError';
  }

  get status(): number {
    return errorSpec(this.code).status;
  }
}

/** 404 with one body whether the row is missing or belongs to another tenant. */
export function notFound(what: string): AppError {
  return new AppError('not_found', `${what} not found`);
}

export function assertUnreachable(value: never): never {
  throw new Error(`Unreachable: ${String(value)}`);
}
