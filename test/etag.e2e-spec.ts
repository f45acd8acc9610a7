import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TestClock } from '../src/common/clock.js';
import { startTestApp, type TestApp } from './support/app.js';
import {
  newFleet,
  newTenant,
  newUser,
  type Session,
  startDesk,
  type TestFleet,
  type TestTenant,
} from './support/factories.js';

let t: TestApp;
let a: TestTenant;
let agent: Session;
let fleet: TestFleet;

beforeAll(async () => {
  ({ t, a, agent, fleet } = await startDesk(2));
});
afterAll(async () => {
  await t.close();
});

const STRONG_HASH = /^"[A-Za-z0-9_-]{27}"$/;

/** GET with If-None-Match; asserts the 304 shape (no body, no content headers, the same ETag). */
async function notModified(path: string, who: Session, condition: string, etag: string) {
  const res = await t.http.get(path).set(who.auth).set('If-None-Match', condition);
  expect(res.status).toBe(304);
  expect(res.text ?? '').toBe('');
  expect(res.headers['content-type']).toBeUndefined();
  expect(res.headers['content-length']).toBeUndefined();
  expect(res.headers.etag).toBe(etag);
  expect(res.headers['x-request-id']).toBeDefined();
  expect(res.headers['cache-control']).toBe('no-store');
}

describe('conditional GET', () => {
  it('a ticket keeps its version as ETag; If-None-Match is compared weakly, in lists and with *', async () => {
    const created = await t.http.post('/v1/tickets').set(agent.auth).send({
      separate: true,
      deviceId: fleet.devices[0]!.id,
      description: 'The keypad stays dark',
    });
    expect(created.status).toBe(201);
    const path = `/v1/tickets/${created.body.id as string}`;

    const first = await t.http.get(path).set(agent.auth);
    expect(first.status).toBe(200);
    expect(first.headers.etag).toBe('"1"');

    await notModified(path, agent, '"1"', '"1"');
    await notModified(path, agent, 'W/"1"', '"1"');
    await notModified(path, agent, '"zz", W/"7",  "1" ', '"1"');
    await notModified(path, agent, '*', '"1"');
    // Not the current version, or not an entity tag at all: the full answer.
    for (const condition of ['"2"', '1', '"1', 'W/1', '"0", "11"']) {
      const full = await t.http.get(path).set(agent.auth).set('If-None-Match', condition);
      expect(full.status).toBe(200);
      expect(full.body.id).toBe(created.body.id);
    }

    // A change moves the version: the old tag no longer matches, the new one does.
    await t.http
      .patch(path)
      .set(agent.auth)
      .set('If-Match', '"1"')
      .send({ priority: 'high' })
      .expect(200);
    const changed = await t.http.get(path).set(agent.auth).set('If-None-Match', '"1"');
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).toBe('"2"');
    expect(changed.body.priority).toBe('high');
    await notModified(path, agent, '"2"', '"2"');

    // Another tenant's ticket is a 404 whatever the condition, `*` included.
    const other = await newTenant(t.http);
    for (const condition of ['*', '"2"']) {
      const hidden = await t.http.get(path).set(other.admin.auth).set('If-None-Match', condition);
      expect(hidden.status).toBe(404);
      expect(hidden.headers.etag).toBeUndefined();
    }
  });

  it('resources without a version get a strong hash of the body that changes with it', async () => {
    const device = `/v1/devices/${fleet.devices[1]!.id}`;
    const before = await t.http.get(device).set(a.admin.auth);
    expect(before.status).toBe(200);
    expect(before.headers.etag).toMatch(STRONG_HASH);
    // The same body gives the same tag (another request, another request id).
    expect((await t.http.get(device).set(a.admin.auth)).headers.etag).toBe(before.headers.etag);
    await notModified(device, a.admin, before.headers.etag!, before.headers.etag!);
    await notModified(device, a.admin, `W/${before.headers.etag!}`, before.headers.etag!);

    await t.http.patch(device).set(a.admin.auth).send({ label: 'Back door' }).expect(200);
    const after = await t.http
      .get(device)
      .set(a.admin.auth)
      .set('If-None-Match', before.headers.etag!);
    expect(after.status).toBe(200);
    expect(after.body.label).toBe('Back door');
    expect(after.headers.etag).toMatch(STRONG_HASH);
    expect(after.headers.etag).not.toBe(before.headers.etag);

    for (const path of [
      `/v1/properties/${fleet.property.id}`,
      `/v1/device-models/${fleet.model.id}`,
      `${device}/health`,
      '/v1/me',
      `/v1/users/${agent.userId}`,
      '/v1/settings/desk',
    ]) {
      const full = await t.http.get(path).set(a.admin.auth);
      expect({ path, status: full.status }).toEqual({ path, status: 200 });
      expect(full.headers.etag).toMatch(STRONG_HASH);
      await notModified(path, a.admin, full.headers.etag!, full.headers.etag!);
    }
  });

  it('HEAD answers the same ETag and honours If-None-Match too', async () => {
    const path = `/v1/properties/${fleet.property.id}`;
    const get = await t.http.get(path).set(a.admin.auth);
    const head = await t.http.head(path).set(a.admin.auth);
    expect(head.status).toBe(200);
    expect(head.headers.etag).toBe(get.headers.etag);
    const cond = await t.http.head(path).set(a.admin.auth).set('If-None-Match', '*');
    expect(cond.status).toBe(304);
  });

  it('leaves errors and other methods alone', async () => {
    // An error is never a 304 and carries no tag, whatever the condition.
    const missing = await t.http
      .get('/v1/devices/01900000-0000-7000-8000-00000000dead')
      .set(a.admin.auth)
      .set('If-None-Match', '*');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(missing.headers.etag).toBeUndefined();
    const unauthenticated = await t.http
      .get(`/v1/devices/${fleet.devices[0]!.id}`)
      .set('If-None-Match', '*');
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.etag).toBeUndefined();

    // A PATCH with a matching If-None-Match still changes and answers in full, untagged.
    const device = `/v1/devices/${fleet.devices[0]!.id}`;
    const current = await t.http.get(device).set(a.admin.auth);
    const patched = await t.http
      .patch(device)
      .set(a.admin.auth)
      .set('If-None-Match', current.headers.etag!)
      .send({ label: 'Side gate' });
    expect(patched.status).toBe(200);
    expect(patched.body.label).toBe('Side gate');
    expect(patched.headers.etag).toBeUndefined();
    // A POST answer (201) is not tagged either.
    const created = await t.http
      .post('/v1/properties')
      .set(a.admin.auth)
      .set('If-None-Match', '*')
      .send({
        name: 'Annex',
        address: { line1: '1 Quay', city: 'Porto', postalCode: '4000-001', country: 'PT' },
        timeZone: 'Europe/Lisbon',
      });
    expect(created.status).toBe(201);
    expect(created.headers.etag).toBeUndefined();
  });
});

