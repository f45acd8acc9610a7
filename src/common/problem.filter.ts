import type { Socket } from 'node:net';
import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from './errors.js';
import { renderProblem } from './problem.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function sendProblem(
  err: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  logger: Pick<Logger, 'error'>,
): void {
  const problem = renderProblem(err, String(request.id));
  if (problem.internal) {
    logger.error(
      { err, requestId: request.id, method: request.method, url: request.url },
      'request failed',
    );
  }
  void reply
    .status(problem.status)
    .headers(problem.headers)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problem.body));
}

/**
 * Errors Node's HTTP parser meets before any request exists (headers over
 * the size limit, a malformed request line): Fastify's default answers
 * plain JSON; this answers the same statuses as problem+json.
 */
export function problemClientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const code =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? 'headers_too_large'
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 'request_timeout'
        : 'bad_request';
  const { status, body } = renderProblem(new AppError(code));
  const text = JSON.stringify(body);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${body.title}\r\nContent-Length: ${Buffer.byteLength(text)}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nConnection: close\r\n\r\n${text}`,
    );
  }
  socket.destroy(err);
}

/** The one exception filter: every error leaves as RFC 9457 problem+json. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    sendProblem(
      exception,
      ctx.getRequest<FastifyRequest>(),
      ctx.getResponse<FastifyReply>(),
      this.logger,
    );
  }
}
