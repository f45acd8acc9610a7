import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TicketJobsService } from '../src/tickets/ticket-jobs.service.js';
import { TestClock } from '../src/common/clock.js';
import { startTestApp, type TestApp } from './support/app.js';
import {
  newApiKey,
  newFleet,
  newTenant,
  newUser,
  type Session,
  type TestFleet,
  type TestTenant,
} from './support/factories.js';

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
let manager: Session;
let agent: Session;
let fleet: TestFleet;

beforeAll(async () => {
  t = await startTestApp();
  a = await newTenant(t.http);
  b = await newTenant(t.http);
  manager = await newUser(t.http, a, 'manager');
  agent = await newUser(t.http, a, 'agent');
  fleet = await newFleet(t.http, a, 6);
});
afterAll(async () => {
  await t.close();
});

interface Cause {
  code: string;
  probability: number;
}
const prob = (causes: Cause[], code: string) =>
  causes.find((c) => c.code === code)?.probability ?? 0;

async function report(who: Session, deviceId: string, description: string, extra: object = {}) {
  const res = await t.http
    .post('/v1/tickets')
    .set(who.auth)
    .send({ deviceId, description, separate: true, ...extra });
  if (res.status !== 201)
    throw new Error(`ticket failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

describe('the story', () => {
  it('a manager reports, the agent works the steps, resolves, and the next diagnosis learns from it', async () => {
    const device = fleet.devices[0]!;
    const created = await report(
      manager,
      device.id,
      'The keypad is dead, no lights at all when I touch it',
    );
    expect(created.body).toMatchObject({
      number: expect.stringMatching(/^LD-\d+$/),
      status: 'new',
      reporterId: manager.userId,
      deviceId: device.id,
      propertyId: fleet.property.id,
      version: 1,
      source: 'reported',
    });
    expect(created.headers.etag).toBe('"1"');
    expect(created.body.symptoms).toContain('keypad_unresponsive');
    const first = created.body.diagnosis as {
      causes: Cause[];
      plan: { step: string }[];
      escalation: object;
    };
    expect(first.causes.length).toBeGreaterThan(3);
    expect(first.causes.reduce((s, c) => s + c.probability, 0)).toBeCloseTo(1, 6);
    expect(first.plan.length).toBeGreaterThan(0);
    const id = created.body.id as string;

    // The agent tries a battery swap: it does not help, and the ranking moves.
    const step = await t.http
      .post(`/v1/tickets/${id}/steps`)
      .set(agent.auth)
      .send({ step: 'replace_batteries', outcome: 'not_fixed' });
    expect(step.status).toBe(200);
    expect(step.body.status).toBe('open');
    expect(step.body.stepsTried).toEqual([
      expect.objectContaining({
        step: 'replace_batteries',
        outcome: 'not_fixed',
        by: { id: agent.userId, name: 'A agent', kind: 'user' },
      }),
    ]);
    expect(prob(step.body.diagnosis.causes, 'battery_depleted')).toBeLessThan(
      prob(first.causes, 'battery_depleted'),
    );
    expect((step.body.diagnosis.plan as { step: string }[]).map((p) => p.step)).not.toContain(
      'replace_batteries',
    );
    expect(step.body.firstRespondedAt).toEqual(expect.any(String));

    const history = await t.http.get(`/v1/tickets/${id}/diagnoses`).set(manager.auth);
    expect((history.body.data as { trigger: string }[]).map((d) => d.trigger)).toEqual([
      'created',
      'step:replace_batteries:not_fixed',
    ]);

    // Before: what a fresh diagnosis of the same model says about electronic failure.
    const diagnose = async (tenant: TestTenant, deviceId: string) =>
      (
        await t.http
          .post('/v1/diagnoses')
          .set(tenant.admin.auth)
          .send({ deviceId, description: 'keypad dead, no lights' })
      ).body as {
        causes: Cause[];
        device: { learnedConfirmations: number };
      };
    const before = await diagnose(a, fleet.devices[1]!.id);
    const bFleet = await newFleet(t.http, b, 1);
    const otherBefore = await diagnose(b, bFleet.devices[0]!.id);

    const resolved = await t.http.post(`/v1/tickets/${id}/resolve`).set(agent.auth).send({
      confirmedCause: 'electronic_failure',
      resolution: 'Keypad board replaced under warranty.',
    });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({
      status: 'solved',
      confirmedCause: 'electronic_failure',
      solvedAt: expect.any(String),
    });

    const after = await diagnose(a, fleet.devices[1]!.id);
    expect(after.device.learnedConfirmations).toBe(before.device.learnedConfirmations + 1);
    expect(prob(after.causes, 'electronic_failure')).toBeGreaterThan(
      prob(before.causes, 'electronic_failure'),
    );
    // Another tenant's rankings for the same model do not move.
    const otherAfter = await diagnose(b, bFleet.devices[0]!.id);
    expect(otherAfter.device.learnedConfirmations).toBe(0);
    expect(prob(otherAfter.causes, 'electronic_failure')).toBeCloseTo(
      prob(otherBefore.causes, 'electronic_failure'),
      10,
    );

    const events = await t.http.get(`/v1/tickets/${id}/events`).set(manager.auth);
    expect((events.body.data as { type: string }[]).map((e) => e.type)).toEqual([
      'created',
      'step_recorded',
      'status_changed',
      'status_changed',
      'resolved',
    ]);
    expect(events.body.data[0]).toMatchObject({
      actor: { id: manager.userId, name: 'A manager', kind: 'user' },
    });
  });

  it('makes lockouts and doors that will not secure urgent, and lets the reporter override', async () => {
    const locked = await report(
      manager,
      fleet.devices[1]!.id,
      'I am locked out, the keypad does nothing',
    );
    expect(locked.body.priority).toBe('urgent');
    expect(locked.body.symptoms).toContain('locked_out');
    const plan = locked.body.diagnosis.plan as { step: string }[];
    expect(plan[0]!.step).not.toBe('factory_reset');
    const latch = await report(manager, fleet.devices[1]!.id, 'Something is off', {
      symptoms: ['door_wont_latch'],
    });
    expect(latch.body.priority).toBe('urgent');
    const low = await report(manager, fleet.devices[1]!.id, 'App shows it offline', {
      priority: 'low',
    });
    expect(low.body.priority).toBe('low');
  });

  it('honours Idempotency-Key on creation', async () => {
    const body = {
      deviceId: fleet.devices[2]!.id,
      description: 'Grinding noise when locking',
      separate: true,
    };
    const one = await t.http
      .post('/v1/tickets')
      .set(manager.auth)
      .set('Idempotency-Key', 'tk-1')
      .send(body);
    const two = await t.http
      .post('/v1/tickets')
      .set(manager.auth)
      .set('Idempotency-Key', 'tk-1')
      .send(body);
    expect(two.status).toBe(201);
    expect(two.body.id).toBe(one.body.id);
    expect(two.headers['idempotent-replayed']!).toBe('true');
  });
});

describe('working a ticket', () => {
  it('needs If-Match: 428 without, 412 when stale, and names allowed transitions on a 409', async () => {
    const created = await report(manager, fleet.devices[2]!.id, 'Bolt is stiff and jams');
    const id = created.body.id as string;
    expect(
      (await t.http.patch(`/v1/tickets/${id}`).set(agent.auth).send({ priority: 'high' })).status,
    ).toBe(428);
    const ok = await t.http
      .patch(`/v1/tickets/${id}`)
      .set(agent.auth)
      .set('If-Match', '"1"')
      .send({ priority: 'high', assigneeId: agent.userId });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ priority: 'high', assigneeId: agent.userId, version: 2 });
    expect(ok.headers.etag).toBe('"2"');
    const stale = await t.http
      .patch(`/v1/tickets/${id}`)
      .set(agent.auth)
      .set('If-Match', '1')
      .send({ priority: 'low' });
    expect(stale.status).toBe(412);

    // Two PATCHes with one If-Match: one wins.
    const race = await Promise.all(
      ['low', 'urgent'].map((priority) =>
        t.http.patch(`/v1/tickets/${id}`).set(agent.auth).set('If-Match', '2').send({ priority }),
      ),
    );
    expect(race.map((r) => r.status).sort()).toEqual([200, 412]);

    await t.http
      .patch(`/v1/tickets/${id}`)
      .set(agent.auth)
      .set('If-Match', '3')
      .send({ status: 'closed' })
      .expect(200);
    const closed = await t.http
      .patch(`/v1/tickets/${id}`)
      .set(agent.auth)
      .set('If-Match', '4')
      .send({ status: 'open' });
    expect(closed.status).toBe(409);
    const fresh = await report(manager, fleet.devices[2]!.id, 'Bolt is stiff again');
    await t.http
      .post(`/v1/tickets/${fresh.body.id}/resolve`)
      .set(agent.auth)
      .send({ confirmedCause: 'obstruction_debris', resolution: 'Cleaned' })
      .expect(200);
    const illegal = await t.http
      .patch(`/v1/tickets/${fresh.body.id}`)
      .set(agent.auth)
      .set('If-Match', '2')
      .send({ status: 'pending' });
    expect(illegal.status).toBe(409);
    expect(illegal.body).toMatchObject({ code: 'illegal_transition', allowed: ['open', 'closed'] });
    const notAgent = await t.http
      .patch(`/v1/tickets/${fresh.body.id}`)
      .set(agent.auth)
      .set('If-Match', '2')
      .send({ assigneeId: manager.userId });
    expect(notAgent.status).toBe(400);
  });

  it('keeps internal notes from managers, and a reporter’s answer reopens a pending ticket', async () => {
    const created = await report(manager, fleet.devices[3]!.id, 'Code rejected for the cleaner');
    const id = created.body.id as string;
    expect(
      (
        await t.http
          .post(`/v1/tickets/${id}/comments`)
          .set(manager.auth)
          .send({ body: 'x', internal: true })
      ).status,
    ).toBe(403);
    await t.http
      .post(`/v1/tickets/${id}/comments`)
      .set(agent.auth)
      .send({ body: 'Checked the audit log', internal: true })
      .expect(201);
    await t.http
      .post(`/v1/tickets/${id}/comments`)
      .set(agent.auth)
      .send({ body: 'Which code did the cleaner use?' })
      .expect(201);
    const asManager = await t.http.get(`/v1/tickets/${id}/comments`).set(manager.auth);
    expect((asManager.body.data as { body: string }[]).map((c) => c.body)).toEqual([
      'Which code did the cleaner use?',
    ]);
    const asAgent = await t.http.get(`/v1/tickets/${id}/comments`).set(agent.auth);
    expect(asAgent.body.data).toHaveLength(2);
    const managerEvents = await t.http.get(`/v1/tickets/${id}/events`).set(manager.auth);
    expect(JSON.stringify(managerEvents.body)).not.toContain('"internal":true');
    const agentEvents = await t.http.get(`/v1/tickets/${id}/events`).set(agent.auth);
    expect(agentEvents.body.data.length).toBe(managerEvents.body.data.length + 1);

    const v = (await t.http.get(`/v1/tickets/${id}`).set(agent.auth)).body.version as number;
    await t.http
      .patch(`/v1/tickets/${id}`)
      .set(agent.auth)
      .set('If-Match', String(v))
      .send({ status: 'pending' })
      .expect(200);
    await t.http
      .post(`/v1/tickets/${id}/comments`)
      .set(manager.auth)
      .send({ body: 'The 4-digit one' })
      .expect(201);
    expect((await t.http.get(`/v1/tickets/${id}`).set(agent.auth)).body.status).toBe('open');
  });

  it('escalates to the recommended target and waits on hold', async () => {
    const created = await report(
      manager,
      fleet.devices[4]!.id,
      'Part of the key snapped off inside the lock',
    );
    const id = created.body.id as string;
    const res = await t.http
      .post(`/v1/tickets/${id}/escalate`)
      .set(agent.auth)
      .send({ reason: 'Needs extraction' });
    expect(res.status).toBe(200);
    // The answer is the escalation, with the ticket's new state.
    expect(res.body.ticket).toMatchObject({ id, status: 'on_hold' });
    const held = await t.http.get(`/v1/tickets/${id}`).set(agent.auth);
    expect(held.body.status).toBe('on_hold');
    expect(held.body.sla.pausedAt).toEqual(expect.any(String));
    const events = await t.http.get(`/v1/tickets/${id}/events`).set(agent.auth);
    const esc = (events.body.data as { type: string; after: { target: string } }[]).find(
      (e) => e.type === 'escalated',
    );
    expect(esc?.after.target).toBe('locksmith');
  });

  it('loses nothing under 50 concurrent comments and step outcomes', async () => {
    const created = await report(manager, fleet.devices[5]!.id, 'Works sometimes, slow to respond');
    const id = created.body.id as string;
    const steps = [
      'restart_lock_and_app',
      'check_network',
      'update_app',
      'check_battery_level',
      'reseat_batteries',
    ];
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        i % 2
          ? t.http
              .post(`/v1/tickets/${id}/comments`)
              .set(agent.auth)
              .send({ body: `note ${i}` })
          : t.http
              .post(`/v1/tickets/${id}/steps`)
              .set(agent.auth)
              .send({ step: steps[(i / 2) % steps.length]!, outcome: 'not_fixed' }),
      ),
    );
    expect(results.map((r) => r.status).every((s) => s === 200 || s === 201)).toBe(true);
    const ticket = await t.http.get(`/v1/tickets/${id}`).set(agent.auth);
    expect(ticket.body.version).toBe(51);
    expect(ticket.body.stepsTried).toHaveLength(25);
    const comments = await t.http
      .get(`/v1/tickets/${id}/comments`)
      .query({ limit: 200 })
      .set(agent.auth);
    expect(comments.body.data).toHaveLength(25);
    const events = await t.http
      .get(`/v1/tickets/${id}/events`)
      .query({ limit: 200 })
      .set(agent.auth);
    // created + 50 changes + the first response's status change
    expect(events.body.data).toHaveLength(52);
  });
});

describe('lists', () => {
  it('filter by status, priority, assignee, device, property, dates and full text, newest first', async () => {
    const tenant = await newTenant(t.http);
    const f = await newFleet(t.http, tenant, 2);
    const mk = (deviceId: string, description: string, extra = {}) =>
      t.http
        .post('/v1/tickets')
        .set(tenant.admin.auth)
        .send({ deviceId, description, separate: true, ...extra });
    const t1 = (await mk(f.devices[0]!.id, 'The deadbolt grinds loudly')).body;
    const t2 = (
      await mk(f.devices[1]!.id, 'Fingerprint reader refuses my thumb', { priority: 'high' })
    ).body;
    const t3 = (await mk(f.devices[1]!.id, 'Auto-lock fires at the wrong time')).body;
    const all = await t.http.get('/v1/tickets').set(tenant.admin.auth);
    expect((all.body.data as { id: string }[]).map((x) => x.id)).toEqual([t3.id, t2.id, t1.id]);
    const page = await t.http.get('/v1/tickets').query({ limit: 2 }).set(tenant.admin.auth);
    const page2 = await t.http
      .get('/v1/tickets')
      .query({ limit: 2, cursor: page.body.nextCursor })
      .set(tenant.admin.auth);
    expect((page2.body.data as { id: string }[]).map((x) => x.id)).toEqual([t1.id]);
    const ids = async (query: object) =>
      (
        (await t.http.get('/v1/tickets').query(query).set(tenant.admin.auth)).body.data as {
          id: string;
        }[]
      ).map((x) => x.id);
    expect(await ids({ priority: 'high' })).toEqual([t2.id]);
    expect(await ids({ deviceId: f.devices[1]!.id })).toEqual([t3.id, t2.id]);
    expect(await ids({ propertyId: f.property.id, status: 'new' })).toEqual([t3.id, t2.id, t1.id]);
    expect(await ids({ q: 'grinding' })).toEqual([t1.id]);
    expect(await ids({ q: t2.number })).toEqual([t2.id]);
    expect(await ids({ createdFrom: new Date(Date.now() + 60_000).toISOString() })).toEqual([]);
    await t.http
      .post(`/v1/tickets/${t3.id}/comments`)
      .set(tenant.admin.auth)
      .send({ body: 'schedule misconfigured timezone' });
    expect(await ids({ q: 'timezone' })).toEqual([t3.id]);
    expect(await ids({ slaBreached: 'true' })).toEqual([]);
  });
});

describe('SLA, assignment and proactive tickets', () => {
  it('pauses the clock while pending and marks breaches once from the job', async () => {
    // Its own app on a test clock: the pause lasts exactly what the clock is moved, no sleeping.
    const clock = new TestClock();
    const t = await startTestApp({}, { clock });
    try {
      const tenant = await newTenant(t.http);
      const f = await newFleet(t.http, tenant, 1);
      await t.http
        .put('/v1/settings/sla')
        .set(tenant.admin.auth)
        .send({ normal: { firstResponseMinutes: 30, resolutionMinutes: 120 } })
        .expect(200);
      const created = (
        await t.http
          .post('/v1/tickets')
          .set(tenant.admin.auth)
          .send({ deviceId: f.devices[0]!.id, description: 'App command times out' })
      ).body;
      const createdAt = new Date(created.createdAt as string).getTime();
      expect(new Date(created.sla.firstResponseDueAt as string).getTime() - createdAt).toBe(
        30 * 60_000,
      );
      expect(new Date(created.sla.resolutionDueAt as string).getTime() - createdAt).toBe(
        120 * 60_000,
      );
      expect(created.sla).toMatchObject({ breached: false, pausedAt: null });

      const pending = await t.http
        .patch(`/v1/tickets/${created.id}`)
        .set(tenant.admin.auth)
        .set('If-Match', '1')
        .send({ status: 'pending' });
      expect(pending.body.sla.pausedAt).toEqual(expect.any(String));
      clock.advance({ minutes: 10 });
      const open = await t.http
        .patch(`/v1/tickets/${created.id}`)
        .set(tenant.admin.auth)
        .set('If-Match', '2')
        .send({ status: 'open' });
      expect(open.body.sla.pausedAt).toBeNull();
      const shift =
        new Date(open.body.sla.resolutionDueAt as string).getTime() -
        new Date(created.sla.resolutionDueAt as string).getTime();
      expect(shift).toBe(10 * 60_000);

      const jobs = t.app.get(TicketJobsService);
      const later = clock.advance({ hours: 3 });
      const first = await jobs.runOnce(later);
      expect(first.breached).toBeGreaterThanOrEqual(1);
      const again = await jobs.runOnce(later);
      expect(again.breached).toBe(0);
      const breached = await t.http
        .get('/v1/tickets')
        .query({ slaBreached: 'true' })
        .set(tenant.admin.auth);
      expect((breached.body.data as { id: string }[]).map((x) => x.id)).toEqual([created.id]);
      const events = await t.http.get(`/v1/tickets/${created.id}/events`).set(tenant.admin.auth);
      expect(
        (events.body.data as { type: string }[]).filter((e) => e.type === 'sla_breached'),
      ).toHaveLength(1);
    } finally {
      await t.close();
    }
  });

  it('assigns round-robin among available agents under the cap, skipping the away', async () => {
    const tenant = await newTenant(t.http);
    const f = await newFleet(t.http, tenant, 1);
    const [a1, a2, a3] = [
      await newUser(t.http, tenant, 'agent'),
      await newUser(t.http, tenant, 'agent'),
      await newUser(t.http, tenant, 'agent'),
    ];
    await t.http
      .patch(`/v1/users/${a3.userId}`)
      .set(tenant.admin.auth)
      .send({ away: true })
      .expect(200);
    await t.http
      .put('/v1/settings/desk')
      .set(tenant.admin.auth)
      .send({ autoAssign: true, maxOpenPerAgent: 2 })
      .expect(200);
    const assignees: (string | null)[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await t.http
        .post('/v1/tickets')
        .set(tenant.admin.auth)
        .send({ deviceId: f.devices[0]!.id, description: `Issue ${i}`, separate: true });
      assignees.push(res.body.assigneeId as string | null);
    }
    const ordered = [a1.userId, a2.userId].sort();
    expect(assignees.slice(0, 4)).toEqual([ordered[0]!, ordered[1]!, ordered[0]!, ordered[1]!]);
    expect(assignees[4]!).toBeNull();
    expect(assignees).not.toContain(a3.userId);
  });

  it('opens one maintenance ticket per lock and reason from telemetry', async () => {
    const tenant = await newTenant(t.http);
    const f = await newFleet(t.http, tenant, 2);
    const key = await newApiKey(t.http, tenant);
    const at = new Date().toISOString();
    await t.http
      .post('/v1/telemetry')
      .set('X-Api-Key', key.key)
      .send({
        events: [
          { serial: f.devices[0]!.serial, type: 'battery', batteryPercent: 9, at },
          ...[1, 2, 3].map((n) => ({
            serial: f.devices[1]!.serial,
            type: 'jam',
            at: new Date(Date.now() - n * 1000).toISOString(),
          })),
        ],
      })
      .expect(200);
    const jobs = t.app.get(TicketJobsService);
    const run = await jobs.runOnce();
    expect(run.proactive).toBeGreaterThanOrEqual(2);
    const list = await t.http.get('/v1/tickets').set(tenant.admin.auth);
    const proactive = (
      list.body.data as {
        source: string;
        reason: string;
        deviceId: string;
        priority: string;
        diagnosis: { causes: Cause[] };
      }[]
    ).filter((x) => x.source === 'proactive');
    expect(proactive.map((x) => x.reason).sort()).toEqual(['jam_burst', 'low_battery']);
    const battery = proactive.find((x) => x.reason === 'low_battery')!;
    expect(battery.deviceId).toBe(f.devices[0]!.id);
    expect(battery.diagnosis.causes[0]!.code).toBe('battery_depleted');
    expect(proactive.find((x) => x.reason === 'jam_burst')!.priority).toBe('high');
    const again = await jobs.runOnce();
    expect(again.proactive).toBe(0);
  });
});

describe('access', () => {
  it('lets managers report and follow but not work tickets; partners see nothing', async () => {
    const created = await report(manager, fleet.devices[0]!.id, 'Door will not lock');
    const id = created.body.id as string;
    expect((await t.http.get(`/v1/tickets/${id}`).set(manager.auth)).status).toBe(200);
    expect(
      (
        await t.http
          .patch(`/v1/tickets/${id}`)
          .set(manager.auth)
          .set('If-Match', '1')
          .send({ priority: 'low' })
      ).status,
    ).toBe(403);
    expect(
      (
        await t.http
          .post(`/v1/tickets/${id}/steps`)
          .set(manager.auth)
          .send({ step: 'check_battery_level', outcome: 'not_fixed' })
      ).status,
    ).toBe(403);
    expect(
      (
        await t.http
          .post(`/v1/tickets/${id}/resolve`)
          .set(manager.auth)
          .send({ confirmedCause: 'door_misalignment', resolution: 'x' })
      ).status,
    ).toBe(403);
    expect((await t.http.put('/v1/settings/sla').set(agent.auth).send({})).status).toBe(403);
    const partner = await newTenant(t.http, { kind: 'locksmith' });
    expect((await t.http.get('/v1/tickets').set(partner.admin.auth)).status).toBe(403);
  });

  it('answers 404 to another tenant on every ticket route, and changes nothing', async () => {
    const created = await report(manager, fleet.devices[0]!.id, 'Keypad unresponsive');
    const id = created.body.id as string;
    for (const [method, path, body] of [
      ['get', `/v1/tickets/${id}`, undefined],
      ['patch', `/v1/tickets/${id}`, { priority: 'low' }],
      ['post', `/v1/tickets/${id}/comments`, { body: 'hi' }],
      ['get', `/v1/tickets/${id}/comments`, undefined],
      ['post', `/v1/tickets/${id}/steps`, { step: 'check_battery_level', outcome: 'fixed' }],
      ['post', `/v1/tickets/${id}/escalate`, { target: 'locksmith' }],
      [
        'post',
        `/v1/tickets/${id}/resolve`,
        { confirmedCause: 'battery_depleted', resolution: 'x' },
      ],
      ['get', `/v1/tickets/${id}/events`, undefined],
      ['get', `/v1/tickets/${id}/diagnoses`, undefined],
    ] as const) {
      const res = await t.http[method](path)
        .set(b.admin.auth)
        .set('If-Match', '1')
        .send(body ?? {});
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 });
    }
    expect(
      (
        await t.http
          .post('/v1/tickets')
          .set(b.admin.auth)
          .send({ deviceId: fleet.devices[0]!.id, description: 'x' })
      ).status,
    ).toBe(404);
    const mine = await t.http.get(`/v1/tickets/${id}`).set(agent.auth);
    expect(mine.body).toMatchObject({ version: 1, status: 'new' });
    expect((await t.http.get('/v1/tickets').set(b.admin.auth)).body.data).toEqual([]);
  });
});
