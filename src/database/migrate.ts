/**
 * npm run migration:run | migration:revert | migration:show
 * (No migration:generate: there are no entities to diff; a migration is written by hand, in SQL.)
 * Uses DATABASE_URL, or starts the embedded PostgreSQL when it is unset.
 */
import 'reflect-metadata';
import { loadConfig } from '../config/config.js';
import { type EmbeddedServer, startEmbeddedPostgres } from './embedded.js';
import { listPendingMigrations, revertLastMigration, runMigrations } from './migrator.js';

const log = (m: string) => process.stdout.write(m + '\n');

async function main(): Promise<void> {
  const [command] = process.argv.slice(2);
  const config = loadConfig();
  let embedded: EmbeddedServer | undefined;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres({
      dataDir: config.embeddedDataDir,
      port: config.embeddedPort,
      database: 'lockdesk',
      log,
    });
    url = embedded.url;
  }
  try {
    switch (command) {
      case 'run':
        await runMigrations(url, log);
        break;
      case 'revert':
        await revertLastMigration(url, log);
        break;
      case 'show': {
        const pending = await listPendingMigrations(url);
        log(pending.length ? `Pending: ${pending.join(', ')}` : 'No pending migrations.');
        break;
      }
      case undefined:
      default:
        throw new Error('usage: migrate.js run | revert | show');
    }
  } finally {
    await embedded?.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
