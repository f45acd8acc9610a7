import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppError } from './errors.js';

/** Deeper JSON than this is refused before anything walks or transforms it. */
export const MAX_JSON_DEPTH = 32;

/** NUL (PostgreSQL refuses it in text and jsonb) or a UTF-16 surrogate without its pair. */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this looks for
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isStorableText(s: string): boolean {
  return !UNSTORABLE.test(s);
}

function invalid(field: string, message: string): AppError {
  return new AppError('validation_failed', 'One or more fields are invalid.', {
    errors: [{ field, message }],
  });
}

const join = (path: string, key: string | number): string =>
  typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;

/** The path of the first value nested deeper than `max` levels; undefined when none is. */
export function tooDeep(
  value: unknown,
  max = MAX_JSON_DEPTH,
  path = '',
  depth = 0,
): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (depth >= max) return path || 'body';
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value);
  for (const [k, v] of entries) {
    const found = tooDeep(v, max, join(path, k), depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The path of the first string (value or key) PostgreSQL could not store;
 * undefined when there is none. JSON bodies are at most MAX_JSON_DEPTH deep
 * by now, query strings and path parameters are shallow.
 */
export function findUnstorable(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return isStorableText(value) ? undefined : path || 'body';
  if (value === null || typeof value !== 'object') return undefined;
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value);
  for (const [k, v] of entries) {
    if (typeof k === 'string' && !isStorableText(k)) return path || 'body';
    const found = findUnstorable(v, join(path, k));
    if (found !== undefined) return found;
  }
  return undefined;
}

/** For a text body (CSV): the line that holds the first unstorable character. */
function unstorableLine(text: string): number | undefined {
  const m = UNSTORABLE.exec(text);
  return m ? text.slice(0, m.index).split('\n').length : undefined;
}

/**
 * Input checks that hold for every route, before validation or any
 * transformation: JSON nesting depth (in the JSON parser itself), and no NUL
 * or lone surrogate anywhere in the body, query string or path parameters.
 * Done once here rather than per DTO field, so that a field nobody thought
 * of is covered too. Must be called before app.init().
 */
export function installInputGuards(app: NestFastifyApplication, bodyLimit: number): void {
  const fastify = app.getHttpAdapter().getInstance();
  const defaultJson = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser('application/json', { bodyLimit }, (req, body, done) => {
    const check = (err: Error | null, parsed?: unknown) => {
      if (err) return done(err, undefined);
      const deep = tooDeep(parsed);
      if (deep === undefined) return done(null, parsed);
      done(invalid(deep, `the body is nested deeper than ${MAX_JSON_DEPTH} levels`), undefined);
    };
    (defaultJson as (r: unknown, b: string, d: typeof check) => void)(
      req,
      body.toString('utf8'),
      check,
    );
  });

  fastify.addHook('preValidation', (request, _reply, done) => {
    done(unstorableInput(request.params, request.query, request.body));
  });
}

function unstorableInput(params: unknown, query: unknown, body: unknown): AppError | undefined {
  if (typeof body === 'string') {
    const line = unstorableLine(body);
    if (line !== undefined) {
      return invalid('body', `line ${line} holds a NUL character or a lone UTF-16 surrogate`);
    }
  }
  for (const value of [params, query, body]) {
    const field = findUnstorable(value);
    if (field !== undefined) {
      return invalid(field, `${field} must not contain NUL characters or lone UTF-16 surrogates`);
    }
  }
  return undefined;
}
