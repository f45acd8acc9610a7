import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { StaleEscalationsJob } from '../src/escalation/jobs/stale-escalations.job.js';
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

/*
 * Escalations never dead-end: a queued escalation is routed as soon as a partner can take it
 * (linked, its area or capacity changed, a slot freed, or the periodic retry), the customer can
 * cancel or re-route it, and solving or closing the ticket closes it. All over HTTP.
 */

let t: TestApp;

interface Customer {
  tenant: TestTenant;
  agent: Session;
  fleet: TestFleet;
}

interface Escalation {
  id: string;
  status: string;
  partner: { id: string; name: string } | null;
  partnerTenantId: string | null;
  waitingFor: string | null;
  waitingReason: string | null;
  endReason: string | null;
  workOrder: Record<string, unknown>;
}

let next = 0;

/** A customer with one property (1100-148 Lisbon) and locks on it. */
async function newCustomer(locks = 3): Promise<Customer> {
  const tenant = await newTenant(t.http);
  return {
    tenant,
    agent: await newUser(t.http, tenant, 'agent'),
    fleet: await newFleet(t.http, tenant, locks),
  };
}

async function newSmith(name: string, profile: object): Promise<TestTenant> {
  const smith = await newTenant(t.http, { kind: 'locksmith', name: `${name} ${++next}` });
  await t.http.put('/v1/partner-profile').set(smith.admin.auth).send(profile).expect(200);
  return smith;
}

async function link(c: Customer, partner: TestTenant) {
  await t.http
    .post('/v1/partners')
    .set(c.tenant.admin.auth)
    .send({ handle: partner.handle })
    .expect(201);
}

