/**
 * Two app instances on one database: every scheduled job runs on both at once (the scheduler
 * starts every job on every instance), and each effect happens exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DiscoveryService } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { createApp } from '../src/app.factory.js';
import { createLogger } from '../src/common/logger.js';
import { ScheduledJob, type ScheduledRound } from '../src/common/scheduler/scheduled-job.js';
import { WebhookDelivery } from '../src/escalation/webhook-delivery.js';
import { startTestApp, testConfig, type TestApp } from './support/app.js';
import { ownerClient } from './support/database.js';
import { newFleet, newTenant, type TestFleet, type TestTenant } from './support/factories.js';

const OVERRIDES = {
  webhooksAllowPrivate: true,
  webhookRetryBaseSeconds: 0,
  escalationClaimMinutes: 1,
  escalationClaimMinutesUrgent: 1,
  // Hundreds of deliveries to one local receiver: room for many per round.
  webhookEndpointConcurrency: 50,
  webhookTenantConcurrency: 50,
};

/** Every job the scheduler starts; a new job must be added here (and to the assertions). */
const JOBS = [
  'idempotency purge',
  'incident detection',
  'outbox purge',
  'stale escalations',
  // Its own exactly-once check (one instance creates and drops partitions) is in
  // test/telemetry-partitions.e2e-spec.ts; here it runs alongside the others.
  'telemetry partitions',
  'throttle sweep',
  'ticket jobs',
  'webhook deliveries',
];

let a: TestApp;
let b: NestFastifyApplication;
let httpB: TestAgent;
let receiver: Server;
let hookUrl: string;
/** Every webhook request the receiver got: its delivery id and event type. */
const received: { delivery: string; event: string }[] = [];

let customer: TestTenant;
let fleet: TestFleet;

interface Job {
  name: string;
  instance: 'a' | 'b';
  round: () => Promise<object>;
}

