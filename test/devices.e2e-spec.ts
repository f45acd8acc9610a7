import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from './support/app.js';
import {
  newApiKey,
  newFleet,
  newTenant,
  newUser,
  REFERENCE_MODEL_ID,
  type TestTenant,
} from './support/factories.js';

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
beforeAll(async () => {
  t = await startTestApp();
  a = await newTenant(t.http);
  b = await newTenant(t.http);
});
afterAll(async () => {
  await t.close();
});

const address = { line1: '1 Main St', city: 'Porto', postalCode: '4000-001', country: 'pt' };
const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
const tag = () => Math.random().toString(36).slice(2, 8);

describe('properties', () => {
  it('are created, searched by name, paged, changed and removed', async () => {
    const tenant = await newTenant(t.http);
    const made: string[] = [];
    for (const name of ['Harbor View', 'Hillside Lofts', 'Harbor Point']) {
      const res = await t.http
        .post('/v1/properties')
        .set(tenant.admin.auth)
        .send({ name, address, units: ['1', '2', '2'], timeZone: 'Europe/Lisbon' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        name,
        units: ['1', '2'],
        timeZone: 'Europe/Lisbon',
        address: { country: 'PT' },
      });
      made.push(res.body.id as string);
    }
    const search = await t.http.get('/v1/properties').query({ q: 'harbor' }).set(tenant.admin.auth);
    expect((search.body.data as { name: string }[]).map((p) => p.name)).toEqual([
      'Harbor View',
      'Harbor Point',
    ]);
    const wild = await t.http.get('/v1/properties').query({ q: '%' }).set(tenant.admin.auth);
    expect(wild.body.data).toEqual([]);
    const page1 = await t.http.get('/v1/properties').query({ limit: 2 }).set(tenant.admin.auth);
    const page2 = await t.http
      .get('/v1/properties')
      .query({ limit: 2, cursor: page1.body.nextCursor })
      .set(tenant.admin.auth);
    expect([...page1.body.data, ...page2.body.data].map((p: { id: string }) => p.id)).toEqual(made);
    expect(page2.body.nextCursor).toBeNull();

    const patched = await t.http
      .patch(`/v1/properties/${made[0]!}`)
      .set(tenant.admin.auth)
      .send({ timeZone: 'America/New_York' });
    expect(patched.body).toMatchObject({ name: 'Harbor View', timeZone: 'America/New_York' });
    await t.http.delete(`/v1/properties/${made[2]!}`).set(tenant.admin.auth).expect(204);
    expect((await t.http.get(`/v1/properties/${made[2]!}`).set(tenant.admin.auth)).status).toBe(
      404,
    );
  });

  it('refuses a bad time zone, address and unknown fields, naming each', async () => {
    const res = await t.http
      .post('/v1/properties')
      .set(a.admin.auth)
      .send({
        name: 'X',
        address: { line1: '', city: 'Y', postalCode: '1', country: 'Portugal', floor: 3 },
        timeZone: 'Mars/Olympus',
        tenantId: b.id,
      });
    expect(res.status).toBe(400);
    const fields = (res.body.errors as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual([
      'address.country',
      'address.floor',
      'address.line1',
      'tenantId',
      'timeZone',
    ]);
  });

  it('cannot be removed while locks are installed there', async () => {
    const fleet = await newFleet(t.http, a, 1);
    const res = await t.http.delete(`/v1/properties/${fleet.property.id}`).set(a.admin.auth);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('property_in_use');
  });
});

describe('the model catalog', () => {
  it('ships at least 20 reference models of the common brands', async () => {
    const res = await t.http
      .get('/v1/device-models')
      .query({ source: 'reference', limit: 200 })
      .set(a.admin.auth);
    expect(res.status).toBe(200);
    const brands = new Set(
      (res.body.data as { manufacturer: string }[]).map((m) => m.manufacturer),
    );
    expect(res.body.data.length).toBeGreaterThanOrEqual(20);
    for (const brand of [
      'Yale',
      'Schlage',
      'August',
      'Kwikset',
      'Nuki',
      'Ultraloq',
      'Level',
      'Eufy',
      'Lockly',
      'Wyze',
      'Google Nest x Yale',
    ]) {
      expect(brands).toContain(brand);
    }
    const yale = await t.http
      .get('/v1/device-models')
      .query({ manufacturer: 'yale' })
      .set(a.admin.auth);
    expect(
      (yale.body.data as { manufacturer: string }[]).every((m) => m.manufacturer === 'Yale'),
    ).toBe(true);
    const paged = await t.http.get('/v1/device-models').query({ limit: 5 }).set(a.admin.auth);
    const next = await t.http
      .get('/v1/device-models')
      .query({ limit: 5, cursor: paged.body.nextCursor })
      .set(a.admin.auth);
    expect(next.body.data[0].id).not.toBe(paged.body.data[0].id);
  });

  it('keeps reference models read-only but lets each tenant track its own latest firmware', async () => {
    const ro = await t.http
      .patch(`/v1/device-models/${REFERENCE_MODEL_ID}`)
      .set(a.admin.auth)
      .send({ warrantyMonths: 99 });
    expect(ro.status).toBe(409);
    expect(ro.body.code).toBe('model_read_only');
    const set = await t.http
      .patch(`/v1/device-models/${REFERENCE_MODEL_ID}`)
      .set(a.admin.auth)
      .send({ latestFirmware: '3.2.1' });
    expect(set.body).toMatchObject({
      source: 'reference',
      latestFirmware: '3.2.1',
      manufacturer: 'Yale',
    });
    const other = await t.http.get(`/v1/device-models/${REFERENCE_MODEL_ID}`).set(b.admin.auth);
    expect(other.body.latestFirmware).toBeNull();
    expect(
      (await t.http.delete(`/v1/device-models/${REFERENCE_MODEL_ID}`).set(a.admin.auth)).status,
    ).toBe(409);
  });

  it('adds tenant models, refuses duplicates, and hides them from other tenants', async () => {
    const body = {
      manufacturer: 'Acme',
      model: `Gate ${tag()}`,
      protocols: ['zigbee'],
      powerSource: 'wired',
      hasKeyCylinder: false,
    };
    const made = await t.http.post('/v1/device-models').set(a.admin.auth).send(body);
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({
      source: 'tenant',
      warrantyMonths: 12,
      hasKeyCylinder: false,
      latestFirmware: null,
    });
    const dup = await t.http
      .post('/v1/device-models')
      .set(a.admin.auth)
      .send({ ...body, model: body.model.toUpperCase() });
    expect(dup.status).toBe(409);
    expect((await t.http.get(`/v1/device-models/${made.body.id}`).set(b.admin.auth)).status).toBe(
      404,
    );
    const bad = await t.http
      .post('/v1/device-models')
      .set(a.admin.auth)
      .send({ ...body, protocols: ['lora'], powerSource: 'solar', latestFirmware: 'latest' });
    expect(bad.status).toBe(400);
    expect((bad.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual([
      'latestFirmware',
      'powerSource',
      'protocols',
    ]);
  });
});

describe('devices', () => {
  it('are registered with their model and property, with a derived warranty end', async () => {
    const fleet = await newFleet(t.http, a, 0);
    const res = await t.http
      .post('/v1/devices')
      .set(a.admin.auth)
      .send({
        serial: `YALE-${tag()}`,
        modelId: REFERENCE_MODEL_ID,
        propertyId: fleet.property.id,
        unit: '2A',
        firmwareVersion: '1.4.0',
        protocol: 'bluetooth',
        installedAt: '2025-03-14',
        label: 'Front door',
      });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      modelId: REFERENCE_MODEL_ID,
      model: { manufacturer: 'Yale' },
      unit: '2A',
      installedAt: '2025-03-14',
      warrantyExpiresAt: '2026-03-14',
      status: 'active',
    });
    const again = await t.http.post('/v1/devices').set(a.admin.auth).send({
      serial: res.body.serial,
      modelId: REFERENCE_MODEL_ID,
      propertyId: fleet.property.id,
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('serial_taken');
  });

  it('refuses protocols the model lacks, units the property lacks, and models of other tenants', async () => {
    const fleet = await newFleet(t.http, a, 0);
    const bFleet = await newFleet(t.http, b, 0);
    const res = await t.http
      .post('/v1/devices')
      .set(a.admin.auth)
      .send({
        serial: `X-${tag()}`,
        modelId: bFleet.model.id,
        propertyId: fleet.property.id,
        unit: '9Z',
      });
    expect(res.status).toBe(400);
    expect((res.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual([
      'modelId',
      'unit',
    ]);
    const proto = await t.http
      .post('/v1/devices')
      .set(a.admin.auth)
      .send({
        serial: `X-${tag()}`,
        modelId: REFERENCE_MODEL_ID,
        propertyId: fleet.property.id,
        protocol: 'zwave',
      });
    expect(proto.status).toBe(400);
    expect(proto.body.errors[0].message).toMatch(/does not support zwave/);
    const foreignProperty = await t.http
      .post('/v1/devices')
      .set(a.admin.auth)
      .send({ serial: `X-${tag()}`, modelId: REFERENCE_MODEL_ID, propertyId: bFleet.property.id });
    expect(foreignProperty.status).toBe(400);
    expect(foreignProperty.body.errors[0].field).toBe('propertyId');
  });

  it('are listed by property, model, status and serial, changed and retired', async () => {
    const tenant = await newTenant(t.http);
    const f1 = await newFleet(t.http, tenant, 3);
    const f2 = await newFleet(t.http, tenant, 2);
    const byProperty = await t.http
      .get('/v1/devices')
      .query({ propertyId: f2.property.id })
      .set(tenant.admin.auth);
    expect((byProperty.body.data as { id: string }[]).map((d) => d.id)).toEqual(
      f2.devices.map((d) => d.id),
    );
    const bySerial = await t.http
      .get('/v1/devices')
      .query({ serial: f1.devices[1]!.serial })
      .set(tenant.admin.auth);
    expect(bySerial.body.data).toHaveLength(1);

    const moved = await t.http
      .patch(`/v1/devices/${f1.devices[0]!.id}`)
      .set(tenant.admin.auth)
      .send({ modelId: f1.model.id, label: 'Back door', protocol: 'wifi' });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ modelId: f1.model.id, label: 'Back door', unit: '1A' });
    const byModel = await t.http
      .get('/v1/devices')
      .query({ modelId: f1.model.id })
      .set(tenant.admin.auth);
    expect(byModel.body.data).toHaveLength(1);

    await t.http.delete(`/v1/devices/${f1.devices[2]!.id}`).set(tenant.admin.auth).expect(204);
    const retired = await t.http
      .get('/v1/devices')
      .query({ status: 'retired' })
      .set(tenant.admin.auth);
    expect((retired.body.data as { id: string }[]).map((d) => d.id)).toEqual([f1.devices[2]!.id]);

    const paged = await t.http.get('/v1/devices').query({ limit: 2 }).set(tenant.admin.auth);
    expect(paged.body.data).toHaveLength(2);
    expect(paged.body.nextCursor).toEqual(expect.any(String));
  });

  it('are managed by admins and managers, read by agents', async () => {
    const agent = await newUser(t.http, a, 'agent');
    const fleet = await newFleet(t.http, a, 1);
    expect((await t.http.get(`/v1/devices/${fleet.devices[0]!.id}`).set(agent.auth)).status).toBe(
      200,
    );
    expect(
      (
        await t.http
          .patch(`/v1/devices/${fleet.devices[0]!.id}`)
          .set(agent.auth)
          .send({ label: 'x' })
      ).status,
    ).toBe(403);
    expect(
      (await t.http.post('/v1/devices/import').set(agent.auth).send({ devices: [] })).status,
    ).toBe(403);
    const partner = await newTenant(t.http, { kind: 'locksmith' });
    expect((await t.http.get('/v1/devices').set(partner.admin.auth)).status).toBe(403);
    expect((await t.http.get('/v1/fleet/health').set(partner.admin.auth)).status).toBe(403);
  });
});

describe('bulk import', () => {
  it('imports CSV rows naming the model and property by name', async () => {
    const tenant = await newTenant(t.http);
    const fleet = await newFleet(t.http, tenant, 0);
    const csv = [
      'serial,manufacturer,model,propertyName,unit,firmwareVersion,installedAt,label',
      `CSV-1,Yale,Assure Lock 2 Keypad,${fleet.property.name},1A,1.0.0,2025-01-01,"Door, main"`,
      `CSV-2,schlage,encode smart wifi deadbolt,${fleet.property.name.toLowerCase()},1B,,,`,
      '',
    ].join('\r\n');
    const res = await t.http
      .post('/v1/devices/import')
      .set(tenant.admin.auth)
      .set('content-type', 'text/csv')
      .send(csv);
    expect(res.status).toBe(201);
    expect(res.body.imported).toBe(2);
    const list = await t.http.get('/v1/devices').set(tenant.admin.auth);
    expect(list.body.data).toEqual([
      expect.objectContaining({
        serial: 'CSV-1',
        label: 'Door, main',
        model: expect.objectContaining({ manufacturer: 'Yale' }),
      }),
      expect.objectContaining({
        serial: 'CSV-2',
        model: expect.objectContaining({ manufacturer: 'Schlage' }),
      }),
    ]);
  });

  it('rejects the whole batch listing every bad row, and writes nothing', async () => {
    const tenant = await newTenant(t.http);
    const fleet = await newFleet(t.http, tenant, 1);
    const ok = (i: number) => ({
      serial: `OK-${i}`,
      modelId: REFERENCE_MODEL_ID,
      propertyId: fleet.property.id,
    });
    const devices = [
      ok(1),
      { ...ok(2), serial: 'OK-1' },
      { ...ok(3), serial: fleet.devices[0]!.serial },
      { ...ok(4), modelId: '01900000-0000-7000-8000-999999999999', unit: 'nope' },
      { serial: 'OK-5', manufacturer: 'Nobody', model: 'Nothing', propertyName: 'Nowhere' },
      { ...ok(6), installedAt: '2025-02-30', firmwareVersion: 'new', color: 'red' },
      'not an object',
      ok(8),
    ];
    const res = await t.http.post('/v1/devices/import').set(tenant.admin.auth).send({ devices });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('import_rejected');
    const rows = res.body.rows as { row: number; field: string }[];
    expect([...new Set(rows.map((r) => r.row))]).toEqual([2, 3, 4, 5, 6, 7]);
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ row: 2, field: 'serial' }),
        expect.objectContaining({ row: 3, field: 'serial' }),
        expect.objectContaining({ row: 4, field: 'modelId' }),
        expect.objectContaining({ row: 5, field: 'model' }),
        expect.objectContaining({ row: 5, field: 'propertyName' }),
        expect.objectContaining({ row: 6, field: 'installedAt' }),
        expect.objectContaining({ row: 6, field: 'firmwareVersion' }),
        expect.objectContaining({ row: 6, field: 'color' }),
      ]),
    );
    const list = await t.http.get('/v1/devices').set(tenant.admin.auth);
    expect(list.body.data).toHaveLength(1);
  });

  it('refuses more than 10,000 rows and an empty or malformed body', async () => {
    const tooMany = Array.from({ length: 10_001 }, (_, i) => ({ serial: `S${i}` }));
    const res = await t.http
      .post('/v1/devices/import')
      .set(a.admin.auth)
      .send({ devices: tooMany });
    expect(res.status).toBe(413);
    expect(
      (await t.http.post('/v1/devices/import').set(a.admin.auth).send({ devices: [] })).status,
    ).toBe(400);
    expect(
      (await t.http.post('/v1/devices/import').set(a.admin.auth).send({ rows: [] })).status,
    ).toBe(400);
    const badCsv = await t.http
      .post('/v1/devices/import')
      .set(a.admin.auth)
      .set('content-type', 'text/csv')
      .send('serial\n"open');
    expect(badCsv.status).toBe(400);
  });

  it('honours Idempotency-Key', async () => {
    const tenant = await newTenant(t.http);
    const fleet = await newFleet(t.http, tenant, 0);
    const body = {
      devices: [{ serial: 'IDEM-1', modelId: REFERENCE_MODEL_ID, propertyId: fleet.property.id }],
    };
    const first = await t.http
      .post('/v1/devices/import')
      .set(tenant.admin.auth)
      .set('Idempotency-Key', 'imp-1')
      .send(body);
    const again = await t.http
      .post('/v1/devices/import')
      .set(tenant.admin.auth)
      .set('Idempotency-Key', 'imp-1')
      .send(body);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']!).toBe('true');
  });
});