async function ticket(c: Customer, lock: number, extra: object = {}) {
  const res = await t.http
    .post('/v1/tickets')
    .set(c.agent.auth)
    .send({
      separate: true,
      deviceId: c.fleet.devices[lock]!.id,
      description: 'Key will not turn',
      ...extra,
    });
  if (res.status !== 201) throw new Error(`ticket: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as {
    id: string;
    priority: string;
    diagnosis: { escalation: { recommended: boolean; reason: string } };
  };
}

async function escalate(c: Customer, ticketId: string, body: object = {}) {
  const res = await t.http
    .post(`/v1/tickets/${ticketId}/escalate`)
    .set(c.agent.auth)
    .send({ target: 'locksmith', ...body });
  if (res.status !== 200) throw new Error(`escalate: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Escalation & { ticket: { id: string; status: string; version: number } };
}

async function escalation(who: Session, id: string) {
  const res = await t.http.get(`/v1/escalations/${id}`).set(who.auth);
  return { status: res.status, body: res.body as Escalation };
}

async function eventTypes(c: Customer, ticketId: string): Promise<string[]> {
  const res = await t.http.get(`/v1/tickets/${ticketId}/events`).set(c.agent.auth).expect(200);
  return (res.body.data as { type: string }[]).map((e) => e.type);
}

async function events(c: Customer, ticketId: string, type: string) {
  const res = await t.http.get(`/v1/tickets/${ticketId}/events`).set(c.agent.auth).expect(200);
  return (res.body.data as { type: string; after: Record<string, unknown> }[]).filter(
    (e) => e.type === type,
  );
}

/** The webhook messages a tenant's outbox holds about an escalation (topic and payload). */
async function outbox(tenantId: string, escalationId: string) {
  const owner = await ownerClient(t.databaseUrl);
  try {
    const { rows } = await owner.query<{ topic: string; payload: Record<string, unknown> }>(
      `SELECT topic, payload FROM outbox WHERE tenant_id = $1 AND aggregate_id = $2 ORDER BY id`,
      [tenantId, escalationId],
    );
    return rows;
  } finally {
    await owner.end();
  }
}

async function claim(partner: TestTenant, id: string): Promise<string> {
  const res = await t.http.post(`/v1/escalations/${id}/claim`).set(partner.admin.auth);
  expect(res.status).toBe(200);
  return res.body.leaseToken as string;
}

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('a queued escalation leaves the queue', () => {
  it('when a covering partner is linked: queued with its reason, then routed, on the ticket too', async () => {
    const c = await newCustomer();
    const smith = await newSmith('Alfama Locks', { postalCodes: ['1100'] });
    const tk = await ticket(c, 0);

    const answer = await escalate(c, tk.id);
    expect(answer).toMatchObject({
      status: 'queued',
      partner: null,
      waitingFor: 'no_linked_partner_covers_property',
      waitingReason: expect.stringContaining('1100-148'),
      ticket: { id: tk.id, status: 'on_hold' },
    });
    const before = await t.http.get(`/v1/tickets/${tk.id}`).set(c.agent.auth).expect(200);
    expect(before.body.escalation).toEqual({
      id: answer.id,
      status: 'queued',
      queue: 'locksmith',
      partner: null,
      waitingFor: 'no_linked_partner_covers_property',
      scheduledAt: null,
      visitWindow: null,
      updatedAt: expect.any(String),
    });

    await link(c, smith);
    const routed = await escalation(c.agent, answer.id);
    expect(routed.body).toMatchObject({
      status: 'routed',
      partner: { id: smith.id, name: expect.stringContaining('Alfama Locks') },
      waitingFor: null,
    });
    const shown = await t.http.get(`/v1/tickets/${tk.id}`).set(c.agent.auth).expect(200);
    expect(shown.body.escalation).toMatchObject({
      status: 'routed',
      partner: { id: smith.id, name: expect.stringContaining('Alfama Locks') },
    });
    expect(await events(c, tk.id, 'escalation_routed')).toEqual([
      expect.objectContaining({
        after: expect.objectContaining({
          escalationId: answer.id,
          partner: { id: smith.id, name: expect.stringContaining('Alfama Locks') },
          waitedFor: 'no_linked_partner_covers_property',
        }),
      }),
    ]);
    expect((await outbox(smith.id, answer.id)).map((m) => m.topic)).toEqual(['escalation.routed']);
    // The partner sees it in its queue now.
    expect((await escalation(smith.admin, answer.id)).status).toBe(200);
  });

  it('answers a routed escalation with the partner’s name', async () => {
    const c = await newCustomer();
    const smith = await newSmith('Baixa Keys', { cities: ['Lisbon'] });
    await link(c, smith);
    const answer = await escalate(c, (await ticket(c, 0)).id);
    expect(answer).toMatchObject({
      status: 'routed',
      partner: { id: smith.id, name: expect.stringContaining('Baixa Keys') },
      waitingFor: null,
      waitingReason: null,
    });
  });

  it('when a linked partner widens its service area', async () => {
    const c = await newCustomer();
    const smith = await newSmith('Porto Locks', { postalCodes: ['4000'] });
    await link(c, smith);
    const answer = await escalate(c, (await ticket(c, 0)).id);
    expect(answer).toMatchObject({
      status: 'queued',
      waitingFor: 'no_linked_partner_covers_property',
    });
    await t.http
      .put('/v1/partner-profile')
      .set(smith.admin.auth)
      .send({ postalCodes: ['4000', '1100'] })
      .expect(200);
    expect((await escalation(c.agent, answer.id)).body).toMatchObject({
      status: 'routed',
      partnerTenantId: smith.id,
    });
  });

  it('waits for capacity, and is routed when the partner frees a slot (resolve, cancel) or raises it', async () => {
    // Capacity counts the partner's open jobs across all of its customers.
    const a = await newCustomer();
    const b = await newCustomer();
    const smith = await newSmith('One Van Locks', { postalCodes: ['1100'], capacity: 1 });
    await link(a, smith);
    await link(b, smith);

    const first = await escalate(a, (await ticket(a, 0)).id);
    expect(first).toMatchObject({ status: 'routed', partnerTenantId: smith.id });
    const waiting = await escalate(b, (await ticket(b, 0)).id);
    expect(waiting).toMatchObject({
      status: 'queued',
      partner: null,
      waitingFor: 'partners_at_capacity',
    });

    // The partner resolves A's job: B's escalation takes the slot.
    const token = await claim(smith, first.id);
    await t.http
      .post(`/v1/escalations/${first.id}/resolve`)
      .set(smith.admin.auth)
      .send({ confirmedCause: 'broken_key_stuck', notes: 'New cylinder', leaseToken: token })
      .expect(200);
    expect((await escalation(b.agent, waiting.id)).body).toMatchObject({
      status: 'routed',
      partnerTenantId: smith.id,
    });

    // A escalates again: full. B cancels its job: A's takes the slot.
    const again = await escalate(a, (await ticket(a, 1)).id);
    expect(again).toMatchObject({ status: 'queued', waitingFor: 'partners_at_capacity' });
    await t.http
      .post(`/v1/escalations/${waiting.id}/cancel`)
      .set(b.agent.auth)
      .send({ reason: 'Found the spare key' })
      .expect(200);
    expect((await escalation(a.agent, again.id)).body).toMatchObject({
      status: 'routed',
      partnerTenantId: smith.id,
    });

    // Full again; a higher capacity routes the next one.
    const third = await escalate(b, (await ticket(b, 1)).id);
    expect(third.waitingFor).toBe('partners_at_capacity');
    await t.http.put('/v1/partner-profile').set(smith.admin.auth).send({ capacity: 2 }).expect(200);
    expect((await escalation(b.agent, third.id)).body.status).toBe('routed');
  });

  it('when a decline frees the slot', async () => {
    const a = await newCustomer();
    const smith = await newSmith('Declining Locks', { postalCodes: ['1100'], capacity: 1 });
    await link(a, smith);
    const first = await escalate(a, (await ticket(a, 0)).id);
    const second = await escalate(a, (await ticket(a, 1)).id);
    expect(second.waitingFor).toBe('partners_at_capacity');
    const declined = await t.http
      .post(`/v1/escalations/${first.id}/decline`)
      .set(smith.admin.auth)
      .send({ reason: 'Not this one' })
      .expect(200);
    // The declined one has nowhere else to go; the other takes the freed slot.
    expect(declined.body).toMatchObject({
      status: 'queued',
      waitingFor: 'covering_partners_declined',
    });
    expect((await escalation(a.agent, second.id)).body.status).toBe('routed');
  });

  it('by the periodic job, when a change reached it without a request (retry)', async () => {
    const c = await newCustomer();
    const smith = await newSmith('Quiet Locks', { postalCodes: ['9999'] });
    await link(c, smith);
    const tk = await ticket(c, 0);
    const answer = await escalate(c, tk.id);
    expect(answer.status).toBe('queued');

    const job = t.app.get(StaleEscalationsJob);
    const idle = await job.runOnce();
    expect(idle.failed).toBe(0);
    expect((await escalation(c.agent, answer.id)).body.status).toBe('queued');

    // The area changes behind the API's back: only the job's retry can notice.
    const owner = await ownerClient(t.databaseUrl);
    try {
      await owner.query(
        `UPDATE partner_profiles SET postal_codes = '{1100}' WHERE tenant_id = $1`,
        [smith.id],
      );
    } finally {
      await owner.end();
    }
    const report = await job.runOnce();
    expect(report.routedFromQueue).toBeGreaterThanOrEqual(1);
    expect((await escalation(c.agent, answer.id)).body).toMatchObject({
      status: 'routed',
      partnerTenantId: smith.id,
    });
    expect(await eventTypes(c, tk.id)).toContain('escalation_routed');
  });
});

describe('the customer', () => {
  it('cancels an escalation with a reason: the partner is told, the ticket reopens, it can be escalated again', async () => {
    const c = await newCustomer();
    const smith = await newSmith('Cancelled Locks', { postalCodes: ['1100'] });
    await link(c, smith);
    const tk = await ticket(c, 0);
    const esc = await escalate(c, tk.id);
    await claim(smith, esc.id);

    const missing = await t.http
      .post(`/v1/escalations/${esc.id}/cancel`)
      .set(c.agent.auth)
      .send({});
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual([
      expect.objectContaining({ field: 'reason', message: expect.stringContaining('required') }),
    ]);
    // Partners cannot cancel; another customer cannot see it.
    expect(
      (
        await t.http
          .post(`/v1/escalations/${esc.id}/cancel`)
          .set(smith.admin.auth)
          .send({ reason: 'x' })
      ).status,
    ).toBe(403);
    const other = await newCustomer(0);
    expect(
      (
        await t.http
          .post(`/v1/escalations/${esc.id}/cancel`)
          .set(other.agent.auth)
          .send({ reason: 'x' })
      ).status,
    ).toBe(404);
    expect((await escalation(c.agent, esc.id)).body.status).toBe('claimed');

    const cancelled = await t.http
      .post(`/v1/escalations/${esc.id}/cancel`)
      .set(c.agent.auth)
      .send({ reason: 'The tenant found the spare key' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({
      status: 'cancelled',
      endReason: 'The tenant found the spare key',
      partner: { id: smith.id },
    });
    const ticketNow = await t.http.get(`/v1/tickets/${tk.id}`).set(c.agent.auth).expect(200);
    expect(ticketNow.body).toMatchObject({
      status: 'open',
      escalation: { id: esc.id, status: 'cancelled' },
    });
    expect(await events(c, tk.id, 'escalation_cancelled')).toEqual([
      expect.objectContaining({
        after: { escalationId: esc.id, reason: 'The tenant found the spare key', from: smith.id },
      }),
    ]);
    expect((await outbox(smith.id, esc.id)).map((m) => m.topic)).toEqual([
      'escalation.routed',
      'escalation.claimed',
      'escalation.cancelled',
    ]);
    // The partner still reads it, as cancelled, and can no longer work on it.
    expect((await escalation(smith.admin, esc.id)).body.status).toBe('cancelled');
    const late = await t.http.post(`/v1/escalations/${esc.id}/claim`).set(smith.admin.auth);
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ code: 'escalation_state', allowed: [] });

    const twice = await t.http
      .post(`/v1/escalations/${esc.id}/cancel`)
      .set(c.agent.auth)
      .send({ reason: 'again' });
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({ code: 'escalation_state', allowed: [] });

    const again = await escalate(c, tk.id);
    expect(again).toMatchObject({ status: 'routed', partnerTenantId: smith.id });
    expect(again.id).not.toBe(esc.id);
  });

  it('re-routes an escalation to a linked partner of its choice', async () => {
    const c = await newCustomer();
    const first = await newSmith('First Choice', { postalCodes: ['1100'] });
    const chosen = await newSmith('Far Away Locks', { postalCodes: ['9000'] });
    const unlinked = await newSmith('Unlinked Locks', { postalCodes: ['1100'] });
    const maker = await newTenant(t.http, { kind: 'manufacturer', name: 'Maker' });
    await link(c, first);
    await link(c, chosen);
    await link(c, maker);
    const tk = await ticket(c, 0);
    const esc = await escalate(c, tk.id);
    expect(esc.partnerTenantId).toBe(first.id);
    await claim(first, esc.id);

    for (const partnerId of [unlinked.id, maker.id, 'not-a-uuid']) {
      const refused = await t.http
        .post(`/v1/escalations/${esc.id}/reroute`)
        .set(c.agent.auth)
        .send({ partnerId });
      expect({ partnerId, status: refused.status }).toEqual({ partnerId, status: 400 });
      expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'partnerId' })]);
    }
    const same = await t.http
      .post(`/v1/escalations/${esc.id}/reroute`)
      .set(c.agent.auth)
      .send({ partnerId: first.id });
    expect(same.status).toBe(409);
    expect(same.body.code).toBe('escalation_state');

    // The chosen partner does not cover the property: the customer's choice overrides it.
    const moved = await t.http
      .post(`/v1/escalations/${esc.id}/reroute`)
      .set(c.agent.auth)
      .send({ partnerId: chosen.id });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({
      status: 'routed',
      partner: { id: chosen.id, name: expect.stringContaining('Far Away Locks') },
      leaseExpiresAt: null,
    });
    expect((await escalation(first.admin, esc.id)).status).toBe(404);
    expect((await escalation(chosen.admin, esc.id)).status).toBe(200);
    const firstMessages = await outbox(first.id, esc.id);
    expect(firstMessages.at(-1)).toMatchObject({
      topic: 'escalation.revoked',
      payload: { reason: 'rerouted' },
    });
    expect((await outbox(chosen.id, esc.id)).map((m) => m.topic)).toEqual(['escalation.routed']);
    expect(await events(c, tk.id, 'escalation_rerouted')).toEqual([
      expect.objectContaining({
        after: expect.objectContaining({
          escalationId: esc.id,
          from: first.id,
          partner: { id: chosen.id, name: expect.stringContaining('Far Away Locks') },
        }),
      }),
    ]);
    // A queued escalation can be re-routed too.
    const c2 = await newCustomer();
    const queued = await escalate(c2, (await ticket(c2, 0)).id);
    expect(queued.status).toBe('queued');
    await link(c2, chosen);
    const picked = await t.http
      .post(`/v1/escalations/${queued.id}/reroute`)
      .set(c2.agent.auth)
      .send({ partnerId: chosen.id });
    expect(picked.body).toMatchObject({ status: 'routed', partnerTenantId: chosen.id });
  });
});

