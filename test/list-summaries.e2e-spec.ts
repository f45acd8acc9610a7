import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from './support/app.js';
import { newApiKey, newFleet, newTenant, type TestTenant } from './support/factories.js';

let t: TestApp;
let a: TestTenant;

beforeAll(async () => {
  t = await startTestApp();
  a = await newTenant(t.http);
});
afterAll(async () => {
  await t.close();
});

const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

describe('list items carry summaries', () => {
  it('a device carries its health summary: the snapshot of GET …/health without forecast or event counts', async () => {
    const fleet = await newFleet(t.http, a, 3);
    const key = await newApiKey(t.http, a);
    const [low, silent, never] = fleet.devices;
    await t.http
      .post('/v1/telemetry')
      .set('X-Api-Key', key.key)
      .send({
        events: [
          { serial: low!.serial, type: 'battery', batteryPercent: 80, at: ago(120) },
          { serial: low!.serial, type: 'battery', batteryPercent: 8, at: ago(1) },
          { serial: low!.serial, type: 'signal', signalDbm: -90, at: ago(1) },
          { serial: silent!.serial, type: 'heartbeat', at: ago(60 * 5) },
        ],
      })
      .expect(200);

    const list = await t.http
      .get('/v1/devices')
      .query({ propertyId: fleet.property.id })
      .set(a.admin.auth)
      .expect(200);
    const items = list.body.data as { id: string; health: Record<string, unknown> }[];
    expect(items.map((d) => d.id)).toEqual([low!.id, silent!.id, never!.id]);
    for (const item of items) {
      const full = await t.http.get(`/v1/devices/${item.id}/health`).set(a.admin.auth).expect(200);
      const flags = { ...(full.body.flags as Record<string, boolean>) };
      delete flags.jamming;
      expect(item.health).toEqual({
        batteryPercent: full.body.batteryPercent,
        online: full.body.online,
        lastSeenAt: full.body.lastSeenAt,
        flags,
      });
      // The single device answers the same summary.
      const one = await t.http.get(`/v1/devices/${item.id}`).set(a.admin.auth).expect(200);
      expect(one.body.health).toEqual(item.health);
    }
    expect(items[0]!.health).toMatchObject({
      batteryPercent: 8,
      online: true,
      flags: { lowBattery: true, weakSignal: true, offline: false, neverSeen: false },
    });
    expect(items[1]!.health).toMatchObject({ online: false, flags: { offline: true } });
    expect(items[2]!.health).toEqual({
      batteryPercent: null,
      online: null,
      lastSeenAt: null,
      flags: {
        lowBattery: false,
        offline: false,
        firmwareOutdated: false,
        neverSeen: true,
        weakSignal: false,
        doorAjar: false,
      },
    });
    expect(items[0]).not.toHaveProperty('health.batteryForecast');
  });

  it('a property carries the number of its units; the units are on the property', async () => {
    const units = Array.from({ length: 2000 }, (_, i) => `Unit ${String(i).padStart(4, '0')}`);
    const created = await t.http
      .post('/v1/properties')
      .set(a.admin.auth)
      .send({
        name: 'Tower of units',
        address: { line1: '1 Tall St', city: 'Porto', postalCode: '4000-001', country: 'PT' },
        units,
        timeZone: 'Europe/Lisbon',
      })
      .expect(201);
    const list = await t.http
      .get('/v1/properties')
      .query({ q: 'Tower of units' })
      .set(a.admin.auth)
      .expect(200);
    expect(list.body.data).toEqual([
      {
        id: created.body.id,
        name: 'Tower of units',
        address: created.body.address,
        unitCount: 2000,
        timeZone: 'Europe/Lisbon',
        createdAt: created.body.createdAt,
        updatedAt: created.body.updatedAt,
      },
    ]);
    expect(list.text.length).toBeLessThan(1000);
    const one = await t.http.get(`/v1/properties/${created.body.id}`).set(a.admin.auth);
    expect(one.body.units).toEqual(units);
  });

  it('the OpenAPI document describes the summaries, not the whole resources', async () => {
    const doc = (await t.http.get('/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    const pageOf = (path: string) => {
      const ok = doc.paths[path]!.get!.responses['200'] as {
        content: { 'application/json': { schema: { $ref: string } } };
      };
      const page = ok.content['application/json'].schema.$ref.split('/').at(-1)!;
      const items = doc.components.schemas[page]!.properties.data as { items: { $ref: string } };
      return items.items.$ref.split('/').at(-1)!;
    };
    expect(pageOf('/v1/escalations')).toBe('EscalationListItem');
    expect(pageOf('/v1/properties')).toBe('PropertyListItem');
    const escalationItem = doc.components.schemas.EscalationListItem!.properties;
    // A described reference comes as allOf: [$ref].
    const ref = (p: unknown) => JSON.stringify(p).match(/"\$ref":"[^"]*\/(\w+)"/)?.[1];
    expect(ref(escalationItem.workOrder)).toBe('WorkOrderSummary');
    expect(escalationItem).not.toHaveProperty('notes');
    const device = doc.components.schemas[pageOf('/v1/devices')]!.properties;
    expect(ref(device.health)).toBe('DeviceHealthSummaryDto');
  });
});
