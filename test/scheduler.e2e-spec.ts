import { afterAll, describe, expect, it } from '@jest/globals';
import { SchedulerRegistry } from '@nestjs/schedule';
import { nonOverlappingRound } from '../src/common/interval-job.js';
import { JobScheduler } from '../src/common/scheduler/job-scheduler.js';
import { startTestApp, type TestApp } from './support/app.js';
import { ownerClient } from './support/database.js';
import { newTenant } from './support/factories.js';

const JOBS = [
  'idempotency purge',
  'incident detection',
  'outbox purge',
  'stale escalations',
  'telemetry partitions',
  'throttle sweep',
  'ticket jobs',
  'webhook deliveries',
];

function quietLogger() {
  const lines: { level: 'log' | 'error'; obj: unknown; msg?: string }[] = [];
  return {
    lines,
    log: (obj: unknown, msg?: string) => void lines.push({ level: 'log', obj, msg }),
    error: (obj: unknown, msg?: string) => void lines.push({ level: 'error', obj, msg }),
  };
}

describe('a scheduled round', () => {
  it('never overlaps itself, and logs what it did (counts above 0) or why it failed', async () => {
    const logger = quietLogger();
    let calls = 0;
    let release: () => void = () => undefined;
    const tick = nonOverlappingRound(logger, 'demo', () => {
      calls++;
      return new Promise<object>((resolve) => {
        release = () => resolve({ done: calls, skipped: 0 });
      });
    });
    tick();
    tick(); // still running: skipped
    expect(calls).toBe(1);
    release();
    await new Promise((r) => setImmediate(r));
    expect(logger.lines).toEqual([
      { level: 'log', obj: { job: 'demo', done: 1, skipped: 0 }, msg: 'demo' },
    ]);
    tick();
    expect(calls).toBe(2);

    const quiet = quietLogger();
    nonOverlappingRound(quiet, 'idle', () => Promise.resolve({ done: 0 }))();
    const failing = quietLogger();
    const err = new Error('boom');
    nonOverlappingRound(failing, 'broken', () => Promise.reject(err))();
    await new Promise((r) => setImmediate(r));
    expect(quiet.lines).toEqual([]);
    expect(failing.lines).toEqual([
      { level: 'error', obj: { err, job: 'broken' }, msg: 'broken failed' },
    ]);
  });
});

describe('the job scheduler', () => {
  let t: TestApp | undefined;
  afterAll(async () => {
    await t?.close();
  });

  it('starts no job whose interval is 0 (the test default)', async () => {
    const off = await startTestApp();
    try {
      expect(off.app.get(JobScheduler).running()).toEqual([]);
      expect(off.app.get(SchedulerRegistry).getIntervals()).toEqual([]);
    } finally {
      await off.close();
    }
  });

  it('starts every job from one place, runs it on its interval, and stops them all on close', async () => {
    t = await startTestApp({ jobsIntervalSeconds: 1, idempotencyPurgeIntervalSeconds: 1 });
    const registry = t.app.get(SchedulerRegistry);
    expect([...registry.getIntervals()].sort()).toEqual(JOBS);
    expect([...t.app.get(JobScheduler).running()].sort()).toEqual(
      [...registry.getIntervals()].sort(),
    );

    // The purge runs by itself: an expired key is gone within a few ticks.
    const tenant = await newTenant(t.http);
    const owner = await ownerClient(t.databaseUrl);
    try {
      await owner.query(
        `INSERT INTO idempotency_keys (tenant_id, key, request_hash, method, path, state, response_status, response_body, expires_at)
         VALUES ($1, 'scheduled-purge', 'h', 'POST', '/v1/users', 'completed', 201, '{}', now() - interval '1 minute')`,
        [tenant.id],
      );
      const deadline = Date.now() + 10_000;
      let left = 1;
      while (left > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        const { rows } = await owner.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM idempotency_keys WHERE key = 'scheduled-purge'`,
        );
        left = rows[0]!.n;
      }
      expect(left).toBe(0);
    } finally {
      await owner.end();
    }

    const scheduler = t.app.get(JobScheduler);
    await t.close();
    t = undefined;
    expect(scheduler.running()).toEqual([]);
    expect(registry.getIntervals()).toEqual([]);
  });
});