describe('the ticket closes its escalation', () => {
  it('when the desk solves it: closed, on the timeline, the partner told and unable to resolve', async () => {
    const c = await newCustomer();
    const smith = await newSmith('Too Late Locks', { postalCodes: ['1100'] });
    await link(c, smith);
    const tk = await ticket(c, 0);
    const esc = await escalate(c, tk.id);
    const token = await claim(smith, esc.id);

    await t.http
      .post(`/v1/tickets/${tk.id}/resolve`)
      .set(c.agent.auth)
      .send({ confirmedCause: 'broken_key_stuck', resolution: 'The caretaker got it out' })
      .expect(200);
    expect((await escalation(c.agent, esc.id)).body).toMatchObject({
      status: 'closed',
      endReason: 'ticket_solved',
      leaseExpiresAt: null,
    });
    const shown = await t.http.get(`/v1/tickets/${tk.id}`).set(c.agent.auth).expect(200);
    expect(shown.body).toMatchObject({
      status: 'solved',
      escalation: { id: esc.id, status: 'closed' },
    });
    expect(await events(c, tk.id, 'escalation_closed')).toEqual([
      expect.objectContaining({
        after: expect.objectContaining({
          escalationId: esc.id,
          reason: 'ticket_solved',
          from: smith.id,
        }),
      }),
    ]);
    expect((await outbox(smith.id, esc.id)).at(-1)).toMatchObject({
      topic: 'escalation.closed',
      payload: { reason: 'ticket_solved' },
    });
    const resolve = await t.http
      .post(`/v1/escalations/${esc.id}/resolve`)
      .set(smith.admin.auth)
      .send({ confirmedCause: 'broken_key_stuck', notes: 'x', leaseToken: token });
    expect(resolve.status).toBe(409);
    expect(resolve.body).toMatchObject({ code: 'escalation_state', allowed: [] });
    const decline = await t.http
      .post(`/v1/escalations/${esc.id}/decline`)
      .set(smith.admin.auth)
      .send({ reason: 'x' });
    expect(decline.status).toBe(409);
    const reroute = await t.http
      .post(`/v1/escalations/${esc.id}/reroute`)
      .set(c.agent.auth)
      .send({ partnerId: smith.id });
    expect(reroute.status).toBe(409);
    expect(reroute.body.code).toBe('escalation_state');
  });

  it('when the desk closes it, a queued one included', async () => {
    const c = await newCustomer();
    const tk = await ticket(c, 0);
    const esc = await escalate(c, tk.id);
    expect(esc.status).toBe('queued');
    const current = await t.http.get(`/v1/tickets/${tk.id}`).set(c.agent.auth);
    await t.http
      .patch(`/v1/tickets/${tk.id}`)
      .set(c.agent.auth)
      .set('If-Match', `"${current.body.version as number}"`)
      .send({ status: 'closed' })
      .expect(200);
    expect((await escalation(c.agent, esc.id)).body).toMatchObject({
      status: 'closed',
      endReason: 'ticket_closed',
      waitingFor: null,
    });
    // The job's retry no longer sees it.
    const smith = await newSmith('After Close Locks', { postalCodes: ['1100'] });
    await link(c, smith);
    expect((await escalation(c.agent, esc.id)).body.status).toBe('closed');
  });
});

