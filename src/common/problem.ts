import { types } from 'node:util';
import { HttpException } from '@nestjs/common';
import { AppError, type ErrorCode, errorSpec, type FieldError } from './errors.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code: string;
  instance?: string;
  requestId?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export interface RenderedProblem {
  status: number;
  headers: Record<string, string>;
  body: Problem;
  /** True when the cause is ours, not the client's: log it with its stack. */
  internal: boolean;
}

const PROBLEM_BASE = 'https://lockdesk.dev/problems/';

function fromCode(code: ErrorCode, detail?: string): Problem {
  const spec = errorSpec(code);
  return {
    type: PROBLEM_BASE + code.replaceAll('_', '-'),
    title: spec.title,
    status: spec.status,
    code,
    ...(detail ? { detail } : {}),
  };
}

const STATUS_TO_CODE: Record<number, ErrorCode> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  409: 'conflict',
  412: 'precondition_failed',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  428: 'precondition_required',
  429: 'rate_limited',
  431: 'headers_too_large',
  503: 'service_unavailable',
};

/**
 * PostgreSQL/driver conditions that mean "the database cannot serve this right now": not
 * reachable, shutting down, out of connections, or a statement that hit STATEMENT_TIMEOUT_MS or
 * a lock timeout while waiting (57014, 55P03): busy, not broken, so 503 and retry.
 */
const UNAVAILABLE_PG_CODES = new Set([
  '57014',
  '55P03',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
]);
const UNAVAILABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
]);

function isDatabaseUnavailable(err: unknown): boolean {
  // Socket errors (ECONNREFUSED...) are made by Node's core: isNativeError also knows them when
  // they cross a realm (a vm context such as Jest's), where `instanceof Error` is false.
  if (!(err instanceof Error) && !types.isNativeError(err)) return false;
  const e = err as Error & { code?: string; driverError?: { code?: string } };
  const code = e.driverError?.code ?? e.code;
  if (code && (UNAVAILABLE_PG_CODES.has(code) || UNAVAILABLE_NODE_CODES.has(code))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    e.message,
  );
}

/** statement_too_complex, e.g. "tsquery stack too small". */
function isStatementTooComplex(err: unknown): boolean {
  return (err as { driverError?: { code?: string } } | null)?.driverError?.code === '54001';
}

interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message: string;
}

/** Every error the app can meet, turned into one problem+json shape. Never leaks stacks or SQL. */
export function renderProblem(err: unknown, requestId?: string): RenderedProblem {
  let body: Problem;
  let headers: Record<string, string> = {};
  let internal = false;

  if (err instanceof AppError) {
    body = fromCode(err.code, err.detail);
    const { headers: h, ...extra } = err.extra;
    Object.assign(body, extra);
    headers = h ?? {};
  } else if (err instanceof HttpException) {
    const status = err.getStatus();
    const code = STATUS_TO_CODE[status] ?? (status >= 500 ? 'internal' : 'bad_request');
    const response = err.getResponse();
    const message =
      typeof response === 'string'
        ? response
        : typeof (response as { message?: unknown }).message === 'string'
          ? (response as { message: string }).message
          : undefined;
    body = fromCode(code, status < 500 ? message : undefined);
    body.status = status;
    if (status === 503 && typeof response === 'object' && response && 'details' in response) {
      body.checks = response.details;
    }
    internal = status >= 500 && status !== 503;
  } else if (isStatementTooComplex(err)) {
    // A query the client's input made too deep for PostgreSQL (e.g. a search): theirs, not ours.
    body = fromCode('bad_request', 'The request is too complex; simplify it.');
  } else if (isDatabaseUnavailable(err)) {
    body = fromCode('service_unavailable', 'The database is unavailable; retry shortly.');
    headers['retry-after'] = '5';
  } else if (
    err instanceof Error &&
    typeof (err as FastifyLikeError).statusCode === 'number' &&
    (err as FastifyLikeError).statusCode! < 500 &&
    typeof (err as FastifyLikeError).code === 'string' &&
    (err as FastifyLikeError).code!.startsWith('FST_')
  ) {
    // Fastify's own client errors: bad JSON, body too large, unknown content type.
    const fe = err as FastifyLikeError;
    const status = fe.statusCode!;
    body = fromCode(STATUS_TO_CODE[status] ?? 'bad_request', fe.message);
    body.status = status;
  } else {
    body = fromCode('internal', 'An unexpected error occurred.');
    internal = true;
  }
  if (requestId) body.requestId = requestId;
  return { status: body.status, headers, body, internal };
}
