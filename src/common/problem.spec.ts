import { describe, expect, it } from '@jest/globals';
import { NotFoundException } from '@nestjs/common';
import { AppError } from './errors.js';
import { renderProblem } from './problem.js';

describe('renderProblem', () => {
  it('maps an AppError through the code map, with field errors and headers', () => {
    const p = renderProblem(
      new AppError('validation_failed', 'bad', {
        errors: [{ field: 'x', message: 'y' }],
        headers: { 'retry-after': '1' },
      }),
      'r1',
    );
    expect(p).toMatchObject({ status: 400, headers: { 'retry-after': '1' }, internal: false });
    expect(p.body).toEqual({
      type: 'https://lockdesk.dev/problems/validation-failed',
      title: 'The request is not valid',
      status: 400,
      code: 'validation_failed',
      detail: 'bad',
      errors: [{ field: 'x', message: 'y' }],
      requestId: 'r1',
    });
  });

  it('turns a lost database into 503 with Retry-After', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    const p = renderProblem(err);
    expect(p.status).toBe(503);
    expect(p.headers['retry-after']).toBe('5');
    const shutdown = Object.assign(
      new Error('terminating connection due to administrator command'),
      {
        driverError: { code: '57P01' },
      },
    );
    expect(renderProblem(shutdown).status).toBe(503);
  });

  it('turns a statement timeout or lock timeout into 503 with Retry-After, not 500', () => {
    for (const code of ['57014', '55P03']) {
      const err = Object.assign(new Error('canceling statement due to statement timeout'), {
        driverError: { code },
      });
      const p = renderProblem(err);
      expect([code, p.status, p.headers['retry-after']]).toEqual([code, 503, '5']);
    }
  });

  it('never leaks the message of an unexpected error', () => {
    const p = renderProblem(new Error('relation "users" does not exist at SELECT * FROM users'));
    expect(p.status).toBe(500);
    expect(p.internal).toBe(true);
    expect(JSON.stringify(p.body)).not.toMatch(/users|SELECT/);
  });

  it('keeps Nest HTTP exceptions’ statuses', () => {
    expect(renderProblem(new NotFoundException('Cannot GET /x')).body).toMatchObject({
      status: 404,
      code: 'not_found',
    });
  });
});
