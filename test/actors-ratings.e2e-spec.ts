/**
 * Who acted, by name ({id, name, kind}) in comments, steps, the timeline, escalations and
 * resolutions; a manager confirming, reopening and rating a solved ticket; ratings in the
 * partner's record; the ratings table isolated by tenant.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TestClock } from '../src/common/clock.js';
import { startTestApp, type TestApp } from './support/app.js';
import {
  newFleet,
  newTenant,
  newUser,
  type Session,
  type TestFleet,
  type TestTenant,
} from './support/factories.js';

interface Actor {
  id: string | null;
  name: string;
  kind: string;
}

const clock = new TestClock(new Date());
let t: TestApp;
let customer: TestTenant;
let agent: Session;
let manager: Session;
let fleet: TestFleet;
let smithCo: TestTenant;
let smith: Session;
let other: TestTenant;
let otherManager: Session;
let otherFleet: TestFleet;
let device = 0;

const me = (s: Session, name: string): Actor => ({ id: s.userId, name, kind: 'user' });

async function newTicket(by: Session = manager, f: TestFleet = fleet) {
  const res = await t.http
    .post('/v1/tickets')
    .set(by.auth)
    .send({
      deviceId: f.devices[device++ % f.devices.length]!.id,
      description: 'Key will not turn',
      separate: true,
    });
  expect(res.status).toBe(201);
  return res.body as { id: string; version: number };
}

async function solved(by: Session = agent) {
  const tk = await newTicket();
  const res = await t.http
    .post(`/v1/tickets/${tk.id}/resolve`)
    .set(by.auth)
    .send({ confirmedCause: 'battery_depleted', resolution: 'New batteries' });
  expect(res.status).toBe(200);
  return { id: tk.id, version: res.body.version as number };
}

/** A ticket the locksmith company solved through an escalation. */
async function solvedByPartner() {
  const tk = await newTicket();
  const esc = await t.http
    .post(`/v1/tickets/${tk.id}/escalate`)
    .set(agent.auth)
    .send({ target: 'locksmith', reason: 'Cylinder' });
  expect(esc.status).toBe(200);
  expect(esc.body.partner).toEqual({ id: smithCo.id, name: 'Feedback Locks', kind: 'partner' });
  const claim = await t.http.post(`/v1/escalations/${esc.body.id}/claim`).set(smith.auth);
  expect(claim.status).toBe(200);
  const done = await t.http.post(`/v1/escalations/${esc.body.id}/resolve`).set(smith.auth).send({
    confirmedCause: 'broken_key_stuck',
    notes: 'Extracted the key',
    leaseToken: claim.body.leaseToken,
  });
  expect(done.status).toBe(200);
  const got = await t.http.get(`/v1/tickets/${tk.id}`).set(manager.auth).expect(200);
  return { id: tk.id, escalationId: esc.body.id as string, version: got.body.version as number };
}

function confirm(id: string, version: number | null, as: Session = manager) {
  const req = t.http.post(`/v1/tickets/${id}/confirm`).set(as.auth);
  return version === null ? req : req.set('If-Match', `"${version}"`);
}

function reopen(id: string, version: number, body: object, as: Session = manager) {
  return t.http
    .post(`/v1/tickets/${id}/reopen`)
    .set(as.auth)
    .set('If-Match', String(version))
    .send(body);
}

function rate(id: string, body: object, as: Session = manager) {
  return t.http.post(`/v1/tickets/${id}/rating`).set(as.auth).send(body);
}

async function events(id: string, as: Session = agent) {
  const res = await t.http.get(`/v1/tickets/${id}/events`).query({ limit: 200 }).set(as.auth);
  expect(res.status).toBe(200);
  return res.body.data as { type: string; actor: Actor; after: Record<string, unknown> | null }[];
}

