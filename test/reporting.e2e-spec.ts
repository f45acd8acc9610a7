import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TicketJobsService } from '../src/tickets/ticket-jobs.service.js';
import type { TestApp } from './support/app.js';
import {
  newApiKey,
  newFleet,
  newTenant,
  REFERENCE_MODEL_ID,
  startDesk,
  type TestFleet,
  type TestTenant,
} from './support/factories.js';

let t: TestApp;
let a: TestTenant;
let fleet: TestFleet;

beforeAll(async () => {
  ({ t, a, fleet } = await startDesk(1));
});
afterAll(async () => {
  await t.close();
});

const report = (tenant: TestTenant, body: Record<string, unknown>, key?: string) => {
  const req = t.http.post('/v1/tickets').set(tenant.admin.auth);
  if (key) void req.set('Idempotency-Key', key);
  return req.send(body);
};

const addLock = async (tenant: TestTenant, propertyId: string, unit: string, serial: string) => {
  const res = await t.http
    .post('/v1/devices')
    .set(tenant.admin.auth)
    .send({ serial, modelId: REFERENCE_MODEL_ID, propertyId, unit });
  expect(res.status).toBe(201);
  return res.body as { id: string; serial: string };
};

const battery = async (tenant: TestTenant, serial: string, percent: number) => {
  const key = await newApiKey(t.http, tenant);
  await t.http
    .post('/v1/telemetry')
    .set('X-Api-Key', key.key)
    .send({
      events: [{ serial, type: 'battery', batteryPercent: percent, at: new Date().toISOString() }],
    })
    .expect(200);
};

const ticketsOf = async (tenant: TestTenant, deviceId: string) =>
  (await t.http.get('/v1/tickets').query({ deviceId }).set(tenant.admin.auth)).body.data as {
    id: string;
    source: string;
    reason: string | null;
    status: string;
  }[];

const eventsOf = async (tenant: TestTenant, id: string) =>
  (await t.http.get(`/v1/tickets/${id}/events`).query({ limit: 200 }).set(tenant.admin.auth)).body
    .data as { type: string; after: Record<string, unknown> | null }[];

describe('reporting a lock the way people name it', () => {
  it('by serial, or by property and unit, answers the same kind of ticket as by deviceId', async () => {
    const tenant = await newTenant(t.http);
    const f = await newFleet(t.http, tenant, 1);
    const bySerial = await report(tenant, {
      serial: f.devices[0]!.serial,
      description: 'Keypad dead, no lights',
    });
    expect(bySerial.status).toBe(201);
    expect(bySerial.body).toMatchObject({ deviceId: f.devices[0]!.id, existing: false });

    const other = await addLock(tenant, f.property.id, '2A', `SN-2A-${Date.now()}`);
    const byUnit = await report(tenant, {
      propertyId: f.property.id,
      unit: '2a', // case does not matter
      description: 'App says offline',
    });
    expect(byUnit.status).toBe(201);
    expect(byUnit.body).toMatchObject({
      deviceId: other.id,
      propertyId: f.property.id,
      existing: false,
    });
  });

  it('400 naming the choices when the lock is named none or two ways, or half a unit', async () => {
    const none = await report(a, { description: 'Broken' });
    expect(none.status).toBe(400);
    expect(none.body.detail).toMatch(/deviceId, serial, or propertyId with unit/);
    expect((none.body.errors as { field: string }[]).map((e) => e.field)).toEqual([
      'deviceId',
      'serial',
      'propertyId',
    ]);
    const two = await report(a, {
      deviceId: fleet.devices[0]!.id,
      serial: fleet.devices[0]!.serial,
      description: 'Broken',
    });
    expect(two.status).toBe(400);
    expect((two.body.errors as { field: string }[]).map((e) => e.field)).toEqual([
      'deviceId',
      'serial',
    ]);
    const half = await report(a, { propertyId: fleet.property.id, description: 'Broken' });
    expect(half.status).toBe(400);
    expect(half.body.errors).toEqual([{ field: 'unit', message: expect.any(String) }]);
    const unitOnly = await report(a, { unit: '1A', description: 'Broken' });
    expect(unitOnly.status).toBe(400);
    expect(unitOnly.body.errors).toEqual([{ field: 'propertyId', message: expect.any(String) }]);
    // Nothing was written.
    expect(await ticketsOf(a, fleet.devices[0]!.id)).toEqual([]);
  });

  it('404 for a serial or property this tenant does not have (another tenant’s included); 422 for an empty unit', async () => {
    const b = await newTenant(t.http);
    const fb = await newFleet(t.http, b, 1);
    const unknown = await report(a, { serial: 'NO-SUCH-SERIAL', description: 'Broken' });
    expect(unknown.status).toBe(404);
    const foreign = await report(a, { serial: fb.devices[0]!.serial, description: 'Broken' });
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('not_found');
    const foreignProperty = await report(a, {
      propertyId: fb.property.id,
      unit: '1A',
      description: 'Broken',
    });
    expect(foreignProperty.status).toBe(404);
    const empty = await report(a, { propertyId: fleet.property.id, unit: '1B', description: 'x' });
    expect(empty.status).toBe(422);
    expect(empty.body.code).toBe('no_lock_in_unit');
    expect(await ticketsOf(b, fb.devices[0]!.id)).toEqual([]);
  });

  it('409 listing the locks when the unit has several', async () => {
    const tenant = await newTenant(t.http);
    const f = await newFleet(t.http, tenant, 2); // both in unit 1A
    const res = await report(tenant, {
      propertyId: f.property.id,
      unit: '1A',
      description: 'Door will not lock',
    });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('several_locks_in_unit');
    expect(
      (res.body.locks as { id: string; serial: string; unit: string }[])
        .map((l) => [l.id, l.serial, l.unit])
        .sort(),
    ).toEqual(f.devices.map((d) => [d.id, d.serial, '1A']).sort());
  });
});

