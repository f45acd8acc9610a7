/**
 * npm run migration:run | migration:revert | migration:show | migration:generate -- <Name>
 * Uses DATABASE_URL, or starts the embedded PostgreSQL when it is unset.
 */
import 'reflect-metadata';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../config/config.js';
import { ownerDataSource } from './data-source.js';
import { type EmbeddedServer, startEmbeddedPostgres } from './embedded.js';
import { listPendingMigrations, revertLastMigration, runMigrations } from './migrator.js';

const log = (m: string) => process.stdout.write(m + '\n');

/** Writes a migration with the SQL that brings the schema in line with the entities. */
async function generate(url: string, name: string): Promise<void> {
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name))
    throw new Error('Name the migration in PascalCase: migration:generate -- AddThing');
  const ds = ownerDataSource(url);
  await ds.initialize();
  try {
    const sql = await ds.driver.createSchemaBuilder().log();
    // Entities model tables and columns only; indexes, checks, composite keys and RLS live in
    // the SQL migrations. Keep the column/table changes, not the drops of what entities omit.
    const unmodelled = /^(ALTER TABLE "\w+" DROP CONSTRAINT|DROP INDEX)/;
    const pairs = sql.upQueries
      .map((up, i) => ({
        up: up.query,
        down: sql.downQueries[i]?.query,
      }))
      .filter((p) => !unmodelled.test(p.up));
    if (pairs.length === 0) {
      log('The entities match the schema: nothing to generate.');
      return;
    }
    const ts = Date.now();
    const q = (s: string) =>
      '`' + s.replaceAll('\\', '\\\\').replaceAll('`', '\\`').replaceAll('${', '\\${') + '`';
    const body = `import type { MigrationInterface, QueryRunner } from 'typeorm';

// Generated from the entities: review it. A new tenant-owned table needs its
// composite keys and tenantTableSql() (RLS) added by hand.
export class ${name}${ts} implements MigrationInterface {
  name = '${name}${ts}';

  async up(q: QueryRunner): Promise<void> {
${pairs.map((p) => `    await q.query(${q(p.up)});`).join('\n')}
  }

  async down(q: QueryRunner): Promise<void> {
${pairs
  .filter((p) => p.down)
  .reverse()
  .map((p) => `    await q.query(${q(p.down)});`)
  .join('\n')}
  }
}
`;
    const file = join('migrations', `${ts}-${name}.ts`);
    await writeFile(file, body);
    log(`Wrote ${file}; add it to migrations/index.ts.`);
  } finally {
    await ds.destroy();
  }
}

async function main(): Promise<void> {
  const [command, name] = process.argv.slice(2);
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
      case 'generate':
        // Diff against the schema as the existing migrations leave it.
        await runMigrations(url, log);
        await generate(url, name ?? '');
        break;
      default:
        throw new Error('usage: migrate.js run | revert | show | generate <Name>');
    }
  } finally {
    await embedded?.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
