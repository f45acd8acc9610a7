import 'reflect-metadata';
import { dirname, join } from 'node:path';
import { createApp } from './app.factory.js';
import { createLogger } from './common/logger.js';
import { ConfigError, loadConfig } from './config/config.js';
import { devJwtSecret } from './config/secrets.js';
import { type EmbeddedServer, startEmbeddedPostgres } from './database/embedded.js';
import { runMigrations } from './database/migrator.js';
import { PostgresUserCannotReachError } from './database/postgres-user-access.js';
import { UnsafeRuntimeRoleError } from './database/runtime-role.js';
import { redactUrl } from './database/url.js';

function fail(message: string): never {
  process.stderr.write(`\nLockDesk did not start: ${message}\n\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const log = (msg: string) => logger.info(msg);

  let embedded: EmbeddedServer | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    try {
      embedded = await startEmbeddedPostgres({
        dataDir: config.embeddedDataDir,
        port: config.embeddedPort,
        database: 'lockdesk',
        log,
        debug: (m) => logger.debug({ source: 'postgres' }, m),
      });
    } catch (err) {
      if (err instanceof PostgresUserCannotReachError) fail(err.message);
      fail(
        `the embedded PostgreSQL in ${config.embeddedDataDir} could not start (${String(err)}). ` +
          'Is another server using EMBEDDED_PG_PORT? Or set DATABASE_URL to use your own PostgreSQL.',
      );
    }
    databaseUrl = embedded.url;
  }
  const jwtSecret =
    config.jwtSecret ?? (await devJwtSecret(join(dirname(config.embeddedDataDir), 'jwt-secret')));

  let shuttingDown = false;
  const stopDatabase = async () => {
    await embedded
      ?.stop()
      .catch((e: unknown) => logger.error({ err: e }, 'embedded PostgreSQL did not stop'));
  };

  try {
    if (config.runMigrations) await runMigrations(databaseUrl, log);
    else log('MIGRATIONS_RUN=false: not applying migrations');
  } catch (err) {
    await stopDatabase();
    fail(
      `migrations failed on ${redactUrl(databaseUrl)}: ${err instanceof Error ? err.message : String(err)}. ` +
        'Check that the server is reachable and that DATABASE_URL names a superuser or the database owner.',
    );
  }

  let app;
  try {
    app = await createApp({ ...config, databaseUrl, jwtSecret }, logger);
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    await app?.close().catch(() => undefined);
    await stopDatabase();
    if (err instanceof UnsafeRuntimeRoleError) fail(err.message);
    const code = (err as { code?: string }).code;
    if (code === 'EADDRINUSE')
      fail(`port ${config.port} is already in use; set PORT to another one.`);
    fail(err instanceof Error ? err.message : String(err));
  }
  log(
    `LockDesk listening on http://${config.host}:${config.port} (API docs: /docs, OpenAPI: /docs-json)`,
  );

  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log(`${signal} received: shutting down`);
    await app.close().catch((e: unknown) => logger.error({ err: e }, 'error while closing'));
    await stopDatabase();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err: unknown) =>
  fail(err instanceof Error ? (err.stack ?? err.message) : String(err)),
);
