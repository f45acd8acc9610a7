import type { LoggerService } from '@nestjs/common';
import { pino, type DestinationStream, type Logger as Pino } from 'pino';

/** Never log credentials, wherever they appear. */
const REDACT = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  '*.password',
  '*.passwordHash',
  '*.refreshToken',
  '*.accessToken',
  '*.key',
];

const SQLSTATE = /^[0-9A-Z]{5}$/;
/** What a database error may say about itself: names and codes, never values. */
const DATABASE_ERROR_FIELDS = [
  'code',
  'severity',
  'schema',
  'table',
  'column',
  'dataType',
  'constraint',
  'routine',
] as const;

type DatabaseErrorLike = Error & Record<string, unknown>;

function isDatabaseError(err: Error): err is DatabaseErrorLike {
  const e = err as DatabaseErrorLike;
  return (
    e.driverError !== undefined ||
    'parameters' in e ||
    (typeof e.code === 'string' && SQLSTATE.test(e.code) && typeof e.severity === 'string')
  );
}

/**
 * PostgreSQL quotes the offending value in some messages (`invalid input
 * syntax for type integer: "…"`): quoted text goes, unless it is one of the
 * names the error carries (a constraint, table or column).
 */
function withoutQuotedValues(text: string, names: Set<string>): string {
  return text.replace(/"((?:[^"]|"")*)"/g, (quoted, inner: string) =>
    names.has(inner) ? quoted : '"?"',
  );
}

/** The statement's shape: its text with literals removed, whitespace collapsed, shortened. */
function statementShape(query: unknown): string | undefined {
  if (typeof query !== 'string') return undefined;
  const shape = query
    .replace(/'(?:[^']|'')*'/g, "'?'")
    .replace(/\s+/g, ' ')
    .trim();
  return shape.length > 300 ? `${shape.slice(0, 300)}…` : shape;
}

/**
 * The `err` serializer. A failed query carries its parameters (password and
 * API-key hashes, webhook secrets), the driver's `detail` (`Key (email)=(…)`)
 * and sometimes the value inside its message: a database error is logged as
 * its code, the names PostgreSQL gives (constraint, table, column) and the
 * statement's shape only. Other errors keep pino's standard form; their
 * causes go through this serializer too.
 */
export function serializeError(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error)) return err;
  if (isDatabaseError(err)) {
    const driver = (err.driverError ?? err) as Record<string, unknown>;
    const out: Record<string, unknown> = { type: err.constructor.name };
    for (const field of DATABASE_ERROR_FIELDS) {
      const value = driver[field] ?? err[field];
      if (typeof value === 'string') out[field] = value;
    }
    const names = new Set(Object.values(out).filter((v) => v !== out.type) as string[]);
    const message = withoutQuotedValues(err.message, names);
    out.message = message;
    const statement = statementShape(err.query);
    if (statement) out.statement = statement;
    if (err.stack)
      out.stack = [
        `${err.name}: ${message}`,
        ...err.stack.split('\n').filter((l) => /^\s+at /.test(l)),
      ].join('\n');
    return out;
  }
  const { cause } = err as { cause?: unknown };
  if (cause === undefined || depth > 3) return pino.stdSerializers.err(err);
  // pino's serializer would fold the cause's message into ours, unfiltered.
  const plain = Object.assign(new Error(err.message), err, { cause: undefined, stack: err.stack });
  plain.name = err.name;
  return { ...pino.stdSerializers.err(plain), cause: serializeError(cause, depth + 1) };
}

export function createLogger(level: string, destination?: DestinationStream): Pino {
  const options = {
    level,
    base: { service: 'lockdesk' },
    redact: { paths: REDACT, censor: '[redacted]' },
    serializers: { err: serializeError, error: serializeError },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}

/** Nest's own logs (bootstrap, routes) through the same structured JSON logger. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly pino: Pino) {}

  private write(
    level: 'info' | 'error' | 'warn' | 'debug' | 'trace',
    message: unknown,
    params: unknown[],
  ): void {
    const context =
      params.length > 0 && typeof params[params.length - 1] === 'string'
        ? params.at(-1)
        : undefined;
    if (message !== null && typeof message === 'object') {
      const text = typeof params[0] === 'string' && params.length > 1 ? params[0] : undefined;
      this.pino[level]({ context, ...message }, text);
    } else {
      this.pino[level]({ context }, String(message));
    }
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
}
