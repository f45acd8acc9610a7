import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { leaseSize } from '../src/auth/hit-leases.js';
import { createApp } from '../src/app.factory.js';
import { createLogger } from '../src/common/logger.js';
import { startTestApp, testConfig, type TestApp } from './support/app.js';
import { newTenant } from './support/factories.js';

/**
 * Rate-limit hits reserved in batches (HitLeases) by two instances on one database: together
 * they never admit more than the limit, the batch costs at most (size - 1) hits per instance,
 * and the shared counter moves once per batch, not once per request.
 */
const LIMIT = 400;
const CONFIG = {
  rateLimitWindowSeconds: 3600, // one window for the whole test
  rateLimitPerTenant: LIMIT,
  rateLimitPerApiKey: 0,
  rateLimitPublicPerAddress: 0,
};

let t: TestApp;
let b: NestFastifyApplication;
let httpB: TestAgent;

beforeAll(async () => {
  t = await startTestApp(CONFIG);
  b = await createApp(testConfig(t.databaseUrl, CONFIG), createLogger('silent'));
  httpB = request(b.getHttpServer());
});

afterAll(async () => {
  await b?.close();
  await t?.close();
});

describe('rate limits counted in batches', () => {
  it('two instances together admit at most the limit, losing at most a batch each', async () => {
    const size = leaseSize(LIMIT);
    expect(size).toBeGreaterThan(1);
    const a = await newTenant(t.http);
    const statuses: number[] = [];
    // Interleaved, in small concurrent groups, until both instances have refused three groups.
    let refusedGroups = 0;
    for (let round = 0; round < 80 && refusedGroups < 3; round++) {
      const group = await Promise.all(
        [t.http, httpB, t.http, httpB, t.http, httpB, t.http, httpB].map((h) =>
          h.get('/v1/me').set(a.admin.auth),
        ),
      );
      statuses.push(...group.map((r) => r.status));
      if (group.every((r) => r.status === 429)) refusedGroups++;
    }
    const admitted = statuses.filter((s) => s === 200).length;
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    expect(admitted).toBeLessThanOrEqual(LIMIT);
    expect(admitted).toBeGreaterThanOrEqual(LIMIT - 2 * (size - 1));

    expect(refusedGroups).toBe(3);

    // The shared window counted whole batches (a statement per batch, not per request), and
    // once the limit was reached the refusals cost no statement at all.
    const [row] = await t.dataSource.query<{ hits: number }[]>(
      `SELECT max(hits) AS hits FROM rate_limit_counters`,
    );
    expect(row!.hits % size).toBe(0);
    expect(row!.hits).toBeLessThanOrEqual(LIMIT + 2 * size);
    expect(row!.hits).toBeLessThan(statuses.length);
  });

  it('keeps exact counts and headers when the limit is small (a batch of one)', () => {
    expect(leaseSize(10)).toBe(1);
    expect(leaseSize(199)).toBe(1);
    expect(leaseSize(6000)).toBe(50);
  });
});
