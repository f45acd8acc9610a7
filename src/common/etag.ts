import type { FastifyReply } from 'fastify';
import { AppError } from './errors.js';

/**
 * The version an `If-Match` names (`"3"`, `W/"3"` or `3`). None: 428; not a
 * version: 412. `what` names the resource in the message ("ticket").
 */
export function parseIfMatch(header: string | undefined, what: string): number {
  if (header === undefined || header.trim() === '') {
    throw new AppError(
      'precondition_required',
      `Send If-Match with the ${what}’s version (its ETag).`,
    );
  }
  const m = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!m)
    throw new AppError('precondition_failed', `If-Match does not name a version of this ${what}.`);
  return Number(m[1]);
}

/** Sets the ETag of a versioned view (its `version`) and returns the view. */
export function withEtag<T extends { version: number }>(reply: FastifyReply, view: T): T {
  void reply.header('etag', `"${view.version}"`);
  return view;
}
