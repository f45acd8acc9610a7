import { describe, expect, it } from '@jest/globals';
import { QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { AppError } from '../common/errors.js';
import { withTransactionRetry } from './tenant-db.service.js';

describe('withTransactionRetry', () => {
  it.each([
    ['its COMMIT', new QueryRunnerAlreadyReleasedError()],
    ['a statement', new QueryRunnerProviderAlreadyReleasedError()],
  ])(
    'turns a connection lost before %s into 503 with Retry-After, without running it again',
    async (_when, lost) => {
      let runs = 0;
      const err = await withTransactionRetry(() => {
        runs++;
        return Promise.reject(lost);
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).status).toBe(503);
      expect((err as AppError).extra.headers).toEqual({ 'retry-after': '5' });
      expect(runs).toBe(1);
    },
  );

  it('passes other errors through untouched', async () => {
    const bug = new TypeError('x is undefined');
    await expect(withTransactionRetry(() => Promise.reject(bug))).rejects.toBe(bug);
  });
});