beforeAll(async () => {
  t = await startTestApp({}, { clock });
  customer = await newTenant(t.http, { name: 'Harbor Homes' });
  agent = await newUser(t.http, customer, 'agent');
  manager = await newUser(t.http, customer, 'manager');
  fleet = await newFleet(t.http, customer, 6);
  smithCo = await newTenant(t.http, { kind: 'locksmith', name: 'Feedback Locks' });
  smith = await newUser(t.http, smithCo, 'locksmith');
  await t.http
    .put('/v1/partner-profile')
    .set(smithCo.admin.auth)
    .send({ postalCodes: ['1100'], capacity: 50 })
    .expect(200);
  other = await newTenant(t.http, { name: 'Other Homes' });
  otherManager = await newUser(t.http, other, 'manager');
  otherFleet = await newFleet(t.http, other, 1);
  for (const c of [customer, other])
    await t.http
      .post('/v1/partners')
      .set(c.admin.auth)
      .send({ handle: smithCo.handle })
      .expect(201);
});
afterAll(async () => {
  await t?.close();
});

describe('who acted, by name', () => {
  it('names comment authors and step performers, and keeps a removed person’s name', async () => {
    const tk = await newTicket();
    const noter = await newUser(t.http, customer, 'agent');
    const posted = await t.http
      .post(`/v1/tickets/${tk.id}/comments`)
      .set(noter.auth)
      .send({ body: 'Looking into it' });
    expect(posted.status).toBe(201);
    expect(posted.body.author).toEqual(me(noter, 'A agent'));
    expect(posted.body).not.toHaveProperty('authorId');
    const step = await t.http
      .post(`/v1/tickets/${tk.id}/steps`)
      .set(noter.auth)
      .send({ step: 'replace_batteries', outcome: 'not_fixed' });
    expect(step.status).toBe(200);
    expect(step.body.stepsTried[0].by).toEqual(me(noter, 'A agent'));

    await t.http.delete(`/v1/users/${noter.userId}`).set(customer.admin.auth).expect(204);
    const comments = await t.http.get(`/v1/tickets/${tk.id}/comments`).set(manager.auth);
    expect(comments.body.data).toEqual([
      expect.objectContaining({ body: 'Looking into it', author: me(noter, 'A agent') }),
    ]);
    const timeline = await events(tk.id, manager);
    expect(timeline.find((e) => e.type === 'comment_added')!.actor).toEqual(me(noter, 'A agent'));
    expect(timeline.find((e) => e.type === 'created')!.actor).toEqual(me(manager, 'A manager'));
    const got = await t.http.get(`/v1/tickets/${tk.id}`).set(manager.auth);
    expect(got.body.stepsTried[0].by).toEqual(me(noter, 'A agent'));
    expect(got.body).toMatchObject({ resolvedBy: null, rating: null });
  });

  it('names a partner’s acts by the company, never its person, and the resolution by who solved it', async () => {
    const p = await solvedByPartner();
    const timeline = await events(p.id);
    const company: Actor = { id: smithCo.id, name: 'Feedback Locks', kind: 'partner' };
    expect(timeline.find((e) => e.type === 'escalated')!.actor).toEqual(me(agent, 'A agent'));
    expect(timeline.find((e) => e.type === 'escalation_resolved')!.actor).toEqual(company);
    expect(JSON.stringify(timeline)).not.toContain(smith.userId);

    const got = await t.http.get(`/v1/tickets/${p.id}`).set(manager.auth).expect(200);
    expect(got.body.resolvedBy).toEqual(company);
    expect(got.body.escalation.partner).toEqual(company);

    // The escalation: the customer sees the company holding the claim, the partner its person.
    const asCustomer = await t.http.get(`/v1/escalations/${p.escalationId}`).set(agent.auth);
    expect(asCustomer.body).toMatchObject({ partner: company, claimedBy: company });
    const asPartner = await t.http.get(`/v1/escalations/${p.escalationId}`).set(smith.auth);
    expect(asPartner.body.claimedBy).toEqual(me(smith, 'A locksmith'));
    const list = await t.http.get('/v1/escalations').query({ ticketId: p.id }).set(agent.auth);
    expect(list.body.data[0]).toMatchObject({ partner: company, claimedBy: company });

    const desk = await solved(agent);
    const deskView = await t.http.get(`/v1/tickets/${desk.id}`).set(manager.auth);
    expect(deskView.body.resolvedBy).toEqual(me(agent, 'A agent'));
  });

  it('names the system for what no person did', async () => {
    const tk = await newTicket();
    // A reporter's reply on a pending ticket moves it back to open as the system.
    await t.http
      .patch(`/v1/tickets/${tk.id}`)
      .set(agent.auth)
      .set('If-Match', String(tk.version))
      .send({ status: 'pending' })
      .expect(200);
    await t.http
      .post(`/v1/tickets/${tk.id}/comments`)
      .set(manager.auth)
      .send({ body: 'Still broken' })
      .expect(201);
    const back = (await events(tk.id)).find(
      (e) => e.type === 'status_changed' && e.after?.status === 'open',
    );
    expect(back!.actor).toEqual({ id: null, name: 'LockDesk', kind: 'system' });
  });
});

