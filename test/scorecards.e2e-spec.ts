import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ownerClient } from './support/database.js';
import { startTestApp, type TestApp } from './support/app.js';
import {
  newFleet,
  newTenant,
  newUser,
  type Session,
  type TestFleet,
  type TestTenant,
} from './support/factories.js';

/**
 * Partner scorecards over a generated history of escalations across two customers, and the
 * routing rule that prefers the better partner when coverage and load tie.
 */

let t: TestApp;

interface Customer {
  tenant: TestTenant;
  agent: Session;
  fleet: TestFleet;
}

let n = 0;
async function newCustomer(): Promise<Customer> {
  const tenant = await newTenant(t.http);
  return {
    tenant,
    agent: await newUser(t.http, tenant, 'agent'),
    fleet: await newFleet(t.http, tenant, 3),
  };
}
async function newSmith(name: string): Promise<TestTenant> {
  const smith = await newTenant(t.http, { kind: 'locksmith', name: `${name} ${++n}` });
  await t.http
    .put('/v1/partner-profile')
    .set(smith.admin.auth)
    .send({ postalCodes: ['1100'] })
    .expect(200);
  return smith;
}
async function link(c: Customer, partner: TestTenant) {
  await t.http
    .post('/v1/partners')
    .set(c.tenant.admin.auth)
    .send({ handle: partner.handle })
    .expect(201);
}
/** A ticket escalated to a locksmith: the escalation's id, partner and the work order's top cause. */
async function escalated(c: Customer, lock: number) {
  const tk = await t.http.post('/v1/tickets').set(c.agent.auth).send({
    deviceId: c.fleet.devices[lock]!.id,
    separate: true,
    description: 'Key will not turn',
  });
  expect(tk.status).toBe(201);
  const res = await t.http
    .post(`/v1/tickets/${tk.body.id}/escalate`)
    .set(c.agent.auth)
    .send({ target: 'locksmith' });
  expect(res.status).toBe(200);
  return {
    ticketId: tk.body.id as string,
    id: res.body.id as string,
    partner: res.body.partnerTenantId as string | null,
    topCause: (res.body.workOrder.diagnosis.likelyCauses[0].code as string) ?? null,
  };
}
async function claim(p: TestTenant, id: string): Promise<string> {
  const res = await t.http.post(`/v1/escalations/${id}/claim`).set(p.admin.auth);
  expect(res.status).toBe(200);
  return res.body.leaseToken as string;
}
async function resolve(p: TestTenant, id: string, token: string, cause: string) {
  await t.http
    .post(`/v1/escalations/${id}/resolve`)
    .set(p.admin.auth)
    .send({ confirmedCause: cause, notes: 'Fixed', leaseToken: token })
    .expect(200);
}
async function scorecards(who: Session) {
  const res = await t.http.get('/v1/scorecards').set(who.auth);
  expect(res.status).toBe(200);
  return res.body as { data: (Record<string, unknown> & { partner: { id: string } })[] };
}

let a: Customer;
let c: Customer;
let stranger: Customer;
let s1: TestTenant;
let s2: TestTenant;
const OTHER_CAUSE = 'battery_depleted';

beforeAll(async () => {
  t = await startTestApp();
  a = await newCustomer();
  c = await newCustomer();
  stranger = await newCustomer();
  s1 = await newSmith('First Fix');
  s2 = await newSmith('Second Try');
}, 60_000);
afterAll(async () => {
  await t.close();
});

