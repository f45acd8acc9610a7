import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EscalationService } from '../src/escalation/escalation.service.js';
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
let other: TestTenant;
let agent: Session;
let fleet: TestFleet;
let l1: TestTenant;
let l2: TestTenant;
let l3: TestTenant;
let maker: TestTenant;
let smith1: Session;

async function profile(tenant: TestTenant, body: object) {
  await t.http.put('/v1/partner-profile').set(tenant.admin.auth).send(body).expect(200);
}

async function ticket(deviceId: string, description: string, extra: object = {}) {
  const res = await t.http
    .post('/v1/tickets')
    .set(agent.auth)
    .send({ separate: true, deviceId, description, ...extra });
  if (res.status !== 201) throw new Error(`ticket: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; number: string; version: number; priority: string };
}

async function escalate(ticketId: string, body: object = {}) {
  const res = await t.http.post(`/v1/tickets/${ticketId}/escalate`).set(agent.auth).send(body);
  if (res.status !== 200) throw new Error(`escalate: ${res.status} ${JSON.stringify(res.body)}`);
  const list = await t.http.get('/v1/escalations').query({ ticketId }).set(agent.auth);
  return list.body.data[0] as {
    id: string;
    partnerTenantId: string | null;
    status: string;
    waitingReason: string | null;
  };
}

beforeAll(async () => {
  t = await startTestApp();
  customer = await newTenant(t.http);
  other = await newTenant(t.http);
  agent = await newUser(t.http, customer, 'agent');
  fleet = await newFleet(t.http, customer, 8); // property: 1100-148 Lisbon; locks: Yale Assure Lock 2 Keypad
  l1 = await newTenant(t.http, { kind: 'locksmith', name: 'Alfama Locks' });
  l2 = await newTenant(t.http, { kind: 'locksmith', name: 'Lisbon Emergency Locksmiths' });
  l3 = await newTenant(t.http, { kind: 'locksmith', name: 'Unlinked Locks' });
  maker = await newTenant(t.http, { kind: 'manufacturer', name: 'Yale Support' });
  smith1 = await newUser(t.http, l1, 'locksmith');
  await profile(l1, { postalCodes: ['1100'], capacity: 5 });
  await profile(l2, { cities: ['lisbon'], emergency: true, capacity: 5 });
  await profile(l3, { postalCodes: ['1100'] });
  await profile(maker, { manufacturers: ['Yale'] });
  for (const p of [l1, l2, maker]) {
    const linked = await t.http
      .post('/v1/partners')
      .set(customer.admin.auth)
      .send({ handle: p.handle })
      .expect(201);
    // The answer is the new link, read in the transaction that made it.
    expect(linked.body).toMatchObject({ tenantId: p.id, handle: p.handle });
  }
  await t.http.post('/v1/partners').set(other.admin.auth).send({ handle: l1.handle }).expect(201);
});
afterAll(async () => {
  await t.close();
});

describe('partners', () => {
  it('are linked by handle, listed with their profiles, and only partner tenants can be linked', async () => {
    const list = await t.http.get('/v1/partners').set(customer.admin.auth);
    expect((list.body.data as { handle: string }[]).map((p) => p.handle)).toEqual([
      l1.handle,
      l2.handle,
      maker.handle,
    ]);
    expect(list.body.data[1].profile).toMatchObject({ cities: ['lisbon'], emergency: true });
    expect(
      (
        await t.http
          .post('/v1/partners')
          .set(customer.admin.auth)
          .send({ handle: 'no-such-company' })
      ).status,
    ).toBe(404);
    expect(
      (await t.http.post('/v1/partners').set(customer.admin.auth).send({ handle: other.handle }))
        .status,
    ).toBe(404);
    expect(
      (await t.http.post('/v1/partners').set(agent.auth).send({ handle: l3.handle })).status,
    ).toBe(403);
    expect(
      (
        await t.http
          .put('/v1/partner-profile')
          .set(customer.admin.auth)
          .send({ cities: ['x'] })
      ).status,
    ).toBe(403);
  });
});

describe('the locksmith story', () => {
  it('routes to a covering locksmith, who sees only the work order, claims, schedules and resolves', async () => {
    const tk = await ticket(
      fleet.devices[0]!.id,
      'Part of the key snapped off inside the cylinder',
    );
    await t.http
      .post(`/v1/tickets/${tk.id}/steps`)
      .set(agent.auth)
      .send({ step: 'check_battery_level', outcome: 'not_fixed' })
      .expect(200);
    const esc = await escalate(tk.id, { accessNotes: 'Concierge has a spare fob' });
    expect(esc).toMatchObject({ partnerTenantId: l1.id, status: 'routed', waitingReason: null });
    const held = await t.http.get(`/v1/tickets/${tk.id}`).set(agent.auth);
    expect(held.body.status).toBe('on_hold');

    // The locksmith's queue: each item with its work order's summary.
    const queue = await t.http
      .get('/v1/escalations')
      .query({ queue: 'locksmith' })
      .set(smith1.auth);
    const item = (queue.body.data as { id: string; workOrder: Record<string, unknown> }[]).find(
      (x) => x.id === esc.id,
    )!;
    expect(item.workOrder).toEqual({
      ticketNumber: tk.number,
      // The work order's urgency is the ticket's priority.
      urgency: tk.priority,
      customer: { name: expect.any(String) },
      property: {
        name: fleet.property.name,
        unit: '1A',
        address: { postalCode: '1100-148', city: 'Lisbon' },
      },
      lock: {
        manufacturer: 'Yale',
        model: 'Assure Lock 2 Keypad',
        serial: fleet.devices[0]!.serial,
      },
      topCause: { code: expect.any(String), probability: expect.any(Number) },
    });
    expect(item).not.toHaveProperty('notes');
    // The escalation itself: the work order and nothing more.
    const one = await t.http.get(`/v1/escalations/${esc.id}`).set(smith1.auth).expect(200);
    expect(one.body.workOrder).toMatchObject({
      ticketNumber: tk.number,
      property: { address: { postalCode: '1100-148', city: 'Lisbon' }, unit: '1A' },
      lock: {
        manufacturer: 'Yale',
        model: 'Assure Lock 2 Keypad',
        serial: fleet.devices[0]!.serial,
      },
      symptoms: expect.arrayContaining(['key_broken_in_lock']),
      stepsTried: [{ step: 'check_battery_level', outcome: 'not_fixed' }],
      accessNotes: 'Concierge has a spare fob',
    });
    // The list's top cause is the work order's first cause, cut to its code and probability.
    const first = one.body.workOrder.diagnosis.likelyCauses[0];
    expect(item.workOrder.topCause).toEqual({ code: first.code, probability: first.probability });
    expect(item.workOrder.customer).toEqual(one.body.workOrder.customer);
    expect((await t.http.get(`/v1/tickets/${tk.id}`).set(smith1.auth)).status).toBe(403);
    expect((await t.http.get(`/v1/devices/${fleet.devices[0]!.id}`).set(smith1.auth)).status).toBe(
      403,
    );
    for (const outsider of [l2, l3, maker, other]) {
      expect((await t.http.get(`/v1/escalations/${esc.id}`).set(outsider.admin.auth)).status).toBe(
        404,
      );
      const theirs = await t.http.get('/v1/escalations').set(outsider.admin.auth);
      expect((theirs.body.data as { id: string }[]).map((x) => x.id)).not.toContain(esc.id);
    }
    expect(
      (
        await t.http
          .post(`/v1/escalations/${esc.id}/decline`)
          .set(l2.admin.auth)
          .send({ reason: 'x' })
      ).status,
    ).toBe(404);

    const claimed = await t.http.post('/v1/escalations/claim').set(smith1.auth);
    expect(claimed.status).toBe(200);
    expect(claimed.body).toMatchObject({
      id: esc.id,
      status: 'claimed',
      leaseToken: expect.any(String),
    });
    expect((await t.http.post('/v1/escalations/claim').set(smith1.auth)).status).toBe(204);
    const token = claimed.body.leaseToken as string;
    const visit = new Date(Date.now() + 3 * 86_400_000);
    visit.setUTCHours(9, 0, 0, 0);

    const wrong = await t.http
      .post(`/v1/escalations/${esc.id}/schedule`)
      .set(smith1.auth)
      .send({ at: visit.toISOString(), leaseToken: '00000000-0000-4000-8000-000000000000' });
    expect(wrong.status).toBe(409);
    expect(wrong.body.code).toBe('lease_lost');
    const scheduled = await t.http
      .post(`/v1/escalations/${esc.id}/schedule`)
      .set(smith1.auth)
      .send({ at: visit.toISOString(), leaseToken: token });
    expect(scheduled.body).toMatchObject({
      status: 'scheduled',
      scheduledAt: visit.toISOString(),
      // An older client's single `at` books a two-hour window from it.
      visitWindow: {
        from: visit.toISOString(),
        to: new Date(visit.getTime() + 2 * 3_600_000).toISOString(),
      },
    });

    const before = await t.http
      .post('/v1/diagnoses')
      .set(agent.auth)
      .send({ deviceId: fleet.devices[1]!.id, description: 'key will not turn' });
    const resolved = await t.http.post(`/v1/escalations/${esc.id}/resolve`).set(smith1.auth).send({
      confirmedCause: 'broken_key_stuck',
      notes: 'Extracted the broken key, new cylinder fitted.',
      leaseToken: token,
    });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ status: 'resolved', confirmedCause: 'broken_key_stuck' });

    const solved = await t.http.get(`/v1/tickets/${tk.id}`).set(agent.auth);
    expect(solved.body).toMatchObject({ status: 'solved', confirmedCause: 'broken_key_stuck' });
    const events = await t.http.get(`/v1/tickets/${tk.id}/events`).set(agent.auth);
    const types = (events.body.data as { type: string; actor: { kind: string } }[]).map(
      (e) => `${e.type}:${e.actor.kind}`,
    );
    expect(types).toEqual(
      expect.arrayContaining([
        'escalated:user',
        'escalation_scheduled:partner',
        'escalation_resolved:partner',
      ]),
    );
    const after = await t.http
      .post('/v1/diagnoses')
      .set(agent.auth)
      .send({ deviceId: fleet.devices[1]!.id, description: 'key will not turn' });
    expect(after.body.device.learnedConfirmations).toBe(
      before.body.device.learnedConfirmations + 1,
    );
    expect(
      (
        await t.http
          .post(`/v1/escalations/${esc.id}/resolve`)
          .set(smith1.auth)
          .send({ confirmedCause: 'broken_key_stuck', notes: 'again', leaseToken: token })
      ).status,
    ).toBe(409);
  });

  it('re-routes a declined escalation to the next partner, and the decliner loses sight of it', async () => {
    const tk = await ticket(fleet.devices[2]!.id, 'Key will not turn in the lock');
    const esc = await escalate(tk.id, { target: 'locksmith' });
    expect(esc.partnerTenantId).toBe(l1.id);
    const declined = await t.http
      .post(`/v1/escalations/${esc.id}/decline`)
      .set(l1.admin.auth)
      .send({ reason: 'Fully booked' });
    expect(declined.status).toBe(200);
    expect(declined.body).toMatchObject({ partnerTenantId: l2.id, status: 'routed' });
    expect((await t.http.get(`/v1/escalations/${esc.id}`).set(l1.admin.auth)).status).toBe(404);
    expect((await t.http.get(`/v1/escalations/${esc.id}`).set(l2.admin.auth)).status).toBe(200);
    const last = await t.http
      .post(`/v1/escalations/${esc.id}/decline`)
      .set(l2.admin.auth)
      .send({ reason: 'Too far' });
    expect(last.body).toMatchObject({
      partnerTenantId: null,
      status: 'queued',
      waitingFor: 'covering_partners_declined',
      waitingReason: expect.stringContaining('declined'),
    });
  });

  it('sends urgent lockouts to emergency-capable locksmiths first', async () => {
    const tk = await ticket(
      fleet.devices[3]!.id,
      'Locked out, the keypad is dead and the key is lost',
    );
    const esc = await escalate(tk.id, { target: 'locksmith' });
    expect(esc.partnerTenantId).toBe(l2.id);
  });

  it('sends firmware cases to the manufacturer partner of the brand, else keeps them in the queue with a reason', async () => {
    const tk = await ticket(
      fleet.devices[4]!.id,
      'Stopped working after the firmware update, a factory reset did not help',
    );
    const esc = await escalate(tk.id, { target: 'manufacturer' });
    expect(esc.partnerTenantId).toBe(maker.id);
    const mine = await t.http
      .get('/v1/escalations')
      .query({ queue: 'manufacturer' })
      .set(maker.admin.auth);
    expect((mine.body.data as { id: string }[]).map((x) => x.id)).toContain(esc.id);

    const acme = await newFleet(t.http, customer, 0);
    const dev = await t.http
      .post('/v1/devices')
      .set(customer.admin.auth)
      .send({ serial: `ACME-${Date.now()}`, modelId: acme.model.id, propertyId: acme.property.id });
    const tk2 = await ticket(dev.body.id as string, 'Firmware update bricked it');
    const waiting = await escalate(tk2.id, { target: 'manufacturer' });
    expect(waiting).toMatchObject({
      partnerTenantId: null,
      status: 'queued',
      waitingReason: expect.stringContaining('Acme'),
    });
  });

  it('returns an expired claim to the queue and refuses the stale token', async () => {
    const tk = await ticket(fleet.devices[5]!.id, 'Bolt jams, grinding noise');
    const esc = await escalate(tk.id, { target: 'locksmith' });
    const partner = esc.partnerTenantId === l1.id ? l1 : l2;
    const first = await t.http.post(`/v1/escalations/${esc.id}/claim`).set(partner.admin.auth);
    expect(first.status).toBe(200);
    expect(
      (await t.http.post(`/v1/escalations/${esc.id}/claim`).set(partner.admin.auth)).status,
    ).toBe(409);
    const owner = await ownerClient(t.databaseUrl);
    await owner.query(
      `UPDATE escalations SET lease_expires_at = now() - interval '1 minute' WHERE id = $1`,
      [esc.id],
    );
    await owner.end();
    const second = await t.http.post(`/v1/escalations/${esc.id}/claim`).set(partner.admin.auth);
    expect(second.status).toBe(200);
    const stale = await t.http
      .post(`/v1/escalations/${esc.id}/resolve`)
      .set(partner.admin.auth)
      .send({
        confirmedCause: 'obstruction_debris',
        notes: 'x',
        leaseToken: first.body.leaseToken,
      });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('lease_lost');
  });

  it('re-routes escalations left unclaimed past their window', async () => {
    const tk = await ticket(fleet.devices[6]!.id, 'Door will not latch, misaligned strike');
    const esc = await escalate(tk.id, { target: 'locksmith' });
    const moved = await t.app.get(EscalationService).rerouteStale(customer.id, 0, 0);
    expect(moved).toBeGreaterThanOrEqual(1);
    const now = await t.http.get(`/v1/escalations/${esc.id}`).set(agent.auth);
    expect(now.body.partnerTenantId).not.toBe(esc.partnerTenantId);
    const events = await t.http.get(`/v1/tickets/${tk.id}/events`).set(agent.auth);
    expect(
      (events.body.data as { type: string }[]).some((e) => e.type === 'escalation_unclaimed'),
    ).toBe(true);
  });
});

describe('claims under contention', () => {
  it('with 12 concurrent claimers on 150 escalations, each is claimed exactly once', async () => {
    const c = await newTenant(t.http);
    const f = await newFleet(t.http, c, 1);
    const smith = await newTenant(t.http, { kind: 'locksmith' });
    // Capacity is a limit (open jobs at once): room for all 150.
    await profile(smith, { postalCodes: ['1100'], capacity: 200 });
    await t.http.post('/v1/partners').set(c.admin.auth).send({ handle: smith.handle }).expect(201);
    for (let i = 0; i < 150; i++) {
      const tk = await t.http
        .post('/v1/tickets')
        .set(c.admin.auth)
        .send({ separate: true, deviceId: f.devices[0]!.id, description: `Case ${i}: key stuck` });
      await t.http
        .post(`/v1/tickets/${tk.body.id}/escalate`)
        .set(c.admin.auth)
        .send({ target: 'locksmith' })
        .expect(200);
    }
    const claimers = await Promise.all(
      Array.from({ length: 11 }, () => newUser(t.http, smith, 'locksmith')),
    );
    const claimed: string[] = [];
    await Promise.all(
      [smith.admin, ...claimers].map(async (who) => {
        for (;;) {
          const res = await t.http.post('/v1/escalations/claim').set(who.auth);
          if (res.status === 204) return;
          expect(res.status).toBe(200);
          claimed.push(res.body.id as string);
        }
      }),
    );
    expect(claimed).toHaveLength(150);
    expect(new Set(claimed).size).toBe(150);
    // 300 setup requests: on 2 shared cores under the whole suite this outgrew the 60 s default.
  }, 180_000);
});