describe('telemetry and health', () => {
  it('stores valid events, folds them into health, and rejects bad ones per event', async () => {
    const tenant = await newTenant(t.http);
    const key = await newApiKey(t.http, tenant);
    const fleet = await newFleet(t.http, tenant, 2);
    const bFleet = await newFleet(t.http, b, 1);
    await t.http
      .patch(`/v1/device-models/${REFERENCE_MODEL_ID}`)
      .set(tenant.admin.auth)
      .send({ latestFirmware: '2.10.0' })
      .expect(200);
    const [lock, other] = fleet.devices;
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const events = [
      { serial: lock!.serial, type: 'battery', batteryPercent: 64, at: ago(60 * 24 * 3) },
      { serial: lock!.serial, type: 'battery', batteryPercent: 52, at: ago(60 * 24 * 2) },
      { serial: lock!.serial, type: 'battery', batteryPercent: 40, at: ago(60 * 24) },
      { deviceId: lock!.id, type: 'signal', signalDbm: -90, at: ago(30) },
      { serial: lock!.serial, type: 'firmware', firmwareVersion: '2.9.1', at: ago(20) },
      { serial: lock!.serial, type: 'jam', at: ago(10) },
      { serial: lock!.serial, type: 'jam', at: ago(9) },
      { serial: lock!.serial, type: 'jam', at: ago(60 * 30) },
      { serial: lock!.serial, type: 'code_failed', at: ago(8) },
      { serial: lock!.serial, type: 'door_ajar', at: ago(5) },
      { serial: other!.serial, type: 'heartbeat', at: ago(1) },
      { serial: 'NO-SUCH-SERIAL', type: 'heartbeat', at: ago(1) },
      { serial: bFleet.devices[0]!.serial, type: 'battery', batteryPercent: 1, at: ago(1) },
      { serial: lock!.serial, type: 'explode', at: ago(1) },
      { serial: lock!.serial, type: 'battery', batteryPercent: 140, at: ago(1) },
      { serial: lock!.serial, type: 'battery', at: ago(1) },
      { serial: lock!.serial, type: 'heartbeat', at: future },
      { serial: lock!.serial, type: 'heartbeat', at: 'yesterday' },
    ];
    const res = await t.http.post('/v1/telemetry').set('X-Api-Key', key.key).send({ events });
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(11);
    expect(res.body.duplicates).toBe(0);
    expect((res.body.rejected as { index: number }[]).map((r) => r.index)).toEqual([
      11, 12, 13, 14, 15, 16, 17,
    ]);
    expect(res.body.rejected[1].errors[0].message).toBe('no such device in your fleet');

    const health = await t.http.get(`/v1/devices/${lock!.id}/health`).set(tenant.admin.auth);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      batteryPercent: 40,
      online: true,
      signalDbm: -90,
      firmwareVersion: '2.9.1',
      latestFirmware: '2.10.0',
      firmwareBehindLatest: true,
      jamEvents24h: 2,
      failedCodeAttempts24h: 1,
      doorAjar: true,
      powerSource: 'battery',
      flags: {
        lowBattery: false,
        offline: false,
        firmwareOutdated: true,
        neverSeen: false,
        weakSignal: true,
        jamming: true,
        doorAjar: true,
      },
    });
    // 12 points a day, 40% a day ago, so about 28% now: 1.5 days to 10%.
    expect(health.body.batteryForecast.daysUntil10Percent).toBeGreaterThan(1.3);
    expect(health.body.batteryForecast.daysUntil10Percent).toBeLessThan(1.7);
    expect(health.body.batteryForecast.readings).toBe(3);

    // B's device got nothing.
    const bHealth = await t.http
      .get(`/v1/devices/${bFleet.devices[0]!.id}/health`)
      .set(b.admin.auth);
    expect(bHealth.body.batteryPercent).toBeNull();
    expect(bHealth.body.flags.neverSeen).toBe(true);
    expect(bHealth.body.batteryForecast).toMatchObject({
      daysUntil10Percent: null,
      reason: expect.any(String),
    });
  });

  it('counts a redelivered event once and never moves the snapshot backwards', async () => {
    const tenant = await newTenant(t.http);
    const key = await newApiKey(t.http, tenant);
    const fleet = await newFleet(t.http, tenant, 1);
    const serial = fleet.devices[0]!.serial;
    const recent = { serial, type: 'battery', batteryPercent: 30, at: ago(5), eventId: 'evt-1' };
    const post = (events: object[]) =>
      t.http.post('/v1/telemetry').set('X-Api-Key', key.key).send({ events });

    expect((await post([recent])).body).toMatchObject({ accepted: 1, duplicates: 0 });
    const redelivered = await post([recent, { ...recent, batteryPercent: 99 }]);
    expect(redelivered.body).toMatchObject({ accepted: 0, duplicates: 2 });
    const sameWithoutId = { serial, type: 'jam', at: ago(3) };
    expect((await post([sameWithoutId, sameWithoutId])).body).toMatchObject({
      accepted: 1,
      duplicates: 1,
    });

    // Older readings arrive late: stored, but the snapshot keeps the newer ones.
    const late = await post([
      { serial, type: 'battery', batteryPercent: 90, at: ago(60) },
      { serial, type: 'offline', at: ago(50) },
    ]);
    expect(late.body.accepted).toBe(2);
    const health = await t.http
      .get(`/v1/devices/${fleet.devices[0]!.id}/health`)
      .set(tenant.admin.auth);
    expect(health.body).toMatchObject({ batteryPercent: 30, online: true, jamEvents24h: 1 });
  });

  it('calls a lock offline when it says so or has been silent too long', async () => {
    const tenant = await newTenant(t.http);
    const key = await newApiKey(t.http, tenant);
    const fleet = await newFleet(t.http, tenant, 3);
    const [said, silent, fine] = fleet.devices;
    await t.http
      .post('/v1/telemetry')
      .set('X-Api-Key', key.key)
      .send({
        events: [
          { serial: said!.serial, type: 'offline', at: ago(2) },
          { serial: silent!.serial, type: 'heartbeat', at: ago(60 * 5) },
          { serial: fine!.serial, type: 'battery', batteryPercent: 8, at: ago(1) },
        ],
      })
      .expect(200);
    const h = async (id: string) =>
      (await t.http.get(`/v1/devices/${id}/health`).set(tenant.admin.auth)).body as {
        online: boolean | null;
        flags: Record<string, boolean>;
      };
    expect((await h(said!.id)).online).toBe(false);
    expect((await h(silent!.id)).flags.offline).toBe(true);
    expect((await h(fine!.id)).flags).toMatchObject({ offline: false, lowBattery: true });

    const offline = await t.http
      .get('/v1/devices')
      .query({ health: 'offline' })
      .set(tenant.admin.auth);
    expect((offline.body.data as { id: string }[]).map((d) => d.id).sort()).toEqual(
      [said!.id, silent!.id].sort(),
    );
    const low = await t.http
      .get('/v1/devices')
      .query({ health: 'lowBattery' })
      .set(tenant.admin.auth);
    expect((low.body.data as { id: string }[]).map((d) => d.id)).toEqual([fine!.id]);
  });

  it('compares firmware semantically for the outdated filter', async () => {
    const tenant = await newTenant(t.http);
    const fleet = await newFleet(t.http, tenant, 0);
    const mk = async (serial: string, firmwareVersion: string) =>
      (
        await t.http
          .post('/v1/devices')
          .set(tenant.admin.auth)
          .send({ serial, modelId: fleet.model.id, propertyId: fleet.property.id, firmwareVersion })
      ).body.id as string;
    const old = await mk('FW-OLD', '2.9.1');
    await mk('FW-NEW', '2.10.0');
    await mk('FW-NEWER', '2.10.3');
    const res = await t.http
      .get('/v1/devices')
      .query({ health: 'firmwareOutdated' })
      .set(tenant.admin.auth);
    expect((res.body.data as { id: string }[]).map((d) => d.id)).toEqual([old]);
  });

  it('refuses telemetry without a key, with a revoked key, or malformed batches', async () => {
    const key = await newApiKey(t.http, a);
    expect((await t.http.post('/v1/telemetry').send({ events: [] })).status).toBe(401);
    expect(
      (await t.http.post('/v1/telemetry').set('X-Api-Key', key.key).send({ events: [] })).status,
    ).toBe(400);
    expect(
      (await t.http.post('/v1/telemetry').set('X-Api-Key', key.key).send({ events: 'x' })).status,
    ).toBe(400);
    const tooMany = Array.from({ length: 5001 }, () => ({}));
    expect(
      (await t.http.post('/v1/telemetry').set('X-Api-Key', key.key).send({ events: tooMany }))
        .status,
    ).toBe(400);
    await t.http.delete(`/v1/api-keys/${key.id}`).set(a.admin.auth).expect(204);
    expect(
      (
        await t.http
          .post('/v1/telemetry')
          .set('X-Api-Key', key.key)
          .send({ events: [{}] })
      ).status,
    ).toBe(401);
  });
});

