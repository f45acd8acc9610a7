import { hash } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError } from './errors.js';

/**
 * The version an `If-Match` names (`"3"`, `W/"3"`, `3`, or a tag from `versionTag` such as
 * `"3-Xy1…"`, whose version part is what counts). None: 428; not a version: 412. `what` names
 * the resource in the message ("ticket").
 */
export function parseIfMatch(header: string | undefined, what: string): number {
  if (header === undefined || header.trim() === '') {
    throw new AppError(
      'precondition_required',
      `Send If-Match with the ${what}’s version (its ETag).`,
    );
  }
  const m = /^\s*(?:W\/)?"?(\d{1,9})(?:-[\w-]{1,40})?"?\s*$/.exec(header);
  if (!m)
    throw new AppError('precondition_failed', `If-Match does not name a version of this ${what}.`);
  return Number(m[1]);
}

/**
 * The tag of a versioned resource: its version, and when part of what it shows changes
 * without the version moving (something the clock or another module decides), a digest of
 * that part after a dash (`"3-Xy1…"`), so a conditional GET sees that change too.
 */
export function versionTag(version: number, volatile?: unknown): string {
  if (volatile === undefined) return `"${version}"`;
  return `"${version}-${hash('sha1', JSON.stringify(volatile), 'base64url').slice(0, 12)}"`;
}

/** Sets the ETag of a versioned view (`versionTag`) and returns the view. */
export function withEtag<T extends { version: number }>(
  reply: FastifyReply,
  view: T,
  volatile?: unknown,
): T {
  void reply.header('etag', versionTag(view.version, volatile));
  return view;
}

/** A strong entity tag for exactly these bytes (SHA-1, base64url: 27 characters). */
export function strongEtag(body: string | Buffer): string {
  return `"${hash('sha1', body, 'base64url')}"`;
}

/** One entity tag in a list: optional `W/`, then a quoted opaque tag (RFC 9110 §8.8.3). */
const ENTITY_TAG = /\s*(?:W\/)?("[\x21\x23-\x7e\x80-\xff]*")\s*(?:,|$)/y;

/**
 * Whether an `If-None-Match` field matches the current representation's tag, by the weak
 * comparison RFC 9110 §13.1.2 asks for (`W/"x"` matches `"x"`): `*` matches any, otherwise
 * any tag in the comma-separated list. A malformed field matches nothing (the full answer
 * is sent, which is always safe).
 */
export function ifNoneMatchMatches(field: string, current: string): boolean {
  const trimmed = field.trim();
  if (trimmed === '*') return true;
  const opaque = current.startsWith('W/') ? current.slice(2) : current;
  ENTITY_TAG.lastIndex = 0;
  while (ENTITY_TAG.lastIndex < trimmed.length) {
    const start = ENTITY_TAG.lastIndex;
    const m = ENTITY_TAG.exec(trimmed);
    if (!m || ENTITY_TAG.lastIndex === start) return false;
    if (m[1] === opaque) return true;
  }
  return false;
}

/**
 * Conditional GET for every JSON answer: a 200 to GET or HEAD gets an `ETag` (the route's own,
 * e.g. a ticket's version set by `withEtag`, else a strong hash of the body) and an
 * `If-None-Match` that matches it turns the answer into a 304 without a body. Other methods,
 * other statuses (errors, 201, 204) and streamed bodies pass untouched.
 *
 * Written here rather than with @fastify/etag: that plugin tags every method and status
 * (errors and POST answers included) and compares If-None-Match as one exact string, so
 * lists of tags and `*` never match.
 */
export function installConditionalGet(fastify: FastifyInstance): void {
  fastify.addHook('onSend', async (request, reply, payload) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || reply.statusCode !== 200)
      return payload;
    let etag = reply.getHeader('etag');
    if (etag === undefined) {
      if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
      etag = strongEtag(payload);
      void reply.header('etag', etag);
    }
    const condition = request.headers['if-none-match'];
    if (condition === undefined || !ifNoneMatchMatches(condition, String(etag))) return payload;
    // 304: the headers a 200 would carry (ETag, Cache-Control, Vary), no body and no length.
    void reply.code(304);
    reply.removeHeader('content-type');
    reply.removeHeader('content-length');
    // HEAD: Fastify's own HEAD handler runs next and needs the body to measure (it sends the
    // 200's length, which RFC 9110 §8.6 allows on a 304, and never a body).
    return request.method === 'HEAD' ? payload : null;
  });
}