describe('partner scorecards', () => {
  it('routes to the better partner on a tie, and scores each partner across its customers', async () => {
    // C links S1 only: S1 fixes C's lock the first time (its score rises above a new partner's).
    await link(c, s1);
    const c1 = await escalated(c, 0);
    expect(c1.partner).toBe(s1.id);
    await resolve(s1, c1.id, await claim(s1, c1.id), c1.topCause);
    // C rates that resolution: it joins S1's card, for every customer who sees it.
    await t.http
      .post(`/v1/tickets/${c1.ticketId}/rating`)
      .set(c.tenant.admin.auth)
      .send({ score: 5, comment: 'Quick and clean' })
      .expect(201);

    // A links S2 first, then S1: both cover the property, both idle; S1 has the better score.
    await link(a, s2);
    await link(a, s1);
    const a1 = await escalated(a, 0);
    expect(a1.partner).toBe(s1.id);
    const token = await claim(s1, a1.id);
    const visit = new Date(Date.now() + 3_600_000).toISOString();
    await t.http
      .post(`/v1/escalations/${a1.id}/schedule`)
      .set(s1.admin.auth)
      .send({ at: visit, leaseToken: token })
      .expect(200);
    await resolve(s1, a1.id, token, a1.topCause);

    // S1 declines A's next one: it goes to S2, which confirms another cause; A reopens the ticket.
    const a2 = await escalated(a, 1);
    expect(a2.partner).toBe(s1.id);
    const declined = await t.http
      .post(`/v1/escalations/${a2.id}/decline`)
      .set(s1.admin.auth)
      .send({ reason: 'No parts' });
    expect(declined.status).toBe(200);
    expect(declined.body.partnerTenantId).toBe(s2.id);
    await resolve(s2, a2.id, await claim(s2, a2.id), OTHER_CAUSE);
    const tk = await t.http.get(`/v1/tickets/${a2.ticketId}`).set(a.agent.auth);
    await t.http
      .patch(`/v1/tickets/${a2.ticketId}`)
      .set(a.agent.auth)
      .set('if-match', String(tk.body.version))
      .send({ status: 'open', reason: 'It jammed again' })
      .expect(200);

    const s1Card = {
      partner: { id: s1.id, name: expect.any(String), kind: 'locksmith' },
      received: 3,
      claimed: 2,
      medianMinutesToClaim: expect.any(Number),
      scheduled: 1,
      medianMinutesToSchedule: expect.any(Number),
      resolved: 2,
      visits: 1,
      visitsOnTime: 1,
      onTimeRate: 1,
      firstTimeFixes: 2,
      firstTimeFixRate: 1,
      causeChecked: 2,
      causeMatched: 2,
      causeMatchRate: 1,
      declined: 1,
      declineRate: 0.3333,
      ratings: { average: 5, count: 1 },
    };
    const s2Card = {
      partner: { id: s2.id, name: expect.any(String), kind: 'locksmith' },
      received: 1,
      claimed: 1,
      medianMinutesToClaim: expect.any(Number),
      scheduled: 0,
      medianMinutesToSchedule: null,
      resolved: 1,
      visits: 0,
      visitsOnTime: 0,
      onTimeRate: null,
      firstTimeFixes: 0,
      firstTimeFixRate: 0,
      causeChecked: 1,
      causeMatched: OTHER_CAUSE === a2.topCause ? 1 : 0,
      causeMatchRate: OTHER_CAUSE === a2.topCause ? 1 : 0,
      declined: 0,
      declineRate: 0,
      ratings: { average: null, count: 0 },
    };
    // The customer: its linked partners, oldest link first; figures across all customers.
    expect((await scorecards(a.agent)).data).toEqual([s2Card, s1Card]);
    // Another customer of S1's sees the same figures for S1, and nothing of S2.
    expect((await scorecards(c.agent)).data).toEqual([s1Card]);
    // A partner sees its own.
    expect((await scorecards(s1.admin)).data).toEqual([s1Card]);
    expect((await scorecards(s2.admin)).data).toEqual([s2Card]);
    // A customer linking nobody sees none.
    expect((await scorecards(stranger.agent)).data).toEqual([]);
    // A period before any of it counts nothing.
    const before = await t.http
      .get('/v1/scorecards')
      .query({ from: '2020-01-01', to: '2020-02-01' })
      .set(a.agent.auth);
    expect(before.body.data[0]).toMatchObject({ received: 0, resolved: 0, declineRate: null });
    const bad = await t.http.get('/v1/scorecards').query({ from: '2026-02-01', to: '2026-01-01' });
    expect(bad.status).toBe(401);
    const badAuthed = await t.http
      .get('/v1/scorecards')
      .query({ from: '2026-02-01', to: '2026-01-01' })
      .set(a.agent.auth);
    expect(badAuthed.status).toBe(400);
  });

  it('keeps assignments to their customer and partner; another tenant sees none of them', async () => {
    const owner = await ownerClient(t.databaseUrl);
    try {
      const seen = async (tenantId: string) => {
        await owner.query('BEGIN');
        await owner.query(`SET LOCAL ROLE lockdesk_app`);
        await owner.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
        const { rows } = await owner.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM partner_assignments`,
        );
        const figures = await owner.query(
          `SELECT * FROM partner_scorecards(ARRAY[$1::uuid, $2::uuid], now() - interval '1 day', now() + interval '1 day')`,
          [s1.id, s2.id],
        );
        await owner.query('ROLLBACK');
        return { rows: rows[0]!.n, partners: figures.rows.length };
      };
      expect(await seen(a.tenant.id)).toEqual({ rows: 3, partners: 2 });
      expect(await seen(c.tenant.id)).toEqual({ rows: 1, partners: 1 });
      expect(await seen(s1.id)).toEqual({ rows: 3, partners: 1 });
      expect(await seen(s2.id)).toEqual({ rows: 1, partners: 1 });
      expect(await seen(stranger.tenant.id)).toEqual({ rows: 0, partners: 0 });
      // The runtime role only reads it: the trigger writes.
      await owner.query('BEGIN');
      await owner.query(`SET LOCAL ROLE lockdesk_app`);
      await owner.query(`SELECT set_config('app.tenant_id', $1, true)`, [a.tenant.id]);
      await expect(owner.query(`DELETE FROM partner_assignments`)).rejects.toThrow(
        /permission denied/,
      );
      await owner.query('ROLLBACK');
    } finally {
      await owner.end();
    }
  });
});
