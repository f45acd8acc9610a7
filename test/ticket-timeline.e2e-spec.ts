/**
 * The timeline's set-based writes: one SLA sweep flags several tickets in one statement and
 * records their events and outbox messages in another; each ticket gets exactly one event, its
 * version moves once, and the messages follow the tickets' order with the usual payload.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { TicketJobsService } from '../src/tickets/ticket-jobs.service.js';
import { startTestApp, type TestApp } from './support/app.js';
import { ownerClient } from './support/database.js';
import { newFleet, newTenant } from './support/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

it('flags several breached tickets at once, one event and one ordered outbox message each', async () => {
  const tenant = await newTenant(t.http);
  const fleet = await newFleet(t.http, tenant, 3);
  const ids: string[] = [];
  for (const d of fleet.devices) {
    const res = await t.http
      .post('/v1/tickets')
      .set(tenant.admin.auth)
      .send({ separate: true, deviceId: d.id, description: 'The keypad does not respond.' })
      .expect(201);
    ids.push(res.body.id as string);
  }
  const flagged = await t.app
    .get(TicketJobsService)
    .markBreaches(tenant.id, new Date(Date.now() + 30 * 86_400_000));
  expect(flagged).toBe(3);

  for (const id of ids) {
    const ticket = await t.http.get(`/v1/tickets/${id}`).set(tenant.admin.auth).expect(200);
    expect(ticket.body).toMatchObject({ version: 2, sla: { breached: true } });
    const events = await t.http.get(`/v1/tickets/${id}/events`).set(tenant.admin.auth);
    const breaches = (events.body.data as { type: string }[]).filter(
      (e) => e.type === 'sla_breached',
    );
    expect(breaches).toEqual([
      expect.objectContaining({
        actor: { id: null, name: 'LockDesk', kind: 'system' },
        before: null,
        after: { firstResponse: true, resolution: true },
      }),
    ]);
  }

  const owner = await ownerClient(t.databaseUrl);
  try {
    const { rows } = await owner.query<{
      tenant_id: string;
      aggregate_id: string;
      payload: unknown;
    }>(
      `SELECT tenant_id, aggregate_id, payload FROM outbox
        WHERE topic = 'ticket.sla_breached' AND aggregate_id = ANY($1::uuid[]) ORDER BY id`,
      [ids],
    );
    expect(rows.map((r) => r.aggregate_id)).toEqual([...ids].sort());
    for (const r of rows) {
      expect(r.tenant_id).toBe(tenant.id);
      expect(r.payload).toEqual({
        ticketId: r.aggregate_id,
        number: expect.stringMatching(/^LD-\d+$/),
        type: 'sla_breached',
        internal: false,
        before: null,
        after: { firstResponse: true, resolution: true },
        at: expect.any(String),
      });
    }
  } finally {
    await owner.end();
  }
});