describe("a ticket's ETag", () => {
  it('changes when the clock alone breaches its SLA, and If-Match still takes it', async () => {
    const clock = new TestClock(new Date());
    const own = await startTestApp({}, { clock });
    try {
      const tenant = await newTenant(own.http);
      const desk = await newUser(own.http, tenant, 'agent');
      const locks = await newFleet(own.http, tenant, 1);
      const created = await own.http
        .post('/v1/tickets')
        .set(desk.auth)
        .send({ deviceId: locks.devices[0]!.id, description: 'The keypad stays dark' })
        .expect(201);
      const path = `/v1/tickets/${created.body.id as string}`;
      const before = await own.http.get(path).set(desk.auth).expect(200);
      expect(before.headers.etag).toBe('"1"');
      expect(before.body.sla.breached).toBe(false);

      // Past every SLA target: nothing wrote the ticket, yet what it shows has changed.
      clock.advance({ hours: 24 * 30 });
      const after = await own.http.get(path).set(desk.auth).set('If-None-Match', '"1"');
      expect(after.status).toBe(200);
      expect(after.body.sla.breached).toBe(true);
      const tag = after.headers.etag as string;
      expect(tag).toMatch(new RegExp(`^"${after.body.version as number}-[\\w-]{12}"$`));
      await own.http.get(path).set(desk.auth).set('If-None-Match', tag).expect(304);
      // The version part is what If-Match compares.
      await own.http
        .patch(path)
        .set(desk.auth)
        .set('If-Match', tag)
        .send({ priority: 'high' })
        .expect(200);
    } finally {
      await own.close();
    }
  });
});
