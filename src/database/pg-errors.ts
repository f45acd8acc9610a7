import { QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';

/** The PostgreSQL error behind a TypeORM QueryFailedError, if there is one. */
function pgError(err: unknown): { code?: string; constraint?: string } | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as {
    driverError?: { code?: string; constraint?: string };
    code?: string;
    constraint?: string;
  };
  return e.driverError ?? e;
}

export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = pgError(err);
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}

export function isForeignKeyViolation(err: unknown): boolean {
  return pgError(err)?.code === '23503';
}

/** serialization_failure and deadlock_detected: the transaction may simply be run again. */
export function isRetryableTransactionError(err: unknown): boolean {
  const code = pgError(err)?.code;
  return code === '40001' || code === '40P01';
}

/**
 * TypeORM releases a transaction's query runner as soon as its connection
 * emits an error (PostgreSQL restarted or the socket dropped); the
 * transaction's next statement or its COMMIT then throws one of these instead
 * of a driver error. Either way the database went away mid-transaction.
 */
export function isLostConnectionError(err: unknown): boolean {
  return (
    err instanceof QueryRunnerAlreadyReleasedError ||
    err instanceof QueryRunnerProviderAlreadyReleasedError
  );
}
