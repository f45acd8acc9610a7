import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.factory.js';
import type { AppOptions } from '../../src/app.module.js';
import { createLogger } from '../../src/common/logger.js';
import { loadConfig } from '../../src/config/config.js';
import type { ResolvedConfig } from '../../src/config/config.provider.js';
import { ContractCheck, contractFailure } from './contract.js';
import { createTestDatabase } from './database.js';

export interface TestApp {
  app: NestFastifyApplication;
  http: TestAgent;
  config: ResolvedConfig;
  dataSource: DataSource;
  databaseUrl: string;
  /** Checks every answer against the OpenAPI document (see contract.ts). */
  contract: ContractCheck;
  close(): Promise<void>;
}

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-signing';

export function testConfig(
  databaseUrl: string,
  overrides: Partial<ResolvedConfig> = {},
): ResolvedConfig {
  return {
    ...loadConfig({ NODE_ENV: 'test' }),
    databaseUrl,
    jwtSecret: TEST_JWT_SECRET,
    databasePoolSize: 20,
    ...overrides,
  };
}

/** The real app (real PostgreSQL, real migrations) on its own database. */
export async function startTestApp(
  overrides: Partial<ResolvedConfig> = {},
  options: AppOptions = {},
): Promise<TestApp> {
  const db = await createTestDatabase();
  const config = testConfig(db.url, overrides);
  const contract = new ContractCheck();
  const app = await createApp(config, createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), {
    ...options,
    beforeReady: (fastify) => {
      contract.hook(fastify);
      options.beforeReady?.(fastify);
    },
  });
  contract.attach(app);
  return {
    app,
    http: request(app.getHttpServer()),
    config,
    dataSource: app.get(DataSource),
    databaseUrl: db.url,
    contract,
    close: async () => {
      const violations = contract.drain();
      contract.detach();
      await app.close();
      await db.drop();
      if (violations.length > 0) throw contractFailure(violations);
    },
  };
}
