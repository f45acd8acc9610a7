import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
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
