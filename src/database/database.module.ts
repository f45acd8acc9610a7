import { type DynamicModule, Global, Module } from '@nestjs/common';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ResolvedConfig } from '../config/config.provider.js';
import { readDataSourceOptions, runtimeDataSourceOptions } from './data-source.js';
import { NotifyListener } from './notify-listener.js';
import { READ_DATA_SOURCE, TenantDb } from './tenant-db.service.js';

/** The name of the read pool's TypeORM connection (present only with DATABASE_READ_URL). */
const READ_CONNECTION = 'read';

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(config: ResolvedConfig): DynamicModule {
    const readUrl = config.databaseReadUrl;
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRoot({
          ...runtimeDataSourceOptions({
            databaseUrl: config.databaseUrl,
            databaseAppUrl: config.databaseAppUrl,
            poolSize: config.databasePoolSize,
            statementTimeoutMs: config.statementTimeoutMs,
          }),
          // Fail fast at start; a database that goes away later answers 503 per request.
          retryAttempts: 0,
        }),
        ...(readUrl
          ? [
              TypeOrmModule.forRoot({
                ...readDataSourceOptions({
                  databaseReadUrl: readUrl,
                  poolSize: config.databasePoolSize,
                  statementTimeoutMs: config.statementTimeoutMs,
                }),
                name: READ_CONNECTION,
                retryAttempts: 0,
              }),
            ]
          : []),
      ],
      providers: [
        TenantDb,
        NotifyListener,
        // The read pool, or the main one when no replica is configured.
        {
          provide: READ_DATA_SOURCE,
          useExisting: readUrl ? getDataSourceToken(READ_CONNECTION) : DataSource,
        },
      ],
      exports: [TenantDb, NotifyListener, READ_DATA_SOURCE],
    };
  }
}