describe('fleet health', () => {
  it('counts per property and model and lists the locks that need attention first', async () => {
    const tenant = await newTenant(t.http);
    const key = await newApiKey(t.http, tenant);
    const f1 = await newFleet(t.http, tenant, 3);
    const f2 = await newFleet(t.http, tenant, 1);
    await t.http
      .post('/v1/telemetry')
      .set('X-Api-Key', key.key)
      .send({
        events: [
          { serial: f1.devices[0]!.serial, type: 'jam', at: ago(3) },
          { serial: f1.devices[0]!.serial, type: 'battery', batteryPercent: 5, at: ago(2) },
          { serial: f1.devices[1]!.serial, type: 'battery', batteryPercent: 15, at: ago(2) },
          { serial: f1.devices[2]!.serial, type: 'heartbeat', at: ago(1) },
          { serial: f2.devices[0]!.serial, type: 'offline', at: ago(1) },
        ],
      })
      .expect(200);
    const res = await t.http.get('/v1/fleet/health').set(tenant.admin.auth);
    expect(res.status).toBe(200);
    expect(res.body.totals).toEqual({
      devices: 4,
      lowBattery: 2,
      offline: 1,
      firmwareOutdated: 0,
      neverSeen: 0,
    });
    const p1 = (res.body.byProperty as { id: string }[]).find((p) => p.id === f1.property.id);
    expect(p1).toMatchObject({ devices: 3, lowBattery: 2, offline: 0 });
    expect(res.body.byModel).toEqual([
      expect.objectContaining({ id: REFERENCE_MODEL_ID, devices: 4 }),
    ]);
    expect((res.body.attention as { deviceId: string }[]).map((x) => x.deviceId)).toEqual([
      f1.devices[0]!.id,
      f2.devices[0]!.id,
      f1.devices[1]!.id,
    ]);
    expect(res.body.attention[0].reasons).toEqual(['1 jam event(s) in 24 h', 'battery at 5%']);
  });
});