describe('a report on a lock with an open ticket', () => {
  it('joins that ticket (200, existing: true) with its words as a comment, unless separate', async () => {
    const tenant = await newTenant(t.http);
    const f = await newFleet(t.http, tenant, 1);
    const lock = f.devices[0]!;
    const first = await report(tenant, { deviceId: lock.id, description: 'Keypad is dim' });
    expect(first.status).toBe(201);
    expect(first.body.priority).toBe('normal');

    const again = await report(tenant, {
      serial: lock.serial,
      description: 'Now the tenant of 1A is locked out',
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      id: first.body.id,
      number: first.body.number,
      existing: true,
      priority: 'urgent', // the new words call for it
      version: first.body.version + 1,
    });
    expect(again.headers.etag).toBe(`"${again.body.version}"`);
    const comments = await t.http
      .get(`/v1/tickets/${first.body.id}/comments`)
      .set(tenant.admin.auth);
    expect((comments.body.data as { body: string }[]).map((c) => c.body)).toEqual([
      'Now the tenant of 1A is locked out',
    ]);
    const types = (await eventsOf(tenant, first.body.id)).map((e) => e.type);
    expect(types).toEqual(['created', 'reported_again', 'priority_changed']);
    expect(await ticketsOf(tenant, lock.id)).toHaveLength(1);

    // separate: a new ticket; the open one is left as it was.
    const separate = await report(tenant, {
      deviceId: lock.id,
      description: 'A different problem: the handle is loose',
      separate: true,
    });
    expect(separate.status).toBe(201);
    expect(separate.body.existing).toBe(false);
    expect(separate.body.id).not.toBe(first.body.id);
    const openOne = await t.http.get(`/v1/tickets/${first.body.id}`).set(tenant.admin.auth);
    expect(openOne.body).toMatchObject({ version: again.body.version, related: [] });

    // Once solved, a report opens a new ticket again... but the separate one is still open.
    await t.http
      .post(`/v1/tickets/${separate.body.id}/resolve`)
      .set(tenant.admin.auth)
      .send({ confirmedCause: 'worn_mechanism', resolution: 'Tightened the handle.' })
      .expect(200);
    await t.http
      .post(`/v1/tickets/${first.body.id}/resolve`)
      .set(tenant.admin.auth)
      .send({ confirmedCause: 'battery_depleted', resolution: 'New batteries.' })
      .expect(200);
    const later = await report(tenant, { deviceId: lock.id, description: 'Keypad dim again' });
    expect(later.status).toBe(201);
    expect(later.body.existing).toBe(false);
  });

  it('replays the same answer for the same Idempotency-Key, and adds the words once', async () => {
    const tenant = await newTenant(t.http);
    const f = await newFleet(t.http, tenant, 1);
    const lock = f.devices[0]!;
    const first = await report(tenant, { deviceId: lock.id, description: 'App times out' });
    const body = { deviceId: lock.id, description: 'Still timing out today' };
    const once = await report(tenant, body, 'again-1');
    expect(once.status).toBe(200);
    expect(once.body.existing).toBe(true);
    const replay = await report(tenant, body, 'again-1');
    expect(replay.status).toBe(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(once.body);
    const comments = await t.http
      .get(`/v1/tickets/${first.body.id}/comments`)
      .set(tenant.admin.auth);
    expect(comments.body.data).toHaveLength(1);
    const other = await report(tenant, { ...body, description: 'different' }, 'again-1');
    expect(other.status).toBe(422);
  });
});

describe('priority from the words', () => {
  it('raises urgency from phrases, not from negated ones', async () => {
    const tenant = await newTenant(t.http);
    const f = await newFleet(t.http, tenant, 3);
    const cases: [string, string][] = [
      ['The resident is locked out of 1A', 'urgent'],
      ['We are not locked out, the keypad just beeps twice', 'normal'],
      ['The bolt does not move', 'high'],
    ];
    for (const [i, [description, priority]] of cases.entries()) {
      const res = await report(tenant, { deviceId: f.devices[i]!.id, description });
      expect(res.status).toBe(201);
      expect([description, res.body.priority]).toEqual([description, priority]);
    }
  });
});

describe('proactive alerts fold into an open reported ticket', () => {
  it('a note on the reported ticket, once, instead of a maintenance ticket', async () => {
    const tenant = await newTenant(t.http);
    const f = await newFleet(t.http, tenant, 2);
    const [reported, quiet] = f.devices as [TestFleet['devices'][0], TestFleet['devices'][0]];
    const open = await report(tenant, { deviceId: reported.id, description: 'Keypad is slow' });
    await battery(tenant, reported.serial, 5);
    await battery(tenant, quiet.serial, 5);
    const jobs = t.app.get(TicketJobsService);
    const run = await jobs.openProactive(tenant.id);
    expect(run).toBe(1); // only the lock without an open ticket got a maintenance ticket

    const onReported = await ticketsOf(tenant, reported.id);
    expect(onReported.map((x) => x.id)).toEqual([open.body.id]);
    const notes = (await eventsOf(tenant, open.body.id)).filter((e) => e.type === 'proactive_note');
    expect(notes).toEqual([
      expect.objectContaining({
        after: expect.objectContaining({
          reason: 'low_battery',
          symptoms: ['low_battery_warning'],
        }),
      }),
    ]);
    expect((await ticketsOf(tenant, quiet.id)).map((x) => x.reason)).toEqual(['low_battery']);

    // Not again, by this job or by the tenants due.
    expect(await jobs.openProactive(tenant.id)).toBe(0);
    const again = (await eventsOf(tenant, open.body.id)).filter((e) => e.type === 'proactive_note');
    expect(again).toHaveLength(1);
    const report2 = await jobs.runOnce();
    expect(report2.proactive).toBe(0);

    // Solved: the next alert opens its own maintenance ticket.
    await t.http
      .post(`/v1/tickets/${open.body.id}/resolve`)
      .set(tenant.admin.auth)
      .send({ confirmedCause: 'battery_depleted', resolution: 'New batteries.' })
      .expect(200);
    expect(await jobs.openProactive(tenant.id)).toBe(1);
    expect(
      (await ticketsOf(tenant, reported.id)).filter((x) => x.source === 'proactive'),
    ).toHaveLength(1);
  });
});

describe('one low-battery threshold', () => {
  it('flags the lock and opens a maintenance ticket at the same level, not one above', async () => {
    const threshold = t.config.lowBatteryPercent;
    const tenant = await newTenant(t.http);
    const f = await newFleet(t.http, tenant, 2);
    const [at, above] = f.devices as [TestFleet['devices'][0], TestFleet['devices'][0]];
    await battery(tenant, at.serial, threshold);
    await battery(tenant, above.serial, threshold + 1);
    const flag = async (id: string) =>
      (await t.http.get(`/v1/devices/${id}`).set(tenant.admin.auth)).body.health.flags
        .lowBattery as boolean;
    expect(await flag(at.id)).toBe(true);
    expect(await flag(above.id)).toBe(false);
    expect(await t.app.get(TicketJobsService).openProactive(tenant.id)).toBe(1);
    expect((await ticketsOf(tenant, at.id)).map((x) => x.reason)).toEqual(['low_battery']);
    expect(await ticketsOf(tenant, above.id)).toEqual([]);
  });

  it('desk settings show it and refuse a different one', async () => {
    const threshold = t.config.lowBatteryPercent;
    const tenant = await newTenant(t.http);
    const got = await t.http.get('/v1/settings/desk').set(tenant.admin.auth).expect(200);
    expect(got.body.proactive).toEqual({
      batteryPercent: threshold,
      offlineHours: 24,
      jamsPerHour: 3,
    });
    const refused = await t.http
      .put('/v1/settings/desk')
      .set(tenant.admin.auth)
      .send({ proactive: { batteryPercent: threshold - 5, offlineHours: 12, jamsPerHour: 3 } });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].field).toBe('proactive.batteryPercent');
    const same = await t.http
      .put('/v1/settings/desk')
      .set(tenant.admin.auth)
      .send({ proactive: { ...got.body.proactive, offlineHours: 12 } });
    expect(same.status).toBe(200);
    expect(same.body.proactive).toEqual({
      batteryPercent: threshold,
      offlineHours: 12,
      jamsPerHour: 3,
    });
  });
});

