import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.factory.js';
import type { AppOptions } from '../../src/app.module.js';
import { createLogger } from '../../src/common/logger.js';
import { loadConfig } from '../../src/config/config.js';
import type { ResolvedConfig } from '../../src/config/config.provider.js';
import { createTestDatabase } from './database.js';

export interface TestApp {
  app: NestFastifyApplication;
  http: TestAgent;
  config: ResolvedConfig;
  dataSource: DataSource;
  databaseUrl: string;
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
  const app = await createApp(
    config,
    createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    options,
  );
  return {
    app,
    http: request(app.getHttpServer()),
    config,
    dataSource: app.get(DataSource),
    databaseUrl: db.url,
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}
