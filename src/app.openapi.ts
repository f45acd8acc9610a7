/**
 * The OpenAPI document and Swagger UI. Run as a script (`node dist/src/app.openapi.js [file]`) it
 * writes the document without a database or a listening server: the app is created in Nest's
 * preview mode (no provider is instantiated, no connection opened), which is all the document
 * needs, since it comes from the routes' decorators. `npm run lint:openapi` lints that file.
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module.js';
import { buildApiDocument, SWAGGER_UI_TITLE } from './common/api-docs.js';
import { loadConfig } from './config/config.js';
import { webhookDocumentation } from './escalation/index.js';

/** Every route is under /v1 but the health checks. */
export const API_PREFIX = { prefix: 'v1', exclude: ['health', 'health/ready'] };

/** The document of an app whose routes are registered (a running app or a preview one). */
export function apiDocument(app: INestApplication): OpenAPIObject {
  return buildApiDocument(app, webhookDocumentation());
}

/** /docs (Swagger UI, also /docs/) and /docs-json. */
export function setupApiDocs(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => apiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    useGlobalPrefix: false,
    customSiteTitle: SWAGGER_UI_TITLE,
    // The token typed into "Authorize" survives a reload (kept in the browser's localStorage).
    swaggerOptions: { persistAuthorization: true },
  });
}

/** The document, built without a database: Nest's preview mode instantiates no provider. */
export async function previewApiDocument(): Promise<OpenAPIObject> {
  const config = {
    ...loadConfig({ NODE_ENV: 'test' }),
    databaseUrl: 'postgres://preview@127.0.0.1:1/preview',
    jwtSecret: 'preview-only-secret-that-signs-nothing-at-all',
  };
  const app = await NestFactory.create(AppModule.forRoot(config), new FastifyAdapter(), {
    preview: true,
    logger: false,
  });
  try {
    app.setGlobalPrefix(API_PREFIX.prefix, { exclude: API_PREFIX.exclude });
    return apiDocument(app);
  } finally {
    await app.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const document = JSON.stringify(await previewApiDocument(), null, 2) + '\n';
  const file = process.argv[2];
  if (file) writeFileSync(file, document);
  else process.stdout.write(document);
}