describe('related tickets', () => {
  it('link both ways, show on GET, unlink; versions move; another tenant’s ticket is 404', async () => {
    const tenant = await newTenant(t.http);
    const f = await newFleet(t.http, tenant, 2);
    const one = (await report(tenant, { deviceId: f.devices[0]!.id, description: 'Leak 1' })).body;
    const two = (await report(tenant, { deviceId: f.devices[1]!.id, description: 'Leak 2' })).body;
    const linked = await t.http
      .post(`/v1/tickets/${one.id}/related`)
      .set(tenant.admin.auth)
      .send({ ticketId: two.id });
    expect(linked.status).toBe(200);
    expect(linked.body).toEqual({ related: [{ id: two.id, number: two.number, status: 'new' }] });
    // Twice is harmless.
    await t.http
      .post(`/v1/tickets/${two.id}/related`)
      .set(tenant.admin.auth)
      .send({ ticketId: one.id })
      .expect(200);
    const gotTwo = await t.http.get(`/v1/tickets/${two.id}`).set(tenant.admin.auth);
    expect(gotTwo.body.related).toEqual([{ id: one.id, number: one.number, status: 'new' }]);
    expect(gotTwo.body.version).toBe(two.version + 1);
    expect((await eventsOf(tenant, one.id)).map((e) => e.type)).toContain('related_added');

    const self = await t.http
      .post(`/v1/tickets/${one.id}/related`)
      .set(tenant.admin.auth)
      .send({ ticketId: one.id });
    expect(self.status).toBe(400);

    // Another tenant: its ticket is not found either way, and it sees none of the links.
    const b = await newTenant(t.http);
    const fb = await newFleet(t.http, b, 1);
    const theirs = (await report(b, { deviceId: fb.devices[0]!.id, description: 'Theirs' })).body;
    const cross = await t.http
      .post(`/v1/tickets/${one.id}/related`)
      .set(tenant.admin.auth)
      .send({ ticketId: theirs.id });
    expect(cross.status).toBe(404);
    const crossBack = await t.http
      .post(`/v1/tickets/${theirs.id}/related`)
      .set(b.admin.auth)
      .send({ ticketId: one.id });
    expect(crossBack.status).toBe(404);
    expect(
      (await t.http.delete(`/v1/tickets/${one.id}/related/${two.id}`).set(b.admin.auth)).status,
    ).toBe(404);
    const seen = await t.dataSource.transaction(async (em) => {
      await em.query(`select set_config('app.tenant_id', $1, true)`, [b.id]);
      return em.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM ticket_links`);
    });
    expect(seen).toEqual([{ n: 0 }]);
    const own = await t.dataSource.transaction(async (em) => {
      await em.query(`select set_config('app.tenant_id', $1, true)`, [tenant.id]);
      return em.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM ticket_links`);
    });
    expect(own).toEqual([{ n: 2 }]);

    await t.http
      .delete(`/v1/tickets/${one.id}/related/${two.id}`)
      .set(tenant.admin.auth)
      .expect(204);
    expect((await t.http.get(`/v1/tickets/${one.id}`).set(tenant.admin.auth)).body.related).toEqual(
      [],
    );
    expect(
      (await t.http.delete(`/v1/tickets/${one.id}/related/${two.id}`).set(tenant.admin.auth))
        .status,
    ).toBe(404);
  });
});
