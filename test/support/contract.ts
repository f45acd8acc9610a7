/**
 * The OpenAPI document is the contract: every answer a test app gives is checked against the
 * document built from the same app (status documented for its operation, content type, body
 * against the schema with openapi-response-validator (Ajv), UTC times ending in Z). Violations are
 * collected and fail the test that caused them (an afterEach registered by contract-setup.ts)
 * or, if none ran since, the app's close().
 *
 * Opt-out, only for tests that deliberately send what no client would (raw protocol, poison
 * sweeps): `await unchecked(t, async () => ...)`.
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import responseValidator from 'openapi-response-validator';
import { apiDocument } from '../../src/app.openapi.js';

interface ResponseDoc {
  content?: Record<string, unknown>;
}
export interface Seen {
  method: string;
  url: string;
  status: number;
  contentType: string;
  body: string;
}

// A CommonJS module: its class is the `default` of what ESM imports.
const OpenAPIResponseValidator = responseValidator.default;
type OpenAPIResponseValidator = InstanceType<typeof OpenAPIResponseValidator>;

const live = new Set<ContractCheck>();

/** Violations of every app still open in this file, emptied (for the afterEach). */
export function drainViolations(): string[] {
  return [...live].flatMap((c) => c.drain());
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Strings that are times and do not end in Z, with where they are. */
function nonUtcTimes(value: unknown, at = '$'): string[] {
  if (typeof value === 'string')
    return TIMESTAMP.test(value) && !value.endsWith('Z') ? [`${at}=${value}`] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => nonUtcTimes(v, `${at}[${i}]`));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => nonUtcTimes(v, `${at}.${k}`));
  return [];
}

type Method = 'get' | 'put' | 'post' | 'delete' | 'patch';
interface Operation {
  path: string;
  pattern: RegExp;
  method: Method;
  responses: Record<string, ResponseDoc>;
  validator?: OpenAPIResponseValidator;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FORMATS = {
  uuid: (v: string) => UUID.test(v),
  'date-time': (v: string) => TIMESTAMP.test(v) && !Number.isNaN(Date.parse(v)),
};

export class ContractCheck {
  private document: OpenAPIObject | undefined;
  private operations: Operation[] = [];
  private seen: Seen[] = [];
  private violations: string[] = [];
  paused = 0;

  /** Adds the onSend hook that records every answer (before the app is ready). */
  hook(fastify: FastifyInstance): void {
    fastify.addHook('onSend', async (request, reply, payload) => {
      if (this.paused > 0) return payload;
      const body =
        typeof payload === 'string'
          ? payload
          : Buffer.isBuffer(payload)
            ? payload.toString('utf8')
            : payload == null
              ? ''
              : null; // a stream (static files): not an API answer
      if (body === null) return payload;
      const type = reply.getHeader('content-type');
      this.seen.push({
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        contentType: typeof type === 'string' ? type : '',
        body,
      });
      return payload;
    });
  }

  /** Reads the document of the running app. */
  attach(app: NestFastifyApplication): void {
    live.add(this);
    this.document = apiDocument(app);
    for (const [path, item] of Object.entries(this.document.paths)) {
      for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
        const op = item[method];
        if (!op) continue;
        const pattern = new RegExp(
          '^' + path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+') + '$',
        );
        this.operations.push({
          path,
          pattern,
          method,
          responses: op.responses as Record<string, ResponseDoc>,
        });
      }
    }
    // Literal segments win over parameters (/escalations/claim before /escalations/{id}).
    const params = (o: Operation) => o.path.split('{').length;
    this.operations.sort((a, b) => params(a) - params(b));
  }

  detach(): void {
    live.delete(this);
  }

  drain(): string[] {
    this.check();
    const out = this.violations;
    this.violations = [];
    return out;
  }

  private check(): void {
    for (const s of this.seen.splice(0)) {
      const v = this.verify(s);
      if (v) this.violations.push(`${s.method} ${s.url} -> ${s.status}: ${v}`);
    }
  }

  private validatorOf(op: Operation): OpenAPIResponseValidator {
    op.validator ??= new OpenAPIResponseValidator({
      responses: op.responses as ConstructorParameters<
        typeof OpenAPIResponseValidator
      >[0]['responses'],
      components: this.document?.components as never,
      customFormats: FORMATS,
    });
    return op.validator;
  }

  /** What is wrong with one answer (null: it keeps to the document). */
  verify(s: Seen): string | null {
    const path = s.url.split('?')[0] ?? '';
    if (path === '/docs' || path.startsWith('/docs/') || path === '/docs-json') return null;
    const method = s.method === 'HEAD' ? 'get' : s.method.toLowerCase();
    const op = this.operations.find((o) => o.method === method && o.pattern.test(path));
    if (!op) {
      // Unknown routes and methods answer 404/405 problems; anything else needs an operation.
      if ([404, 405, 414, 431].includes(s.status))
        return s.contentType.startsWith('application/problem+json')
          ? null
          : `not problem+json (${s.contentType})`;
      return 'no operation in the document for this method and path';
    }
    const status = String(s.status);
    const key = [status, `${status[0]}XX`, 'default'].find((k) => op.responses[k]);
    if (!key) return `status ${status} is not documented for ${method} ${op.path}`;
    const content = op.responses[key]!.content;
    // A HEAD answer's payload is computed but never sent; 304 has no body either.
    if (s.body === '' || s.method === 'HEAD' || s.status === 304) {
      return content && s.status !== 304 && s.method !== 'HEAD'
        ? `empty body, but the document promises ${Object.keys(content).join(', ')}`
        : null;
    }
    if (!content) return `a body (${s.contentType}) where the document has none`;
    const mediaType = s.contentType.split(';')[0]!.trim();
    if (!content[mediaType])
      return `content type ${mediaType}, the document has ${Object.keys(content).join(', ')}`;
    if (mediaType !== 'application/json' && mediaType !== 'application/problem+json') return null;
    let body: unknown;
    try {
      body = JSON.parse(s.body);
    } catch {
      return 'a body that is not JSON';
    }
    const times = nonUtcTimes(body);
    if (times.length > 0) return `times not in UTC with Z: ${times.slice(0, 3).join(', ')}`;
    const result = this.validatorOf(op).validateResponse(key, body) as
      { errors: { path?: string; message: string }[] } | undefined;
    if (!result) return null;
    const errors = result.errors
      .slice(0, 5)
      .map((e) => `${e.path ?? ''} ${e.message}`)
      .join('; ');
    return `body does not match ${method} ${op.path}: ${errors} body=${s.body.slice(0, 300)}`;
  }
}

/** Runs `fn` without checking the answers it causes (deliberately malformed traffic). */
export async function unchecked<T>(t: { contract: ContractCheck }, fn: () => Promise<T>) {
  t.contract.paused++;
  try {
    return await fn();
  } finally {
    t.contract.paused--;
  }
}

export function contractFailure(violations: string[]): Error {
  return new Error(
    `${violations.length} answer(s) break the OpenAPI document:\n  ` + violations.join('\n  '),
  );
}
