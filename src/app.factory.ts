import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger as Pino } from 'pino';
import { DataSource } from 'typeorm';
import { API_PREFIX, setupApiDocs } from './app.openapi.js';
import { AppModule, type AppOptions } from './app.module.js';
import { fastifyTrustProxy, registerRateLimits } from './auth/rate-limits.js';
import { installConditionalGet } from './common/etag.js';
import { installInputGuards } from './common/input-guard.js';
import { createLogger, PinoNestLogger } from './common/logger.js';
import { configureCursorSecret } from './common/pagination.js';
import { ProblemFilter, problemClientErrorHandler, sendProblem } from './common/problem.filter.js';
import { registerSecurityHeaders } from './common/security-headers.js';
import { createValidationPipe } from './common/validation.js';
import type { ResolvedConfig } from './config/config.provider.js';
import { assertRuntimeRoleIsRestricted } from './database/runtime-role.js';
import { READ_DATA_SOURCE } from './database/tenant-db.service.js';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The whole HTTP application, ready to listen: used by main.ts, the tests and the benchmarks. */
export async function createApp(
  config: ResolvedConfig,
  logger: Pino = createLogger(config.logLevel),
  options: AppOptions = {},
) {
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    bodyLimit: config.bodyLimitBytes,
    requestIdHeader: false,
    trustProxy: fastifyTrustProxy(config.trustProxy),
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // Router and HTTP-parser errors (over-long path parameters, huge headers) as problem+json too.
    frameworkErrors: (err: Error, request: FastifyRequest, reply: FastifyReply) =>
      sendProblem(err, request, reply, new Logger('HTTP')),
    clientErrorHandler: problemClientErrorHandler,
  });
  const nestLogger = new PinoNestLogger(logger);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, options),
    adapter,
    {
      logger: nestLogger,
      abortOnError: false,
    },
  );

  const fastify = app.getHttpAdapter().getInstance();
  // A JSON API: other media types are 415, not strings that fail validation.
  fastify.removeContentTypeParser('text/plain');
  // CSV bodies (device import) arrive as strings; the route parses them.
  fastify.addContentTypeParser(
    ['text/csv', 'application/csv'],
    { parseAs: 'string' },
    (_req, body, done) => done(null, body),
  );
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  await registerSecurityHeaders(fastify, config);
  // ETag on every GET answer, 304 for a matching If-None-Match.
  installConditionalGet(fastify);

  // Rate limits (shared PostgreSQL store), applied by the auth guard.
  await registerRateLimits(app);

  installInputGuards(app, config.bodyLimitBytes);
  configureCursorSecret(config.jwtSecret);

  app.setGlobalPrefix(API_PREFIX.prefix, { exclude: API_PREFIX.exclude });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemFilter());

  // The OpenAPI document (/docs-json) and Swagger UI (/docs).
  setupApiDocs(app);
  // Tests add their hooks here (the response contract check); Fastify takes none once ready.
  options.beforeReady?.(fastify);

  try {
    await app.init();
    await fastify.ready();
    await assertRuntimeRoleIsRestricted(app.get(DataSource));
    const readDs = app.get<DataSource>(READ_DATA_SOURCE);
    if (readDs !== app.get(DataSource)) await assertRuntimeRoleIsRestricted(readDs);
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
  return app;
}
