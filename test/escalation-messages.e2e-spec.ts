/**
 * Customer and partner talk on the job (issue 13, section 3): each escalation has a thread both
 * sides read and write at /v1/escalations/:id/messages; each new message goes to the other side's
 * webhooks, and a partner's message appears on the ticket's timeline. Row-level security shows a
 * thread to the customer and to the linked partner the escalation is with, and to nobody else.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { WebhookDelivery } from '../src/escalation/webhook-delivery.js';
import { startTestApp, type TestApp } from './support/app.js';
import { ownerClient } from './support/database.js';
import {
  newFleet,
  newTenant,
  newUser,
  type Session,
  type TestFleet,
  type TestTenant,
} from './support/factories.js';

let t: TestApp;
let customer: TestTenant;
let agent: Session;
let manager: Session;
let fleet: TestFleet;
let smith: TestTenant;
let smithPerson: Session;
let second: TestTenant;
let unlinked: TestTenant;
let third: TestTenant;

interface Message {
  id: string;
  escalationId: string;
  partnerTenantId: string;
  author: { id: string | null; name: string; kind: string };
  body: string;
  createdAt: string;
}

async function escalated(deviceIndex: number, description: string) {
  const tk = await t.http
    .post('/v1/tickets')
    .set(agent.auth)
    .send({ deviceId: fleet.devices[deviceIndex]!.id, description, separate: true })
    .expect(201);
  const esc = await t.http
    .post(`/v1/tickets/${tk.body.id}/escalate`)
    .set(agent.auth)
    .send({ target: 'locksmith' })
    .expect(200);
  expect(esc.body).toMatchObject({ status: 'routed', partnerTenantId: smith.id });
  return { ticketId: tk.body.id as string, id: esc.body.id as string };
}

function post(who: Session, id: string, body: unknown) {
  return t.http.post(`/v1/escalations/${id}/messages`).set(who.auth).send({ body });
}

async function thread(who: Session, id: string): Promise<Message[]> {
  const res = await t.http.get(`/v1/escalations/${id}/messages`).set(who.auth);
  expect(res.status).toBe(200);
  return res.body.data as Message[];
}

async function webhook(tenant: TestTenant): Promise<string> {
  const res = await t.http
    .post('/v1/webhooks')
    .set(tenant.admin.auth)
    .send({ url: 'https://8.8.8.8/hook', events: ['escalation.*', 'ticket.escalation_message'] })
    .expect(201);
  return res.body.id as string;
}

async function deliveredTypes(tenant: TestTenant, hookId: string): Promise<string[]> {
  await t.app.get(WebhookDelivery).relay(tenant.id);
  const res = await t.http
    .get(`/v1/webhooks/${hookId}/deliveries`)
    .query({ limit: 200 })
    .set(tenant.admin.auth)
    .expect(200);
  return (res.body.data as { eventType: string }[]).map((d) => d.eventType);
}

beforeAll(async () => {
  t = await startTestApp();
  customer = await newTenant(t.http, { name: 'Harbor Property Group' });
  agent = await newUser(t.http, customer, 'agent');
  manager = await newUser(t.http, customer, 'manager');
  fleet = await newFleet(t.http, customer, 4);
  smith = await newTenant(t.http, { kind: 'locksmith', name: 'Alfama Locks' });
  smithPerson = await newUser(t.http, smith, 'locksmith');
  second = await newTenant(t.http, { kind: 'locksmith', name: 'Second Locks' });
  unlinked = await newTenant(t.http, { kind: 'locksmith', name: 'Unlinked Locks' });
  third = await newTenant(t.http, { name: 'Third Customer' });
  await t.http
    .put('/v1/partner-profile')
    .set(smith.admin.auth)
    .send({ postalCodes: ['1100'], capacity: 50 })
    .expect(200);
  // `unlinked` covers the same area but is not linked; `second` is linked but covers nothing, so
  // escalations are routed to `smith` (the customer re-routes one to `second` below).
  await t.http
    .put('/v1/partner-profile')
    .set(unlinked.admin.auth)
    .send({ postalCodes: ['1100'] })
    .expect(200);
  for (const p of [smith, second]) {
    await t.http
      .post('/v1/partners')
      .set(customer.admin.auth)
      .send({ handle: p.handle })
      .expect(201);
  }
  // The third customer links the same locksmith: a partner of two customers.
  await t.http
    .post('/v1/partners')
    .set(third.admin.auth)
    .send({ handle: smith.handle })
    .expect(201);
});
afterAll(async () => {
  await t.close();
});

describe('the message thread', () => {
  it('is read and written by both sides, with webhooks to the other side and the partner’s words on the timeline', async () => {
    const customerHook = await webhook(customer);
    const partnerHook = await webhook(smith);
    const esc = await escalated(0, 'The bolt will not move at all');

    const first = await post(agent, esc.id, '  The concierge has a spare key; ask for Marta.  ');
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      id: expect.any(String),
      escalationId: esc.id,
      partnerTenantId: smith.id,
      author: { id: agent.userId, name: 'A agent', kind: 'user' },
      body: 'The concierge has a spare key; ask for Marta.',
      createdAt: expect.any(String),
    });
    const reply = await post(smithPerson, esc.id, 'I can come Tuesday 9-12.');
    expect(reply.status).toBe(201);
    // A partner writes as its company.
    expect(reply.body.author).toEqual({ id: smith.id, name: 'Alfama Locks', kind: 'partner' });
    const fromManager = await post(manager, esc.id, 'Tuesday works.');
    expect(fromManager.status).toBe(201);
    const fromPartnerAdmin = await post(smith.admin, esc.id, 'Booked.');
    expect(fromPartnerAdmin.status).toBe(201);

    const seenByCustomer = await thread(manager, esc.id);
    const seenByPartner = await thread(smithPerson, esc.id);
    expect(seenByCustomer.map((m) => m.body)).toEqual([
      'The concierge has a spare key; ask for Marta.',
      'I can come Tuesday 9-12.',
      'Tuesday works.',
      'Booked.',
    ]);
    expect(seenByPartner).toEqual(seenByCustomer);
    expect(seenByCustomer.map((m) => m.author.kind)).toEqual([
      'user',
      'partner',
      'user',
      'partner',
    ]);

    // Pages of two, oldest first.
    const page1 = await t.http
      .get(`/v1/escalations/${esc.id}/messages`)
      .query({ limit: 2 })
      .set(agent.auth);
    expect((page1.body.data as Message[]).map((m) => m.body)).toEqual([
      'The concierge has a spare key; ask for Marta.',
      'I can come Tuesday 9-12.',
    ]);
    const page2 = await t.http
      .get(`/v1/escalations/${esc.id}/messages`)
      .query({ limit: 2, cursor: page1.body.nextCursor })
      .set(agent.auth);
    expect((page2.body.data as Message[]).map((m) => m.body)).toEqual([
      'Tuesday works.',
      'Booked.',
    ]);
    expect(page2.body.nextCursor).toBeNull();

    // The partner's messages are on the ticket's timeline, with their words; the customer's are not.
    const events = await t.http.get(`/v1/tickets/${esc.ticketId}/events`).set(manager.auth);
    const said = (events.body.data as { type: string; actor: never; after: never }[]).filter(
      (e) => e.type === 'escalation_message',
    );
    expect(said).toEqual([
      expect.objectContaining({
        actor: { id: smith.id, name: 'Alfama Locks', kind: 'partner' },
        after: {
          escalationId: esc.id,
          messageId: reply.body.id,
          author: { id: smith.id, name: 'Alfama Locks', kind: 'partner' },
          body: 'I can come Tuesday 9-12.',
        },
      }),
      expect.objectContaining({
        actor: expect.objectContaining({ kind: 'partner' }),
        after: expect.objectContaining({ body: 'Booked.' }),
      }),
    ]);

    // Each side's webhooks hear of the other side's messages (and only those).
    const owner = await ownerClient(t.databaseUrl);
    try {
      const outbox = async (tenantId: string) =>
        (
          await owner.query<{ payload: { body: string; messageId: string; escalationId: string } }>(
            `SELECT payload FROM outbox WHERE tenant_id = $1 AND topic = 'escalation.message_created' ORDER BY id`,
            [tenantId],
          )
        ).rows.map((r) => r.payload);
      expect(await outbox(smith.id)).toEqual([
        expect.objectContaining({
          escalationId: esc.id,
          messageId: first.body.id,
          body: 'The concierge has a spare key; ask for Marta.',
          author: { id: agent.userId, name: 'A agent', kind: 'user' },
        }),
        expect.objectContaining({ messageId: fromManager.body.id, body: 'Tuesday works.' }),
      ]);
      expect(await outbox(customer.id)).toEqual([
        expect.objectContaining({
          escalationId: esc.id,
          messageId: reply.body.id,
          ticketId: esc.ticketId,
          author: { id: smith.id, name: 'Alfama Locks', kind: 'partner' },
        }),
        expect.objectContaining({ messageId: fromPartnerAdmin.body.id, body: 'Booked.' }),
      ]);
    } finally {
      await owner.end();
    }
    const partnerTypes = await deliveredTypes(smith, partnerHook);
    expect(partnerTypes.filter((x) => x === 'escalation.message_created')).toHaveLength(2);
    expect(partnerTypes).toContain('escalation.routed');
    const customerTypes = await deliveredTypes(customer, customerHook);
    expect(customerTypes.filter((x) => x === 'escalation.message_created')).toHaveLength(2);
    expect(customerTypes.filter((x) => x === 'ticket.escalation_message')).toHaveLength(2);
  });

  it('refuses an empty or too long body, writes nothing, and replays an Idempotency-Key', async () => {
    const esc = await escalated(1, 'Keypad is dead');
    for (const body of ['', '   ', 'x'.repeat(4001), 42, null]) {
      const res = await post(agent, esc.id, body);
      expect({ body: String(body).slice(0, 10), status: res.status }).toEqual({
        body: String(body).slice(0, 10),
        status: 400,
      });
      expect(res.body.errors).toEqual([{ field: 'body', message: expect.any(String) }]);
    }
    const unknown = await t.http
      .post(`/v1/escalations/${esc.id}/messages`)
      .set(agent.auth)
      .send({ body: 'hi', urgent: true });
    expect(unknown.status).toBe(400);
    expect(await thread(agent, esc.id)).toEqual([]);
    expect((await post(agent, esc.id, 'x'.repeat(4000))).status).toBe(201);

    const send = () =>
      t.http
        .post(`/v1/escalations/${esc.id}/messages`)
        .set(smithPerson.auth)
        .set('Idempotency-Key', `msg-${esc.id}`)
        .send({ body: 'On my way' });
    const once = await send();
    const again = await send();
    expect(once.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(once.body);
    expect((await thread(agent, esc.id)).filter((m) => m.body === 'On my way')).toHaveLength(1);
    const events = await t.http.get(`/v1/tickets/${esc.ticketId}/events`).set(agent.auth);
    expect(
      (events.body.data as { type: string }[]).filter((e) => e.type === 'escalation_message'),
    ).toHaveLength(1);
  });

  it('needs a partner on the other side: a queued or cancelled escalation answers 409', async () => {
    const esc = await escalated(2, 'Lock beeps and does nothing');
    await t.http
      .post(`/v1/escalations/${esc.id}/cancel`)
      .set(agent.auth)
      .send({ reason: 'Tenant found the spare key' })
      .expect(200);
    const late = await post(agent, esc.id, 'Never mind');
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('escalation_state');
    expect((await post(smithPerson, esc.id, 'OK')).status).toBe(409);
    expect(await thread(agent, esc.id)).toEqual([]);
    // Escalated again, to a queue no linked partner serves: it waits, with nobody to write to.
    const queued = await t.http
      .post(`/v1/tickets/${esc.ticketId}/escalate`)
      .set(agent.auth)
      .send({ target: 'manufacturer' })
      .expect(200);
    expect(queued.body).toMatchObject({ status: 'queued', partnerTenantId: null });
    const nobody = await post(agent, queued.body.id as string, 'Anyone?');
    expect(nobody.status).toBe(409);
    expect(nobody.body.code).toBe('escalation_state');
    expect(await thread(agent, queued.body.id as string)).toEqual([]);
  });
});

describe('who sees a thread', () => {
  it('a third tenant, another customer of the same partner and an unlinked partner see nothing and write nothing', async () => {
    const esc = await escalated(3, 'The handle turns but the latch stays');
    await post(agent, esc.id, 'Gate code 4711').expect(201);
    for (const outsider of [third.admin, unlinked.admin, second.admin]) {
      expect(
        (await t.http.get(`/v1/escalations/${esc.id}/messages`).set(outsider.auth)).status,
      ).toBe(404);
      expect((await post(outsider, esc.id, 'let me in')).status).toBe(404);
    }
    // Row-level security itself, as the runtime role: no rows, and no forged row.
    const asTenant = (tenantId: string, sql: string, params: unknown[] = []) =>
      t.dataSource.transaction(async (em) => {
        await em.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
        return em.query<{ body: string }[]>(sql, params);
      });
    expect(await asTenant(customer.id, `SELECT body FROM escalation_messages`)).not.toEqual([]);
    for (const outsider of [third, unlinked, second]) {
      expect(await asTenant(outsider.id, `SELECT body FROM escalation_messages`)).toEqual([]);
    }
    expect(await asTenant(smith.id, `SELECT body FROM escalation_messages`)).not.toEqual([]);
    await expect(
      asTenant(
        unlinked.id,
        `INSERT INTO escalation_messages (tenant_id, id, escalation_id, partner_tenant_id, author_kind, author_id, author_name, body)
         VALUES ($1, gen_random_uuid(), $2, $3, 'partner', $3, 'Unlinked Locks', 'forged')`,
        [customer.id, esc.id, unlinked.id],
      ),
    ).rejects.toThrow(/row-level security/);
    await expect(
      asTenant(
        third.id,
        `INSERT INTO escalation_messages (tenant_id, id, escalation_id, partner_tenant_id, author_kind, author_id, author_name, body)
         VALUES ($1, gen_random_uuid(), $2, $3, 'user', $1, 'Third', 'forged')`,
        [customer.id, esc.id, smith.id],
      ),
    ).rejects.toThrow(/row-level security/);
    await expect(
      asTenant(smith.id, `UPDATE escalation_messages SET body = 'changed'`),
    ).rejects.toThrow(/permission denied/);
  });

  it('a partner loses the thread when re-routed away or unlinked; the next partner does not read the earlier one', async () => {
    const esc = await escalated(0, 'Motor runs but the bolt stays put');
    await post(agent, esc.id, 'First partner, please call ahead').expect(201);
    await post(smithPerson, esc.id, 'Will do').expect(201);
    await t.http
      .post(`/v1/escalations/${esc.id}/reroute`)
      .set(agent.auth)
      .send({ partnerId: second.id })
      .expect(200);
    expect(
      (await t.http.get(`/v1/escalations/${esc.id}/messages`).set(smithPerson.auth)).status,
    ).toBe(404);
    expect((await post(smithPerson, esc.id, 'Still there?')).status).toBe(404);
    expect(await thread(second.admin, esc.id)).toEqual([]);
    const hello = await post(second.admin, esc.id, 'Second Locks here');
    expect(hello.status).toBe(201);
    expect(hello.body).toMatchObject({ partnerTenantId: second.id });
    // The customer reads both threads, each message naming its partner.
    const all = await thread(agent, esc.id);
    expect(all.map((m) => [m.partnerTenantId, m.body])).toEqual([
      [smith.id, 'First partner, please call ahead'],
      [smith.id, 'Will do'],
      [second.id, 'Second Locks here'],
    ]);

    // Unlinked: the partner it is with reads nothing at once.
    await t.http.delete(`/v1/partners/${second.id}`).set(customer.admin.auth).expect(204);
    expect(
      (await t.http.get(`/v1/escalations/${esc.id}/messages`).set(second.admin.auth)).status,
    ).toBe(404);
    expect(
      await t.dataSource.transaction(async (em) => {
        await em.query(`select set_config('app.tenant_id', $1, true)`, [second.id]);
        return em.query<{ id: string }[]>(`SELECT id FROM escalation_messages`);
      }),
    ).toEqual([]);
  });
});