/** The scheduled jobs of an app, found the way the job scheduler finds them. */
function jobsOf(app: NestFastifyApplication, instance: 'a' | 'b'): Job[] {
  const discovery = app.get(DiscoveryService);
  return discovery.getProviders({ metadataKey: ScheduledJob.KEY }).flatMap((wrapper) => {
    const schedule = discovery.getMetadataByDecorator(ScheduledJob, wrapper);
    const job = wrapper.instance as ScheduledRound | undefined;
    return schedule && job ? [{ name: schedule.name, instance, round: () => job.round() }] : [];
  });
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push({
        delivery: String(req.headers['lockdesk-delivery']),
        event: String(req.headers['lockdesk-event']),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  a = await startTestApp(OVERRIDES);
  // The second instance: its own process state and pool, the same database.
  b = await createApp(
    testConfig(a.databaseUrl, OVERRIDES),
    createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
  );
  httpB = request(b.getHttpServer());

  customer = await newTenant(a.http);
  // Six locks with reported tickets, three more for proactive tickets (no open ticket to fold into).
  fleet = await newFleet(a.http, customer, 9);
  await httpB
    .post('/v1/webhooks')
    .set(customer.admin.auth)
    .send({ url: hookUrl, events: ['*'] })
    .expect(201);
  for (const name of ['Alfama Locks', 'Baixa Locks']) {
    const smith = await newTenant(a.http, { kind: 'locksmith', name });
    await a.http
      .put('/v1/partner-profile')
      .set(smith.admin.auth)
      .send({ postalCodes: ['1100'], capacity: 50 })
      .expect(200);
    await a.http
      .post('/v1/partners')
      .set(customer.admin.auth)
      .send({ handle: smith.handle })
      .expect(201);
  }
});

afterAll(async () => {
  await b?.close();
  await a?.close();
  await new Promise((r) => receiver?.close(r));
});

describe('two instances on one database', () => {
  it('both serve the same data', async () => {
    const t = await a.http
      .post('/v1/tickets')
      .set(customer.admin.auth)
      .send({ deviceId: fleet.devices[0]!.id, description: 'Keypad dead' })
      .expect(201);
    const seen = await httpB.get(`/v1/tickets/${t.body.id}`).set(customer.admin.auth).expect(200);
    expect(seen.body.number).toBe(t.body.number);
  });

  it('run every scheduled job at once on both, and each effect happens exactly once', async () => {
    // Due work for every job.
    // Tickets (half through each instance), made late by moving their due times into the past.
    for (let i = 0; i < 12; i++) {
      await (i % 2 ? httpB : a.http)
        .post('/v1/tickets')
        .set(customer.admin.auth)
        .send({
          deviceId: fleet.devices[i % 6]!.id,
          description: `Bolt jams, case ${i}`,
          separate: true,
        })
        .expect(201);
    }
    // Escalations routed to a locksmith that does not claim them.
    const escalated: string[] = [];
    for (let i = 0; i < 4; i++) {
      const t = await a.http
        .post('/v1/tickets')
        .set(customer.admin.auth)
        .send({
          deviceId: fleet.devices[i]!.id,
          description: `Key snapped in the cylinder ${i}`,
          separate: true,
        })
        .expect(201);
      await a.http
        .post(`/v1/tickets/${t.body.id}/escalate`)
        .set(customer.admin.auth)
        .send({ target: 'locksmith' })
        .expect(200);
      escalated.push(t.body.id as string);
    }
    // Three locks with no open ticket and a battery under the threshold (LOW_BATTERY_PERCENT).
    const now = new Date().toISOString();
    await httpB
      .post('/v1/telemetry')
      .set(customer.admin.auth)
      .send({
        events: fleet.devices
          .slice(6, 9)
          .map((d) => ({ deviceId: d.id, type: 'battery', at: now, batteryPercent: 5 })),
      })
      .expect(200);

    const owner = await ownerClient(a.databaseUrl);
    try {
      // More late tickets (copies of these, whatever the columns), so that the two instances'
      // breach statements take long enough to overlap.
      await owner.query(
        // A ticket and its current diagnosis (history) refer to each other: both in one statement.
        `WITH src AS (
           SELECT t.*, g, gen_random_uuid() AS new_id, gen_random_uuid() AS new_diagnosis_id
             FROM tickets t CROSS JOIN generate_series(1, 20) g
            WHERE t.tenant_id = $1
         ), history AS (
           INSERT INTO ticket_diagnoses
           SELECT (jsonb_populate_record(NULL::ticket_diagnoses, to_jsonb(d)
                     || jsonb_build_object('id', s.new_diagnosis_id, 'ticket_id', s.new_id))).*
             FROM src s JOIN ticket_diagnoses d ON d.tenant_id = s.tenant_id AND d.id = s.diagnosis_id
         )
         INSERT INTO tickets
         SELECT (jsonb_populate_record(NULL::tickets, to_jsonb(s)
                   || jsonb_build_object('id', s.new_id, 'number', s.number + 1000 * s.g,
                                         'diagnosis_id', s.new_diagnosis_id))).*
           FROM src s`,
        [customer.id],
      );
      await owner.query(
        `UPDATE tickets SET first_response_due_at = now() - interval '1 minute',
                            resolution_due_at = now() - interval '1 minute'
          WHERE tenant_id = $1`,
        [customer.id],
      );
      const { rows: late } = await owner.query<{ id: string }>(
        `SELECT id FROM tickets WHERE tenant_id = $1 AND status IN ('new', 'open') AND NOT sla_breached`,
        [customer.id],
      );
      expect(late.length).toBeGreaterThanOrEqual(12 * 21);
      // One round of the breach job flags them all (its batch is 500 per tenant).
      expect(late.length).toBeLessThan(500);
      const { rowCount: stale } = await owner.query(
        `UPDATE escalations SET routed_at = now() - interval '10 minutes'
          WHERE tenant_id = $1 AND status = 'routed'`,
        [customer.id],
      );
      expect(stale).toBe(4);
      // Expired idempotency keys, login-throttle buckets and rate-limit windows.
      await owner.query(
        `INSERT INTO idempotency_keys (tenant_id, key, request_hash, method, path, state, response_status,
                                       response_body, expires_at)
         SELECT $1, 'two-instances-' || g, 'h', 'POST', '/v1/tickets', 'completed', 201, '{}',
                now() - interval '1 minute'
           FROM generate_series(1, 30) g`,
        [customer.id],
      );
      await owner.query(
        `INSERT INTO auth_attempts (bucket, attempts, window_start, strikes, expires_at)
         SELECT sha256(('two-instances-' || g)::bytea), 1, now() - interval '1 hour', 0, now() - interval '1 minute'
           FROM generate_series(1, 30) g`,
      );
      await owner.query(
        `INSERT INTO rate_limit_counters (bucket, window_start, hits, expires_at)
         SELECT sha256(('two-instances-' || g)::bytea), 0, 1, now() - interval '1 minute'
           FROM generate_series(1, 30) g`,
      );

      // Outbox messages published and webhook deliveries finished long ago, in a tenant of their
      // own (the customer's messages are checked against their deliveries below).
      const archive = await newTenant(a.http);
      await owner.query(
        `INSERT INTO outbox (tenant_id, topic, aggregate_id, payload, created_at, published_at)
         SELECT $1, 'ticket.created', gen_random_uuid(), '{}', now() - interval '90 days',
                now() - interval '90 days'
           FROM generate_series(1, 2500)`,
        [archive.id],
      );
      const hook = await a.http
        .post('/v1/webhooks')
        .set(archive.admin.auth)
        .send({ url: hookUrl, events: ['*'] })
        .expect(201);
      await owner.query(
        `INSERT INTO webhook_deliveries (tenant_id, id, webhook_id, outbox_id, event_type, body, status,
                                         created_at, next_attempt_at)
         SELECT $1, gen_random_uuid(), $2, g, 'ticket.created', '{}', 'delivered',
                now() - interval '90 days', now() - interval '90 days'
           FROM generate_series(1, 1500) g`,
        [archive.id, hook.body.id],
      );

      // Every job of both instances, all at once, three rounds.
      const jobs = [...jobsOf(a.app, 'a'), ...jobsOf(b, 'b')];
      expect([...new Set(jobs.map((j) => j.name))].sort()).toEqual(JOBS);
      expect(jobs).toHaveLength(JOBS.length * 2);
      const reports: { name: string; report: Record<string, number> }[] = [];
      for (let round = 0; round < 3; round++) {
        const done = await Promise.all(jobs.map((j) => j.round()));
        done.forEach((report, i) =>
          reports.push({ name: jobs[i]!.name, report: report as Record<string, number> }),
        );
      }
      const total = (name: string, field: string) =>
        reports.filter((r) => r.name === name).reduce((sum, r) => sum + (r.report[field] ?? 0), 0);

      // SLA breaches: one flag, one event and one outbox message per late ticket.
      expect(total('ticket jobs', 'breached')).toBe(late.length);
      const { rows: breachEvents } = await owner.query<{ ticket_id: string; n: number }>(
        `SELECT ticket_id, count(*)::int AS n FROM ticket_events
          WHERE tenant_id = $1 AND type = 'sla_breached' GROUP BY ticket_id`,
        [customer.id],
      );
      expect(breachEvents.map((e) => e.ticket_id).sort()).toEqual(late.map((t) => t.id).sort());
      expect(breachEvents.every((e) => e.n === 1)).toBe(true);
      const { rows: breachMessages } = await owner.query<{ n: number; tickets: number }>(
        `SELECT count(*)::int AS n, count(DISTINCT aggregate_id)::int AS tickets FROM outbox
          WHERE tenant_id = $1 AND topic = 'ticket.sla_breached'`,
        [customer.id],
      );
      expect(breachMessages[0]).toEqual({ n: late.length, tickets: late.length });

      // Proactive tickets: one per lock and reason.
      expect(total('ticket jobs', 'proactive')).toBe(3);
      const { rows: proactive } = await owner.query<{ device_id: string; n: number }>(
        `SELECT device_id, count(*)::int AS n FROM tickets
          WHERE tenant_id = $1 AND source = 'proactive' AND reason = 'low_battery' GROUP BY device_id`,
        [customer.id],
      );
      expect(proactive.map((p) => p.device_id).sort()).toEqual(
        fleet.devices
          .slice(6, 9)
          .map((d) => d.id)
          .sort(),
      );
      expect(proactive.every((p) => p.n === 1)).toBe(true);

      // Stale escalations: each re-routed once (one escalation_unclaimed event each).
      expect(total('stale escalations', 'rerouted')).toBe(4);
      const { rows: unclaimed } = await owner.query<{ ticket_id: string; n: number }>(
        `SELECT ticket_id, count(*)::int AS n FROM ticket_events
          WHERE tenant_id = $1 AND type = 'escalation_unclaimed' GROUP BY ticket_id`,
        [customer.id],
      );
      expect(unclaimed.map((e) => e.ticket_id).sort()).toEqual([...escalated].sort());
      expect(unclaimed.every((e) => e.n === 1)).toBe(true);

      // Incident detection: each tenant's run taken by one instance at a time, and each cluster
      // (the same "Bolt jams" report on all six locks) one incident with one incident.opened.
      const { rows: incidents } = await owner.query<{ id: string }>(
        `SELECT id FROM incidents WHERE tenant_id = $1`,
        [customer.id],
      );
      expect(incidents.length).toBeGreaterThan(0);
      expect(total('incident detection', 'opened')).toBe(incidents.length);
      const { rows: opened } = await owner.query<{ n: number; incidents: number }>(
        `SELECT count(*)::int AS n, count(DISTINCT aggregate_id)::int AS incidents FROM outbox
          WHERE tenant_id = $1 AND topic = 'incident.opened'`,
        [customer.id],
      );
      expect(opened[0]).toEqual({ n: incidents.length, incidents: incidents.length });

      // Purges: every expired row deleted by exactly one instance.
      expect(total('idempotency purge', 'purged')).toBe(30);
      expect(total('throttle sweep', 'authAttempts')).toBe(30);
      expect(total('throttle sweep', 'rateLimitCounters')).toBe(30);
      const { rows: left } = await owner.query<{
        keys: number;
        attempts: number;
        counters: number;
      }>(
        `SELECT (SELECT count(*)::int FROM idempotency_keys WHERE key LIKE 'two-instances-%') AS keys,
                (SELECT count(*)::int FROM auth_attempts WHERE expires_at < now()) AS attempts,
                (SELECT count(*)::int FROM rate_limit_counters WHERE expires_at < now()) AS counters`,
      );
      expect(left[0]).toEqual({ keys: 0, attempts: 0, counters: 0 });
      expect(total('outbox purge', 'outbox')).toBe(2500);
      expect(total('outbox purge', 'deliveries')).toBe(1500);
      const { rows: archived } = await owner.query<{ outbox: number; deliveries: number }>(
        `SELECT (SELECT count(*)::int FROM outbox WHERE tenant_id = $1) AS outbox,
                (SELECT count(*)::int FROM webhook_deliveries WHERE tenant_id = $1) AS deliveries`,
        [archive.id],
      );
      expect(archived[0]).toEqual({ outbox: 0, deliveries: 0 });

      // Webhooks: both instances keep delivering until nothing is due; then every outbox message
      // has one delivery, and the receiver got each delivery once.
      for (let i = 0; i < 200; i++) {
        const { rows: due } = await owner.query<{ n: number }>(
          `SELECT (SELECT count(*)::int FROM webhook_deliveries WHERE tenant_id = $1 AND status = 'pending')
                + (SELECT count(*)::int FROM outbox WHERE tenant_id = $1 AND published_at IS NULL) AS n`,
          [customer.id],
        );
        if (due[0]!.n === 0) break;
        await Promise.all([a.app.get(WebhookDelivery).runOnce(), b.get(WebhookDelivery).runOnce()]);
      }
      const { rows: deliveries } = await owner.query<{
        id: string;
        outbox_id: string;
        status: string;
      }>(`SELECT d.id, d.outbox_id, d.status FROM webhook_deliveries d WHERE d.tenant_id = $1`, [
        customer.id,
      ]);
      const { rows: messages } = await owner.query<{ id: string }>(
        `SELECT id FROM outbox WHERE tenant_id = $1`,
        [customer.id],
      );
      expect(messages.length).toBeGreaterThan(late.length);
      expect(deliveries.map((d) => d.outbox_id).sort()).toEqual(messages.map((m) => m.id).sort());
      expect(deliveries.filter((d) => d.status !== 'delivered')).toEqual([]);
      expect(received.map((r) => r.delivery).sort()).toEqual(deliveries.map((d) => d.id).sort());
      expect(received.filter((r) => r.event === 'ticket.sla_breached')).toHaveLength(late.length);
    } finally {
      await owner.end();
    }
  });
});
