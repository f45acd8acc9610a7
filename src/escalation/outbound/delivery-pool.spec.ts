import { describe, expect, it } from '@jest/globals';
import { DeliveryPool } from './delivery-pool.js';

const never = (signal: AbortSignal) =>
  new Promise<string>((resolve) => signal.addEventListener('abort', () => resolve('aborted')));

describe('delivery pool', () => {
  it('caps requests per endpoint, per tenant and in total, and frees slots as they end', async () => {
    const pool = new DeliveryPool({ total: 5, perTenant: 3, perEndpoint: 2 });
    const key = (tenantId: string, endpoint: string, webhookId = 'w') => ({
      tenantId,
      endpoint: `${tenantId} ${endpoint}`,
      webhookId,
    });
    const b1 = pool.start(key('b', 'slow'), never);
    void pool.start(key('b', 'slow'), never);
    expect(pool.freeForEndpoint('b slow')).toBe(0);
    expect(pool.freeForEndpoint('a slow')).toBe(2);
    expect(pool.freeForTenant('b')).toBe(1);
    void pool.start(key('b', 'other', 'w2'), never);
    expect(pool.freeForTenant('b')).toBe(0);
    expect(pool.freeForTenant('a')).toBe(2);
    let release!: () => void;
    const fast = pool.start(key('a', 'fast'), () => new Promise<void>((r) => (release = r)));
    void pool.start(key('a', 'fast'), never);
    expect(pool.size).toBe(5);
    expect(pool.freeForTenant('a')).toBe(0);
    release();
    await fast;
    expect(pool.size).toBe(4);
    expect(pool.freeForTenant('a')).toBe(1);
    pool.abortWebhook('w2');
    await new Promise((r) => setImmediate(r));
    expect(pool.size).toBe(3);
    await pool.abortAll();
    expect(await b1).toBe('aborted');
    expect(pool.size).toBe(0);
  });
});
