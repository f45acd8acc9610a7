import { type DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { ResolvedConfig } from '../config/config.provider.js';
import { runtimeDataSourceOptions } from './data-source.js';
import { NotifyListener } from './notify-listener.js';
import { TenantDb } from './tenant-db.service.js';

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(config: ResolvedConfig): DynamicModule {
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
      ],
      providers: [TenantDb, NotifyListener],
      exports: [TenantDb, NotifyListener],
    };
  }
}