describe('another tenant', () => {
  it('gets 404 on every property, model, device and health of the first, and cannot post its telemetry', async () => {
    const fleet = await newFleet(t.http, a, 1);
    const device = fleet.devices[0]!;
    for (const [method, path, body] of [
      ['get', `/v1/properties/${fleet.property.id}`, undefined],
      ['patch', `/v1/properties/${fleet.property.id}`, { name: 'mine now' }],
      ['delete', `/v1/properties/${fleet.property.id}`, undefined],
      ['get', `/v1/device-models/${fleet.model.id}`, undefined],
      ['patch', `/v1/device-models/${fleet.model.id}`, { model: 'mine' }],
      ['delete', `/v1/device-models/${fleet.model.id}`, undefined],
      ['get', `/v1/devices/${device.id}`, undefined],
      ['get', `/v1/devices/${device.id}/health`, undefined],
      ['patch', `/v1/devices/${device.id}`, { label: 'mine' }],
      ['delete', `/v1/devices/${device.id}`, undefined],
    ] as const) {
      const res = await t.http[method](path)
        .set(b.admin.auth)
        .send(body ?? {});
      expect({ path, method, status: res.status }).toEqual({ path, method, status: 404 });
    }
    const bKey = await newApiKey(t.http, b);
    const res = await t.http
      .post('/v1/telemetry')
      .set('X-Api-Key', bKey.key)
      .send({
        events: [
          { serial: device.serial, type: 'battery', batteryPercent: 1, at: ago(1) },
          { deviceId: device.id, type: 'jam', at: ago(1) },
        ],
      });
    expect(res.body).toMatchObject({ accepted: 0, rejected: [{ index: 0 }, { index: 1 }] });
    const mine = await t.http.get(`/v1/devices/${device.id}`).set(a.admin.auth);
    expect(mine.body).toMatchObject({ status: 'active', label: null });
    expect(
      (await t.http.get(`/v1/devices/${device.id}/health`).set(a.admin.auth)).body.batteryPercent,
    ).toBeNull();
    const list = await t.http.get('/v1/devices').query({ serial: device.serial }).set(b.admin.auth);
    expect(list.body.data).toEqual([]);
  });
});
