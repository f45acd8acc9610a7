import { applyDecorators, type INestApplication } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  DocumentBuilder,
  type OpenAPIObject,
  SwaggerModule,
} from '@nestjs/swagger';
import type {
  OperationObject,
  PathItemObject,
  ResponseObject,
  SchemaObject,
} from '@nestjs/swagger';
import { ProblemDto } from './problem.dto.js';
import { PROBLEM_CONTENT_TYPE } from './problem.filter.js';

/** 400 with per-field errors: for routes that take a body or query. */
export const ApiValidation = () =>
  ApiBadRequestResponse({
    type: ProblemDto,
    description: 'Invalid or unknown fields (problem+json with `errors`)',
  });

/** 404, also for another tenant's ids. */
export const ApiNotFound = (what: string) =>
  ApiNotFoundResponse({ type: ProblemDto, description: `${what} not found (or not yours)` });

export const ApiBodyAndId = (what: string) => applyDecorators(ApiValidation(), ApiNotFound(what));

export const SWAGGER_UI_TITLE = 'LockDesk API';

/** Extra parts of the document (webhooks, their schemas) that modules contribute. */
export interface DocumentExtras {
  webhooks?: Record<string, PathItemObject>;
  schemas?: Record<string, SchemaObject>;
}

const PROBLEM_REF = { $ref: '#/components/schemas/ProblemDto' };
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/**
 * Answers every operation can give whatever its handler does (checked before or around it), so
 * they are documented here once rather than on each route.
 */
function answersOfEveryRoute(op: OperationObject, method: string, path: string): void {
  // The input guards run before routing for every path, health checks included.
  const add = (status: string, description: string) => {
    op.responses[status] ??= { description };
  };
  add(
    '400',
    'Malformed input: NUL characters or unpaired surrogates in the path, query or body, ' +
      'JSON nested deeper than 32 levels, or invalid fields',
  );
  if (op.requestBody) {
    add('413', 'Body larger than BODY_LIMIT_BYTES');
    add('415', 'Unsupported media type');
  }
  if (method === 'get' && op.responses['200'])
    add('304', 'Not modified: the `If-None-Match` tag still matches (no body)');
  if (path.startsWith('/v1/'))
    add('503', 'The database is unreachable or busy; retry after `Retry-After` seconds');
}

/** Error answers are RFC 9457 problem+json, whatever the decorator wrote. */
function problemContent(responses: Record<string, ResponseObject>): void {
  for (const [status, response] of Object.entries(responses)) {
    if (Number(status) < 400) continue;
    const given =
      response.content?.['application/json'] ?? response.content?.[PROBLEM_CONTENT_TYPE];
    response.content = { [PROBLEM_CONTENT_TYPE]: { schema: given?.schema ?? PROBLEM_REF } };
  }
}

/**
 * The OpenAPI document of `app` (OpenAPI 3.1): what /docs-json serves, what `npm run lint:openapi`
 * lints and what the e2e suite checks every answer against. Needs no database: it reads only the
 * routes' decorators.
 */
export function buildApiDocument(
  app: INestApplication,
  extras: DocumentExtras = {},
): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle(SWAGGER_UI_TITLE)
    .setDescription(
      'Multi-tenant support desk for smart-lock fleets. Errors are RFC 9457 ' +
        `\`${PROBLEM_CONTENT_TYPE}\`; lists take \`limit\` (1-200, default 50) and an opaque ` +
        '`cursor` and answer `{data, nextCursor}`; times are UTC (`2026-11-22T08:15:00.000Z`). ' +
        'Webhook events are listed under `webhooks`.',
    )
    .setVersion('1')
    .setLicense('UNLICENSED (proprietary)', 'https://lockdesk.dev/license')
    .setContact('LockDesk', 'https://lockdesk.dev', 'support@lockdesk.dev')
    .addServer('{origin}', 'Where LockDesk runs', {
      origin: {
        default: 'http://localhost:3000',
        description: 'scheme, host and port (`npm start`: the default)',
      },
    })
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Access token' },
      'bearer',
    )
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'Tenant API key' },
      'apiKey',
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) =>
      `${controller.replace(/Controller$/, '')}_${method}`,
  });
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      // No security requirement means public, said explicitly (there is no global one).
      op.security ??= [];
      answersOfEveryRoute(op, method, path);
      problemContent(op.responses as Record<string, ResponseObject>);
    }
  }
  document.tags = [...new Set(Object.values(document.paths).flatMap(tagsOf))]
    .sort()
    .map((name) => ({ name, description: `${name} operations` }));
  if (extras.webhooks) document.webhooks = extras.webhooks;
  if (extras.schemas)
    document.components = {
      ...document.components,
      schemas: { ...document.components?.schemas, ...extras.schemas },
    };
  return document;
}

function tagsOf(item: PathItemObject): string[] {
  return METHODS.flatMap((m) => item[m]?.tags ?? []);
}