describe('the work order of an early escalation', () => {
  it('carries the agent’s reason instead of “Not yet”, and the ticket’s priority as its urgency', async () => {
    const c = await newCustomer();
    const smith = await newSmith('Early Locks', { postalCodes: ['1100'] });
    await link(c, smith);
    const tk = await ticket(c, 0, {
      description: 'The keypad does not respond',
      priority: 'high',
    });
    // The premise: the diagnosis would not escalate yet.
    expect(tk.diagnosis.escalation).toMatchObject({
      recommended: false,
      reason: expect.stringMatching(/^Not yet/),
    });
    const esc = await escalate(c, tk.id, { reason: 'Elderly resident, cannot try the steps' });
    const seen = await escalation(smith.admin, esc.id);
    expect(seen.body.workOrder).toMatchObject({
      urgency: 'high',
      escalationReason: 'Elderly resident, cannot try the steps',
      diagnosis: {
        recommendation: 'Escalated by the desk: Elderly resident, cannot try the steps',
      },
    });
    expect(JSON.stringify(seen.body.workOrder)).not.toContain('Not yet');
  });
});

describe('capacity across customers', () => {
  it('is counted by a function that answers only for the calling customer’s linked partners', async () => {
    const a = await newCustomer(0);
    const stranger = await newCustomer(0);
    const smith = await newSmith('Counted Locks', { postalCodes: ['1100'] });
    await link(a, smith);
    const owner = await ownerClient(t.databaseUrl);
    try {
      const asTenant = async (tenantId: string) => {
        await owner.query('BEGIN');
        await owner.query(`SET LOCAL ROLE lockdesk_app`);
        await owner.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
        const { rows } = await owner.query<{ partner: string; open: number }>(
          `SELECT partner, open FROM partner_open_jobs(ARRAY[$1::uuid])`,
          [smith.id],
        );
        await owner.query('ROLLBACK');
        return rows;
      };
      expect(await asTenant(a.tenant.id)).toEqual([{ partner: smith.id, open: 0 }]);
      expect(await asTenant(stranger.tenant.id)).toEqual([]);
      const { rows } = await owner.query<{ name: string; definer: boolean; public: boolean }>(
        `SELECT p.proname AS name, p.prosecdef AS definer,
                EXISTS (SELECT 1 FROM aclexplode(p.proacl) x WHERE x.grantee = 0) AS public
           FROM pg_proc p
          WHERE p.proname IN ('partner_open_jobs', 'queued_escalation_customers', 'due_queued_escalation_tenants')
          ORDER BY 1`,
      );
      expect(rows).toEqual([
        { name: 'due_queued_escalation_tenants', definer: true, public: false },
        { name: 'partner_open_jobs', definer: true, public: false },
        { name: 'queued_escalation_customers', definer: true, public: false },
      ]);
    } finally {
      await owner.end();
    }
  });
});
