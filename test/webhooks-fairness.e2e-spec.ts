import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebhookDelivery } from '../src/escalation/webhook-delivery.js';
import { startTestApp, type TestApp } from './support/app.js';
import { newFleet, newTenant, type TestTenant } from './support/factories.js';

/**
 * One tenant's receiver that accepts connections and never answers must not
 * delay another tenant's deliveries (only 127.0.0.1 is contacted: private
 * targets are allowed in this app).
 */

const TIMEOUT_MS = 20_000;
let t: TestApp;
let slow: Server;
let fast: Server;
const hanging: ServerResponse[] = [];
const slowPaths: string[] = [];
const fastArrivals: { path: string; at: number }[] = [];
let a: TestTenant;
let b: TestTenant;

const listen = async (s: Server) => {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
};

beforeAll(async () => {
  slow = createServer((req, res) => {
    slowPaths.push(req.url ?? '');
    hanging.push(res); // accepted, read, never answered
    req.resume();
  });
  fast = createServer((req, res) => {
    fastArrivals.push({ path: req.url ?? '', at: Date.now() });
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  t = await startTestApp({
    webhooksAllowPrivate: true,
    webhookTimeoutMs: TIMEOUT_MS,
    webhookEndpointConcurrency: 2,
    webhookTenantConcurrency: 8,
    webhookConcurrency: 16,
  });
  b = await newTenant(t.http); // created first: first in line
  a = await newTenant(t.http);
});
afterAll(async () => {
  await t.close(); // aborts what is still in flight
  for (const res of hanging) res.destroy();
  await new Promise((r) => slow.close(r));
  await new Promise((r) => fast.close(r));
});

describe('fair webhook delivery', () => {
  it("delivers tenant A's event at once while tenant B's four webhooks hang", async () => {
    const slowBase = await listen(slow);
    const fastBase = await listen(fast);
    const bHooks: string[] = [];
    for (let i = 1; i <= 4; i++) {
      const res = await t.http
        .post('/v1/webhooks')
        .set(b.admin.auth)
        .send({ url: `${slowBase}/b${i}`, events: ['ticket.created'] })
        .expect(201);
      bHooks.push(res.body.id as string);
    }
    const aHook = await t.http
      .post('/v1/webhooks')
      .set(a.admin.auth)
      .send({ url: `${fastBase}/a`, events: ['ticket.created'] })
      .expect(201);
    for (const tenant of [b, a]) {
      const fleet = await newFleet(t.http, tenant, 1);
      await t.http
        .post('/v1/tickets')
        .set(tenant.admin.auth)
        .send({ separate: true, deviceId: fleet.devices[0]!.id, description: 'Keypad dead' })
        .expect(201);
    }

    const service = t.app.get(WebhookDelivery);
    const started = Date.now();
    const round = await service.pump(); // starts requests, does not wait for them
    expect(round.started).toBe(3); // A's one, and B's endpoint cap of 2

    // The one timed assertion of this file: A's delivery is not stuck behind B's.
    const deadline = started + 5_000;
    while (fastArrivals.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(fastArrivals.map((x) => x.path)).toEqual(['/a']);
    expect(fastArrivals[0]!.at - started).toBeLessThan(3_000);
    const aDeliveries = await t.http
      .get(`/v1/webhooks/${aHook.body.id}/deliveries`)
      .set(a.admin.auth);
    expect(aDeliveries.body.data).toMatchObject([{ status: 'delivered', attempts: 1 }]);

    // B's receiver holds two requests (its endpoint cap); another round starts none of B's others.
    while (slowPaths.length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await service.pump()).started).toBe(0);
    expect(slowPaths).toHaveLength(2);
    for (const id of bHooks) {
      const res = await t.http.get(`/v1/webhooks/${id}/deliveries`).set(b.admin.auth);
      expect(res.body.data).toMatchObject([{ status: 'pending', attempts: 0 }]);
    }
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS);
  });
});
