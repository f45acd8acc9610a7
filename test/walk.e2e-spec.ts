import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from './support/app.js';
import {
  newFleet,
  newTenant,
  newUser,
  type Session,
  type TestTenant,
} from './support/factories.js';

/*
 * The three users' walk, start to end, over HTTP on real PostgreSQL (every answer is checked
 * against the OpenAPI document by the test app): a property manager reports a lock by its
 * serial, an agent escalates before any partner covers the property (queued), cancels, escalates
 * again, a locksmith is linked and takes it, the agent re-routes it to a second locksmith, the
 * two sides talk in the thread, the locksmith claims, books a visit window and resolves, and the
 * manager reopens (with a reason), then confirms and rates the fix.
 */

let t: TestApp;
let customer: TestTenant;
let manager: Session;
let agent: Session;

beforeAll(async () => {
  t = await startTestApp();
  customer = await newTenant(t.http, { name: 'Harbor Property Group' });
  manager = await newUser(t.http, customer, 'manager');
  agent = await newUser(t.http, customer, 'agent');
});
afterAll(async () => {
  await t.close();
});

async function locksmith(name: string): Promise<TestTenant> {
  const smith = await newTenant(t.http, { kind: 'locksmith', name });
  await t.http
    .put('/v1/partner-profile')
    .set(smith.admin.auth)
    .send({ postalCodes: ['1100'], capacity: 5 })
    .expect(200);
  return smith;
}

async function ticketNow(id: string) {
  const res = await t.http.get(`/v1/tickets/${id}`).set(manager.auth).expect(200);
  return res.body as {
    status: string;
    version: number;
    escalation: { id: string; status: string; partner: { name: string } | null } | null;
    rating: { score: number } | null;
  };
}

