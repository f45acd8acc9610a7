/**
 * The work order a partner acts on (issue 13, section 2): the reporter's description, the steps
 * tried with their notes, the lock's power, protocol, battery, online state and recent jams, the
 * access notes and on-site contact (the property's, or given at escalation), and the visit
 * window a partner books.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
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

const DAY = 86_400_000;
const HOUR = 3_600_000;

let t: TestApp;
let customer: TestTenant;
let agent: Session;
let fleet: TestFleet;
let smith: TestTenant;
let apiKey: string;

async function ticket(deviceId: string, description: string) {
  const res = await t.http
    .post('/v1/tickets')
    .set(agent.auth)
    .send({ deviceId, description, separate: true });
  if (res.status !== 201) throw new Error(`ticket: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; number: string };
}

async function escalate(ticketId: string, body: object = {}) {
  const res = await t.http
    .post(`/v1/tickets/${ticketId}/escalate`)
    .set(agent.auth)
    .send({ target: 'locksmith', ...body });
  if (res.status !== 200) throw new Error(`escalate: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; partnerTenantId: string | null; status: string };
}

async function telemetry(events: object[]) {
  const res = await t.http.post('/v1/telemetry').set('X-Api-Key', apiKey).send({ events });
  expect(res.status).toBe(200);
  expect(res.body.rejected).toEqual([]);
}

beforeAll(async () => {
  t = await startTestApp();
  customer = await newTenant(t.http);
  agent = await newUser(t.http, customer, 'agent');
  fleet = await newFleet(t.http, customer, 4); // 1100-148 Lisbon, Yale Assure Lock 2 Keypad, unit 1A
  apiKey = (await newApiKey(t.http, customer)).key;
  smith = await newTenant(t.http, { kind: 'locksmith', name: 'Alfama Locks' });
  await t.http
    .put('/v1/partner-profile')
    .set(smith.admin.auth)
    .send({ postalCodes: ['1100'], capacity: 50 })
    .expect(200);
  await t.http
    .post('/v1/partners')
    .set(customer.admin.auth)
    .send({ handle: smith.handle })
    .expect(201);
});
afterAll(async () => {
  await t.close();
});

describe('a property’s access notes and on-site contact', () => {
  it('are set on create, changed and cleared by PATCH, refused when malformed, and left out of lists', async () => {
    const created = await t.http
      .post('/v1/properties')
      .set(customer.admin.auth)
      .send({
        name: 'Riverside Lofts',
        address: { line1: '3 Rua Nova', city: 'Lisbon', postalCode: '1100-200', country: 'PT' },
        timeZone: 'Europe/Lisbon',
        accessNotes: 'Key safe by the side gate, code 4711',
        contact: { name: 'Rui (concierge)', phone: '+351 912 345 678' },
      });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      accessNotes: 'Key safe by the side gate, code 4711',
      contact: { name: 'Rui (concierge)', phone: '+351 912 345 678' },
    });
    const id = created.body.id as string;

    for (const [body, field] of [
      [{ contact: { name: 'Rui' } }, 'contact.phone'],
      [{ contact: { name: 'Rui', phone: 'call me' } }, 'contact.phone'],
      [{ contact: { name: '  ', phone: '+351 912 345 678' } }, 'contact.name'],
      [{ contact: 'Rui +351 912' }, 'contact'],
      [{ accessNotes: 'x'.repeat(2001) }, 'accessNotes'],
      [{ accessNotes: 42 }, 'accessNotes'],
    ] as const) {
      const res = await t.http.patch(`/v1/properties/${id}`).set(customer.admin.auth).send(body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect((res.body.errors as { field: string }[]).map((e) => e.field)).toContain(field);
    }
    const unchanged = await t.http.get(`/v1/properties/${id}`).set(customer.admin.auth);
    expect(unchanged.body.contact).toEqual({ name: 'Rui (concierge)', phone: '+351 912 345 678' });

    const renamed = await t.http
      .patch(`/v1/properties/${id}`)
      .set(customer.admin.auth)
      .send({ name: 'Riverside Lofts II' });
    // Left out: kept.
    expect(renamed.body).toMatchObject({
      name: 'Riverside Lofts II',
      accessNotes: 'Key safe by the side gate, code 4711',
      contact: { name: 'Rui (concierge)', phone: '+351 912 345 678' },
    });
    const cleared = await t.http
      .patch(`/v1/properties/${id}`)
      .set(customer.admin.auth)
      .send({ accessNotes: null, contact: null });
    expect(cleared.body).toMatchObject({ accessNotes: null, contact: null });

    const list = await t.http.get('/v1/properties').set(customer.admin.auth);
    const item = (list.body.data as { id: string }[]).find((p) => p.id === id)!;
    expect(item).not.toHaveProperty('accessNotes');
    expect(item).not.toHaveProperty('contact');
  });
});

describe('the work order', () => {
  it('carries everything a locksmith acts on, with the property’s contact and access notes', async () => {
    await t.http
      .patch(`/v1/properties/${fleet.property.id}`)
      .set(customer.admin.auth)
      .send({
        accessNotes: 'Concierge desk in the lobby, 8-18',
        contact: { name: 'Marta Silva', phone: '+351 213 000 111' },
      })
      .expect(200);
    const lock = fleet.devices[0]!;
    const now = Date.now();
    const batteryAt = new Date(now - 2 * HOUR).toISOString();
    const lastJam = new Date(now - 1 * HOUR).toISOString();
    await telemetry([
      { serial: lock.serial, type: 'battery', batteryPercent: 35, at: batteryAt },
      { serial: lock.serial, type: 'online', online: true, at: batteryAt },
      { serial: lock.serial, type: 'jam', at: new Date(now - 10 * DAY).toISOString() },
      { serial: lock.serial, type: 'jam', at: new Date(now - 3 * DAY).toISOString() },
      { serial: lock.serial, type: 'jam', at: lastJam },
      // Older than 30 days: not recent.
      { serial: lock.serial, type: 'jam', at: new Date(now - 40 * DAY).toISOString() },
    ]);
    const description = 'The bolt jams halfway; the tenant in 1A cannot lock the door at night';
    const tk = await ticket(lock.id, description);
    await t.http
      .post(`/v1/tickets/${tk.id}/steps`)
      .set(agent.auth)
      .send({ step: 'replace_batteries', outcome: 'not_fixed', note: 'Fresh AAs, no change' })
      .expect(200);
    await t.http
      .post(`/v1/tickets/${tk.id}/steps`)
      .set(agent.auth)
      .send({ step: 'inspect_alignment', outcome: 'not_fixed' })
      .expect(200);
    const esc = await escalate(tk.id, { reason: 'Needs a locksmith on site' });
    expect(esc).toMatchObject({ status: 'routed', partnerTenantId: smith.id });

    const read = await t.http.get(`/v1/escalations/${esc.id}`).set(smith.admin.auth).expect(200);
    const wo = read.body.workOrder;
    expect(wo).toMatchObject({
      ticketNumber: tk.number,
      description,
      escalationReason: 'Needs a locksmith on site',
      property: { name: fleet.property.name, unit: '1A', address: { postalCode: '1100-148' } },
      accessNotes: 'Concierge desk in the lobby, 8-18',
      contact: { name: 'Marta Silva', phone: '+351 213 000 111' },
      lock: {
        manufacturer: 'Yale',
        model: 'Assure Lock 2 Keypad',
        serial: lock.serial,
        powerSource: 'battery',
        protocol: expect.any(String),
        modelProtocols: expect.arrayContaining([expect.any(String)]),
        battery: { percent: 35, at: batteryAt },
        online: { online: true, lastSeenAt: expect.any(String) },
        recentJams: { days: 30, count: 3, lastAt: lastJam },
      },
    });
    expect(wo.lock.modelProtocols).toContain(wo.lock.protocol);
    expect(wo.stepsTried).toEqual([
      {
        step: 'replace_batteries',
        outcome: 'not_fixed',
        note: 'Fresh AAs, no change',
        at: expect.any(String),
      },
      { step: 'inspect_alignment', outcome: 'not_fixed', note: null, at: expect.any(String) },
    ]);
    expect(Date.parse(wo.stepsTried[0].at)).toBeLessThanOrEqual(Date.parse(wo.stepsTried[1].at));
    expect(wo.diagnosis.likelyCauses.length).toBeGreaterThan(0);
    for (const c of wo.diagnosis.likelyCauses) {
      expect(c).toEqual({
        code: expect.any(String),
        probability: expect.any(Number),
        category: expect.any(String),
        evidence: expect.any(Array),
      });
    }
    expect(wo.diagnosis.recommendation).toEqual(expect.any(String));
    // The customer reads the same work order.
    const own = await t.http.get(`/v1/escalations/${esc.id}`).set(agent.auth).expect(200);
    expect(own.body.workOrder).toEqual(wo);

    // The list stays a summary: none of the new fields, the top cause cut to code and probability.
    const queue = await t.http.get('/v1/escalations').set(smith.admin.auth);
    const item = (queue.body.data as { id: string; workOrder: object }[]).find(
      (x) => x.id === esc.id,
    )!;
    expect(Object.keys(item.workOrder).sort()).toEqual(
      ['customer', 'lock', 'property', 'ticketNumber', 'topCause', 'urgency'].sort(),
    );
    expect(item.workOrder).toMatchObject({
      topCause: {
        code: wo.diagnosis.likelyCauses[0].code,
        probability: wo.diagnosis.likelyCauses[0].probability,
      },
    });
    expect(JSON.stringify(item)).not.toContain('Marta');
    expect(JSON.stringify(item)).not.toContain(description);
  });

  it('takes the contact and access notes given at escalation over the property’s', async () => {
    const tk = await ticket(fleet.devices[1]!.id, 'Keypad does not light up at all');
    const esc = await escalate(tk.id, {
      accessNotes: 'Ring flat 1A; the tenant works from home',
      contact: { name: 'Ana Tenant', phone: '+351 910 000 222' },
    });
    const read = await t.http.get(`/v1/escalations/${esc.id}`).set(smith.admin.auth);
    expect(read.body.workOrder).toMatchObject({
      accessNotes: 'Ring flat 1A; the tenant works from home',
      contact: { name: 'Ana Tenant', phone: '+351 910 000 222' },
    });
    // A malformed contact at escalation is refused, and nothing is escalated.
    const other = await ticket(fleet.devices[2]!.id, 'Keypad does not light up at all');
    for (const contact of [{ name: 'Ana' }, { name: 'Ana', phone: 'x' }, 'Ana']) {
      const res = await t.http
        .post(`/v1/tickets/${other.id}/escalate`)
        .set(agent.auth)
        .send({ target: 'locksmith', contact });
      expect({ contact, status: res.status }).toEqual({ contact, status: 400 });
    }
    const none = await t.http.get('/v1/escalations').query({ ticketId: other.id }).set(agent.auth);
    expect(none.body.data).toEqual([]);
    const still = await t.http.get(`/v1/tickets/${other.id}`).set(agent.auth);
    expect(still.body.status).not.toBe('on_hold');
  });
});

describe('the visit window', () => {
  it('must be UTC instants, end after it starts, in the future and within the horizon; shown on the ticket', async () => {
    const tk = await ticket(fleet.devices[3]!.id, 'Bolt grinds and sticks');
    const esc = await escalate(tk.id);
    const claim = await t.http.post(`/v1/escalations/${esc.id}/claim`).set(smith.admin.auth);
    expect(claim.status).toBe(200);
    const leaseToken = claim.body.leaseToken as string;
    const at = (ms: number) => new Date(Date.now() + ms).toISOString();
    const from = new Date(Date.now() + 2 * DAY);
    from.setUTCHours(9, 0, 0, 0);
    const to = new Date(from.getTime() + 3 * HOUR);

    const bad: [object, string][] = [
      [{}, 'visitWindow'],
      [{ visitWindow: { from: from.toISOString() } }, 'visitWindow.to'],
      [
        { visitWindow: { from: '2030-01-01T09:00:00+01:00', to: to.toISOString() } },
        'visitWindow.from',
      ],
      [{ visitWindow: { from: from.toISOString(), to: '2030-01-01T12:00:00' } }, 'visitWindow.to'],
      [{ visitWindow: { from: from.toISOString(), to: '2030-02-30T12:00:00Z' } }, 'visitWindow.to'],
      [{ visitWindow: { from: to.toISOString(), to: from.toISOString() } }, 'visitWindow.to'],
      [{ visitWindow: { from: from.toISOString(), to: from.toISOString() } }, 'visitWindow.to'],
      [{ visitWindow: { from: at(-3 * HOUR), to: at(-HOUR) } }, 'visitWindow.to'],
      [{ visitWindow: { from: at(DAY), to: at(61 * DAY) } }, 'visitWindow.to'],
      [
        { visitWindow: { from: from.toISOString(), to: to.toISOString() }, at: from.toISOString() },
        'visitWindow',
      ],
      [{ visitWindow: 'tomorrow morning' }, 'visitWindow'],
    ];
    for (const [body, field] of bad) {
      const res = await t.http
        .post(`/v1/escalations/${esc.id}/schedule`)
        .set(smith.admin.auth)
        .send({ ...body, leaseToken });
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect((res.body.errors as { field: string }[]).map((e) => e.field)).toContain(field);
    }
    const unchanged = await t.http.get(`/v1/escalations/${esc.id}`).set(smith.admin.auth);
    expect(unchanged.body).toMatchObject({
      status: 'claimed',
      scheduledAt: null,
      visitWindow: null,
    });

    const ok = await t.http
      .post(`/v1/escalations/${esc.id}/schedule`)
      .set(smith.admin.auth)
      .send({ visitWindow: { from: from.toISOString(), to: to.toISOString() }, leaseToken });
    expect(ok.status).toBe(200);
    const window = { from: from.toISOString(), to: to.toISOString() };
    expect(ok.body).toMatchObject({
      status: 'scheduled',
      scheduledAt: window.from,
      visitWindow: window,
    });
    // The lease runs to the window's end plus 4 h.
    expect(Date.parse(ok.body.leaseExpiresAt as string)).toBe(to.getTime() + 4 * HOUR);

    const onTicket = await t.http.get(`/v1/tickets/${tk.id}`).set(agent.auth);
    expect(onTicket.body.escalation).toMatchObject({
      status: 'scheduled',
      scheduledAt: window.from,
      visitWindow: window,
    });
    const events = await t.http.get(`/v1/tickets/${tk.id}/events`).set(agent.auth);
    const scheduled = (events.body.data as { type: string; after: unknown }[]).find(
      (e) => e.type === 'escalation_scheduled',
    );
    expect(scheduled?.after).toMatchObject({ visitWindow: window });
    // The thread says when, as LockDesk.
    const thread = await t.http.get(`/v1/escalations/${esc.id}/messages`).set(agent.auth);
    expect(thread.body.data).toEqual([
      expect.objectContaining({
        author: { id: null, name: 'LockDesk', kind: 'system' },
        body: `Visit scheduled: ${window.from} to ${window.to}.`,
      }),
    ]);
  });
});