describe('confirm and reopen', () => {
  it('confirms a solved ticket (closed), needs If-Match, and refuses any other state naming it', async () => {
    const s = await solved();
    expect((await confirm(s.id, null)).status).toBe(428);
    expect((await confirm(s.id, s.version + 5)).status).toBe(412);
    expect((await confirm(s.id, s.version, agent)).status).toBe(403);
    const done = await confirm(s.id, s.version);
    expect(done.status).toBe(200);
    expect(done.headers.etag).toBe(`"${s.version + 1}"`);
    expect(done.body).toMatchObject({
      status: 'closed',
      version: s.version + 1,
      resolvedBy: me(agent, 'A agent'),
    });
    const closedEvent = (await events(s.id)).at(-1)!;
    expect(closedEvent).toMatchObject({
      type: 'status_changed',
      actor: me(manager, 'A manager'),
      after: { status: 'closed', confirmed: true },
    });
    const again = await confirm(s.id, s.version + 1);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'ticket_closed', ticketStatus: 'closed' });

    const open = await newTicket();
    const refused = await confirm(open.id, open.version);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'ticket_not_solved', ticketStatus: 'new' });
    expect(refused.body.detail).toContain('new');
    const unchanged = await t.http.get(`/v1/tickets/${open.id}`).set(manager.auth);
    expect(unchanged.body).toMatchObject({ status: 'new', version: open.version });
  });

  it('reopens with a reason inside the window, through /reopen and PATCH alike', async () => {
    const s = await solved();
    const bare = await reopen(s.id, s.version, {});
    expect(bare.status).toBe(400);
    expect(bare.body.errors).toEqual([expect.objectContaining({ field: 'reason' })]);
    expect((await reopen(s.id, s.version, { reason: '   ' })).status).toBe(400);
    const back = await reopen(s.id, s.version, { reason: 'It jammed again tonight' });
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({
      status: 'open',
      version: s.version + 1,
      resolvedBy: null,
      confirmedCause: null,
    });
    expect((await events(s.id)).at(-1)).toMatchObject({
      type: 'reopened',
      actor: me(manager, 'A manager'),
      after: { status: 'open', reason: 'It jammed again tonight' },
    });
    const notSolved = await reopen(s.id, s.version + 1, { reason: 'again' });
    expect(notSolved.status).toBe(409);
    expect(notSolved.body).toMatchObject({ code: 'ticket_not_solved', ticketStatus: 'open' });

    // The desk's PATCH follows the same rule: a reopen needs its reason, nothing else takes one.
    const d = await solved();
    const patch = (body: object, version: number) =>
      t.http
        .patch(`/v1/tickets/${d.id}`)
        .set(agent.auth)
        .set('If-Match', String(version))
        .send(body);
    const noReason = await patch({ status: 'open' }, d.version);
    expect(noReason.status).toBe(400);
    expect(noReason.body.errors).toEqual([expect.objectContaining({ field: 'reason' })]);
    expect((await patch({ priority: 'high', reason: 'why not' }, d.version)).status).toBe(400);
    const reopened = await patch({ status: 'open', reason: 'Tenant called back' }, d.version);
    expect(reopened.status).toBe(200);
    expect((await events(d.id)).at(-1)).toMatchObject({
      type: 'reopened',
      after: { reason: 'Tenant called back' },
    });
  });
});

