import { DataSource, type DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';
import { RUNTIME_ROLE } from './roles.js';

export interface RuntimeDatabaseOptions {
  /** Owner/superuser URL; connections take the runtime role with SET ROLE at startup. */
  databaseUrl: string;
  /** A separate login already restricted (member of lockdesk_app); used as it is. */
  databaseAppUrl?: string;
  poolSize: number;
  statementTimeoutMs: number;
}

/** The migrator's connection: the operator's own role, which owns the schema. */
export function ownerDataSourceOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    // No entities: SQL lives in the repositories (typed by table(), checked against the schema).
    entities: [],
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: { max: 2, connectionTimeoutMillis: 10_000, application_name: 'lockdesk-migrator' },
  };
}

/**
 * Request handling's pool. Every connection starts as the restricted runtime
 * role (a startup option, so no connection can ever serve a request as the
 * owner), with a statement timeout.
 */
export function runtimeDataSourceOptions(o: RuntimeDatabaseOptions): DataSourceOptions {
  const startup = [`-c statement_timeout=${o.statementTimeoutMs}`];
  if (!o.databaseAppUrl) startup.unshift(`-c role=${RUNTIME_ROLE}`);
  return requestPool(o.databaseAppUrl ?? o.databaseUrl, o.poolSize, startup, 'lockdesk');
}

/**
 * The read pool on DATABASE_READ_URL (a replica). Its connections start as the restricted
 * runtime role whatever login the URL names (an owner or a member of the role may SET ROLE to
 * it), so row-level security applies as on the main pool, and read-only, so a write sent to it
 * by mistake fails at once even when the URL names a primary.
 */
export function readDataSourceOptions(o: {
  databaseReadUrl: string;
  poolSize: number;
  statementTimeoutMs: number;
}): DataSourceOptions {
  return requestPool(
    o.databaseReadUrl,
    o.poolSize,
    [
      `-c role=${RUNTIME_ROLE}`,
      `-c statement_timeout=${o.statementTimeoutMs}`,
      '-c default_transaction_read_only=on',
    ],
    'lockdesk-read',
  );
}

/** A pool that serves requests: no entities or migrations, its connections' startup options. */
function requestPool(
  url: string,
  max: number,
  startup: string[],
  applicationName: string,
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: [],
    migrations: [],
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: {
      max,
      options: startup.join(' '),
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      application_name: applicationName,
    },
  };
}

export function ownerDataSource(url: string): DataSource {
  return new DataSource(ownerDataSourceOptions(url));
}
