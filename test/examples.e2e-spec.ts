import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from './support/app.js';
import { newApiKey, newTenant, type TestTenant } from './support/factories.js';

/** The README's example files (docs/examples) work as the README says. */
let t: TestApp;
let a: TestTenant;
beforeAll(async () => {
  t = await startTestApp();
  a = await newTenant(t.http);
});
afterAll(async () => {
  await t.close();
});

const example = (name: string) =>
  readFileSync(new URL(`../docs/examples/${name}`, import.meta.url), 'utf8');

describe('the example files', () => {
  it('import docs/examples/devices.csv, then take docs/examples/telemetry.json from an API key', async () => {
    const property = await t.http
      .post('/v1/properties')
      .set(a.admin.auth)
      .send({
        name: 'Harbor View',
        address: { line1: '1 Harbour St', city: 'Porto', postalCode: '4000-001', country: 'PT' },
        units: ['1A', '1B', '2A'],
        timeZone: 'Europe/Lisbon',
      });
    expect(property.status).toBe(201);
    const imported = await t.http
      .post('/v1/devices/import')
      .set(a.admin.auth)
      .set('content-type', 'text/csv')
      .send(example('devices.csv'));
    expect(imported.status).toBe(201);
    expect(imported.body.imported).toBe(3);

    // The file's times are fixed; move them so the newest is a minute ago (events older
    // than a year are refused), keeping their spacing.
    const body = JSON.parse(example('telemetry.json')) as { events: { at: string }[] };
    const newest = Math.max(...body.events.map((e) => Date.parse(e.at)));
    const shift = Date.now() - 60_000 - newest;
    for (const e of body.events) e.at = new Date(Date.parse(e.at) + shift).toISOString();
    const key = await newApiKey(t.http, a);
    const sent = await t.http.post('/v1/telemetry').set('x-api-key', key.key).send(body);
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({ accepted: 5, duplicates: 0, rejected: [] });

    const locks = await t.http.get('/v1/devices?serial=YL-0001').set(a.admin.auth);
    const health = await t.http
      .get(`/v1/devices/${locks.body.data[0].id}/health`)
      .set(a.admin.auth);
    expect(health.body).toEqual(
      expect.objectContaining({
        batteryPercent: 12,
        flags: expect.objectContaining({ lowBattery: true }),
      }),
    );
  });
});