describe('ratings', () => {
  it('validates the score: 0, 6, 2.5, "4", missing -> 400, nothing written', async () => {
    const s = await solved();
    for (const body of [
      { score: 0 },
      { score: 6 },
      { score: 2.5 },
      { score: '4' },
      {},
      { score: 3, comment: '' },
      { score: 3, extra: true },
    ]) {
      const res = await rate(s.id, body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }
    const got = await t.http.get(`/v1/tickets/${s.id}`).set(manager.auth);
    expect(got.body).toMatchObject({ rating: null, version: s.version });
  });

  it('rates a solved or closed ticket once, on the ticket and its timeline; not an open one', async () => {
    const open = await newTicket();
    const early = await rate(open.id, { score: 5 });
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ code: 'ticket_not_solved', ticketStatus: 'new' });
    expect((await rate(open.id, { score: 5 }, agent)).status).toBe(403);

    const s = await solved();
    await confirm(s.id, s.version).expect(200);
    const stale = await t.http
      .post(`/v1/tickets/${s.id}/rating`)
      .set(manager.auth)
      .set('If-Match', '"1"')
      .send({ score: 4 });
    expect(stale.status).toBe(412);
    const rated = await rate(s.id, { score: 4, comment: '  Quick and tidy  ' });
    expect(rated.status).toBe(201);
    expect(rated.body).toEqual({
      score: 4,
      comment: 'Quick and tidy',
      ratedBy: me(manager, 'A manager'),
      ratedAt: expect.any(String),
      partner: null,
      ticketVersion: s.version + 2,
    });
    const twice = await rate(s.id, { score: 1 });
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('already_rated');

    const got = await t.http.get(`/v1/tickets/${s.id}`).set(manager.auth);
    expect(got.headers.etag).toBe(`"${s.version + 2}"`);
    expect(got.body.rating).toEqual({
      score: 4,
      comment: 'Quick and tidy',
      ratedBy: me(manager, 'A manager'),
      ratedAt: rated.body.ratedAt,
      partner: null,
    });
    expect((await events(s.id)).at(-1)).toMatchObject({
      type: 'rated',
      actor: me(manager, 'A manager'),
      after: { score: 4, comment: 'Quick and tidy', partnerId: null },
    });
  });

  it('counts a rating of a partner’s resolution in its record, seen by its customers and itself', async () => {
    const before = await t.http.get(`/v1/partners/${smithCo.id}`).set(manager.auth);
    expect(before.status).toBe(200);
    const baseCount = before.body.rating.count as number;

    const first = await solvedByPartner();
    const second = await solvedByPartner();
    const a = await rate(first.id, { score: 5, comment: 'Came within the hour' });
    expect(a.status).toBe(201);
    expect(a.body.partner).toEqual({ id: smithCo.id, name: 'Feedback Locks', kind: 'partner' });
    expect((await rate(second.id, { score: 2 })).status).toBe(201);
    const shown = await t.http.get(`/v1/tickets/${first.id}`).set(manager.auth);
    expect(shown.body.rating).toMatchObject({ score: 5, partner: { id: smithCo.id } });

    // Another customer of the same partner rates one too: the record counts every customer.
    const otherTicket = await newTicket(otherManager, otherFleet);
    const escalated = await t.http
      .post(`/v1/tickets/${otherTicket.id}/escalate`)
      .set(other.admin.auth)
      .send({ target: 'locksmith' });
    expect(escalated.status).toBe(200);
    const claim = await t.http.post(`/v1/escalations/${escalated.body.id}/claim`).set(smith.auth);
    await t.http
      .post(`/v1/escalations/${escalated.body.id}/resolve`)
      .set(smith.auth)
      .send({
        confirmedCause: 'broken_key_stuck',
        notes: 'Freed',
        leaseToken: claim.body.leaseToken,
      })
      .expect(200);
    expect((await rate(otherTicket.id, { score: 3 }, otherManager)).status).toBe(201);

    const record = await t.http.get(`/v1/partners/${smithCo.id}`).set(manager.auth);
    expect(record.body).toMatchObject({
      tenantId: smithCo.id,
      name: 'Feedback Locks',
      rating: {
        count: baseCount + 3,
        fromYou: { count: 2, average: 3.5 },
      },
    });
    // 5, 2 (this customer) and 3 (the other): the mean to two decimals.
    expect(baseCount).toBe(0);
    expect(record.body.rating.average).toBe(3.33);
    const listed = await t.http.get('/v1/partners').set(customer.admin.auth);
    const items = listed.body.data as { tenantId: string }[];
    expect(items.find((p) => p.tenantId === smithCo.id)).toEqual(record.body);
    const otherView = await t.http.get(`/v1/partners/${smithCo.id}`).set(other.admin.auth);
    expect(otherView.body.rating).toEqual({
      count: baseCount + 3,
      average: record.body.rating.average,
      fromYou: { count: 1, average: 3 },
    });

    // The partner's own record: aggregated, and each rating as score, comment and date only.
    const profile = await t.http.get('/v1/partner-profile').set(smith.auth);
    expect(profile.body.rating).toEqual({
      count: baseCount + 3,
      average: record.body.rating.average,
    });
    const page = await t.http
      .get('/v1/partner-profile/ratings')
      .query({ limit: 2 })
      .set(smithCo.admin.auth);
    expect(page.status).toBe(200);
    expect(page.body.data).toEqual([
      { score: 3, comment: null, ratedAt: expect.any(String) },
      { score: 2, comment: null, ratedAt: expect.any(String) },
    ]);
    const next = await t.http
      .get('/v1/partner-profile/ratings')
      .query({ cursor: page.body.nextCursor })
      .set(smithCo.admin.auth);
    expect(next.body.data[0]).toEqual({
      score: 5,
      comment: 'Came within the hour',
      ratedAt: a.body.ratedAt,
    });
    expect(JSON.stringify([page.body, next.body])).not.toContain(customer.id);
    // Customers cannot read a partner's list; the ratings routes are the partner's own.
    expect((await t.http.get('/v1/partner-profile/ratings').set(manager.auth)).status).toBe(403);
  });

  it('keeps ratings to their tenant: another customer neither sees nor rates them', async () => {
    const s = await solved();
    await rate(s.id, { score: 5 }).expect(201);
    expect((await t.http.get(`/v1/tickets/${s.id}`).set(otherManager.auth)).status).toBe(404);
    expect((await rate(s.id, { score: 1 }, otherManager)).status).toBe(404);
    const rows = await t.dataSource.transaction(async (em) => {
      await em.query(`select set_config('app.tenant_id', $1, true)`, [other.id]);
      return em.query<{ tenant_id: string }[]>(`SELECT tenant_id::text FROM ticket_ratings`);
    });
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.tenant_id === other.id)).toBe(true);
    const mine = await t.dataSource.transaction(async (em) => {
      await em.query(`select set_config('app.tenant_id', $1, true)`, [customer.id]);
      return em.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM ticket_ratings`);
    });
    expect(mine[0]!.n).toBeGreaterThan(1);
    // The partner reads no customer's ratings table directly.
    const asPartner = await t.dataSource.transaction(async (em) => {
      await em.query(`select set_config('app.tenant_id', $1, true)`, [smithCo.id]);
      return em.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM ticket_ratings`);
    });
    expect(asPartner[0]!.n).toBe(0);
  });

  it('refuses a reopen once the window has passed (409), leaving the ticket solved', async () => {
    const s = await solved();
    clock.advance({ days: 8 });
    const late = await reopen(s.id, s.version, { reason: 'Broke again' });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ code: 'illegal_transition' });
    expect(late.body.detail).toContain('reopen window of 7 day(s)');
    const got = await t.http.get(`/v1/tickets/${s.id}`).set(manager.auth);
    expect(got.body).toMatchObject({ status: 'solved', version: s.version });
    // Still confirmable and ratable.
    expect((await rate(s.id, { score: 3 })).status).toBe(201);
  });
});