describe("the three users' walk", () => {
  it('from a report by serial to a confirmed, rated fix, through a queue, a cancel and a re-route', async () => {
    const fleet = await newFleet(t.http, customer, 2);
    const serial = fleet.devices[0]!.serial;

    // The manager reports the lock the way people do: by its serial, in their own words.
    const report = await t.http.post('/v1/tickets').set(manager.auth).send({
      serial,
      description: 'The bolt does not move and the tenant is locked out',
    });
    expect(report.status).toBe(201);
    expect(report.body).toMatchObject({ existing: false, priority: 'urgent' });
    const ticketId = report.body.id as string;

    // Reporting again does not open a silent duplicate: the same ticket answers, flagged.
    const again = await t.http
      .post('/v1/tickets')
      .set(manager.auth)
      .send({ serial, description: 'Still stuck this morning' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: ticketId, existing: true });

    // The agent escalates before any partner covers the property: queued, saying why.
    const queued = await t.http
      .post(`/v1/tickets/${ticketId}/escalate`)
      .set(agent.auth)
      .send({ target: 'locksmith', reason: 'Bolt seized; needs hands on site' });
    expect(queued.status).toBe(200);
    expect(queued.body).toMatchObject({ status: 'queued', partner: null });
    expect(queued.body.waitingFor).toEqual(expect.any(String));

    // Cancelled, then escalated again (no dead end).
    await t.http
      .post(`/v1/escalations/${queued.body.id}/cancel`)
      .set(agent.auth)
      .send({ reason: 'Trying the spare key first' })
      .expect(200);
    const second = await t.http
      .post(`/v1/tickets/${ticketId}/escalate`)
      .set(agent.auth)
      .send({
        target: 'locksmith',
        reason: 'Spare key did not help',
        contact: { name: 'Marta Silva', phone: '+351 213 000 111' },
      });
    expect(second.status).toBe(200);
    expect(second.body.status).toBe('queued');
    const escalationId = second.body.id as string;

    // A locksmith covering the area is linked: the queued escalation is routed to it at once.
    const first = await locksmith('Alfama Locks');
    await t.http
      .post('/v1/partners')
      .set(customer.admin.auth)
      .send({ handle: first.handle })
      .expect(201);
    expect((await ticketNow(ticketId)).escalation).toMatchObject({
      id: escalationId,
      status: 'routed',
      partner: { name: 'Alfama Locks' },
    });

    // The agent re-routes it to a second linked locksmith of their choice.
    const chosen = await locksmith('Baixa Keys');
    await t.http
      .post('/v1/partners')
      .set(customer.admin.auth)
      .send({ handle: chosen.handle })
      .expect(201);
    const rerouted = await t.http
      .post(`/v1/escalations/${escalationId}/reroute`)
      .set(agent.auth)
      .send({ partnerId: chosen.id });
    expect(rerouted.status).toBe(200);
    expect(rerouted.body).toMatchObject({ status: 'routed', partner: { name: 'Baixa Keys' } });
    // The first locksmith no longer sees it.
    await t.http.get(`/v1/escalations/${escalationId}`).set(first.admin.auth).expect(404);

    // The chosen locksmith reads a work order it can act on.
    const order = await t.http
      .get(`/v1/escalations/${escalationId}`)
      .set(chosen.admin.auth)
      .expect(200);
    expect(order.body.workOrder).toMatchObject({
      description: 'The bolt does not move and the tenant is locked out',
      escalationReason: 'Spare key did not help',
      contact: { name: 'Marta Silva', phone: '+351 213 000 111' },
      urgency: 'urgent',
      property: { unit: expect.any(String) },
    });

    // Both sides talk on the job; the partner's words reach the customer's timeline.
    await t.http
      .post(`/v1/escalations/${escalationId}/messages`)
      .set(agent.auth)
      .send({ body: 'The concierge has the master key' })
      .expect(201);
    await t.http
      .post(`/v1/escalations/${escalationId}/messages`)
      .set(chosen.admin.auth)
      .send({ body: 'On my way after 9' })
      .expect(201);
    const thread = await t.http
      .get(`/v1/escalations/${escalationId}/messages`)
      .set(chosen.admin.auth)
      .expect(200);
    expect(
      (thread.body.data as { body: string; author: { kind: string } }[]).map(
        (m) => `${m.author.kind}: ${m.body}`,
      ),
    ).toEqual(['user: The concierge has the master key', 'partner: On my way after 9']);

    // The locksmith claims, books a visit window and resolves: the ticket is solved.
    const claimed = await t.http
      .post(`/v1/escalations/${escalationId}/claim`)
      .set(chosen.admin.auth)
      .expect(200);
    const leaseToken = claimed.body.leaseToken as string;
    const from = new Date(Date.now() + 3_600_000);
    const to = new Date(from.getTime() + 3 * 3_600_000);
    const scheduled = await t.http
      .post(`/v1/escalations/${escalationId}/schedule`)
      .set(chosen.admin.auth)
      .send({ visitWindow: { from: from.toISOString(), to: to.toISOString() }, leaseToken });
    expect(scheduled.status).toBe(200);
    expect(scheduled.body.visitWindow).toEqual({ from: from.toISOString(), to: to.toISOString() });
    await t.http
      .post(`/v1/escalations/${escalationId}/resolve`)
      .set(chosen.admin.auth)
      .send({ confirmedCause: 'obstruction_debris', notes: 'Strike plate re-cut', leaseToken })
      .expect(200);
    let now = await ticketNow(ticketId);
    expect(now.status).toBe('solved');

    // The manager reopens it within the window, with a reason; the desk solves it again.
    const reopened = await t.http
      .post(`/v1/tickets/${ticketId}/reopen`)
      .set(manager.auth)
      .set('If-Match', `"${now.version}"`)
      .send({ reason: 'It stuck again tonight' });
    expect(reopened.status).toBe(200);
    expect(reopened.body.status).toBe('open');
    await t.http
      .post(`/v1/tickets/${ticketId}/resolve`)
      .set(agent.auth)
      .send({ confirmedCause: 'door_misalignment', resolution: 'Hinges tightened' })
      .expect(200);

    // ... then confirms it (closed) and rates the fix.
    now = await ticketNow(ticketId);
    const confirmed = await t.http
      .post(`/v1/tickets/${ticketId}/confirm`)
      .set(manager.auth)
      .set('If-Match', `"${now.version}"`);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('closed');
    await t.http
      .post(`/v1/tickets/${ticketId}/rating`)
      .set(manager.auth)
      .send({ score: 4, comment: 'Fixed, second time' })
      .expect(201);
    expect((await ticketNow(ticketId)).rating).toMatchObject({ score: 4 });

    // The timeline names who did what, people and companies, never bare ids.
    const events = await t.http.get(`/v1/tickets/${ticketId}/events`).set(manager.auth).expect(200);
    const said = (events.body.data as { type: string; actor: { name: string; kind: string } }[])
      .filter((e) => ['escalation_message', 'reopened', 'rated'].includes(e.type))
      .map((e) => `${e.type} by ${e.actor.kind} ${e.actor.name}`);
    expect(said).toEqual([
      'escalation_message by partner Baixa Keys',
      expect.stringMatching(/^reopened by user /),
      expect.stringMatching(/^rated by user /),
    ]);
  });
});
