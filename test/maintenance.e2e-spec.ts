/**
 * The maintenance plan over HTTP on real PostgreSQL, with generated telemetry histories: battery
 * drain readings over days put a lock's 10% inside the horizon (or outside it), a firmware behind
 * the model's latest and a warranty ending soon add locks, and every property becomes one visit
 * with its earliest due date, the batteries to bring and the updates to make. Another tenant's
 * locks are never in the plan.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestApp } from './support/app.js';
import {
  newApiKey,
  newFleet,
  newTenant,
  newUser,
  REFERENCE_MODEL_ID,
  type Session,
  startDesk,
  type TestFleet,
  type TestTenant,
} from './support/factories.js';

const DAY = 86_400_000;
const daysAgo = (d: number) => new Date(Date.now() - d * DAY).toISOString();
const dateIn = (days: number) => new Date(Date.now() + days * DAY).toISOString().slice(0, 10);

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
let agent: Session;
let manager: Session;
let p1: TestFleet;
let p2: TestFleet;
let bFleet: TestFleet;
let aKey: string;
let bKey: string;
const ids: Record<string, string> = {};
let warrantyEnds: string;

/** Locks on `fleet`'s property: [name, model, extra fields]. */
async function importLocks(
  tenant: TestTenant,
  fleet: TestFleet,
  rows: [string, string, Record<string, string>][],
): Promise<void> {
  const res = await t.http
    .post('/v1/devices/import')
    .set(tenant.admin.auth)
    .send({
      devices: rows.map(([name, modelId, extra], i) => ({
        serial: `MT-${name}-${fleet.property.id.slice(-6)}`,
        modelId,
        propertyId: fleet.property.id,
        unit: ['1A', '1B', '2A'][i % 3],
        ...extra,
      })),
    });
  if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  (res.body.ids as string[]).forEach((id, i) => (ids[rows[i]![0]] = id));
}

/** A battery history: `levels[i]` reported `levels.length - i` days ago. */
const drain = (name: string, levels: number[]) =>
  levels.map((batteryPercent, i) => ({
    deviceId: ids[name]!,
    type: 'battery',
    batteryPercent,
    at: daysAgo(levels.length - i),
  }));

async function send(key: string, events: object[]): Promise<void> {
  const res = await t.http.post('/v1/telemetry').set('X-Api-Key', key).send({ events });
  expect(res.status).toBe(200);
  expect(res.body.rejected).toEqual([]);
}

interface Visit {
  propertyId: string;
  visitBy: string;
  locks: {
    id: string;
    dueOn: string | null;
    reasons: {
      battery: { daysUntil10Percent: number; dueOn: string } | null;
      firmware: unknown;
      warranty: unknown;
    };
  }[];
  batteries: unknown[];
  firmware: unknown[];
}
const visits = (res: { body: unknown }) => (res.body as { data: Visit[] }).data;

const plan = (who: Session, query = '') => t.http.get(`/v1/maintenance/plan${query}`).set(who.auth);

beforeAll(async () => {
  ({ t, a, agent, fleet: p1 } = await startDesk(0));
  manager = await newUser(t.http, a, 'manager');
  p2 = await newFleet(t.http, a, 0);
  b = await newTenant(t.http);
  bFleet = await newFleet(t.http, b, 0);
  aKey = (await newApiKey(t.http, a)).key;
  bKey = (await newApiKey(t.http, b)).key;
  // The reference model (4x AA, 12 months of warranty): tenant A tracks 2.10.0 as its latest.
  await t.http
    .patch(`/v1/device-models/${REFERENCE_MODEL_ID}`)
    .set(a.admin.auth)
    .send({ latestFirmware: '2.10.0' })
    .expect(200);
  // A warranty of 12 months ending in 10 days: installed 12 months before that.
  warrantyEnds = dateIn(10);
  const installed = `${Number(warrantyEnds.slice(0, 4)) - 1}${warrantyEnds.slice(4)}`;
  const today = dateIn(0);
  const current = { firmwareVersion: '2.10.0', installedAt: today };
  await importLocks(a, p1, [
    ['fast', REFERENCE_MODEL_ID, current], // 90, 80, 70: 60% now, 10 a day: 5 days to 10%
    ['slow', REFERENCE_MODEL_ID, current], // 90, 89, 88: 87% now, 1 a day: 77 days to 10%
    ['behind', REFERENCE_MODEL_ID, { firmwareVersion: '2.9.1', installedAt: today }],
    ['warranty', REFERENCE_MODEL_ID, { firmwareVersion: '2.10.0', installedAt: installed }],
    ['fine', REFERENCE_MODEL_ID, current],
    ['acme', p1.model.id, { firmwareVersion: '2.10.0', installedAt: today }], // no battery type
  ]);
  await importLocks(a, p2, [
    ['p2-a', REFERENCE_MODEL_ID, current], // 66, 64, 62: 60% now, 2 a day: 25 days
    ['p2-b', REFERENCE_MODEL_ID, current], // 82, 78, 74: 70% now, 4 a day: 15 days
    ['p2-old', REFERENCE_MODEL_ID, { firmwareVersion: '2.9.1', installedAt: today }],
  ]);
  await importLocks(b, bFleet, [['b-fast', REFERENCE_MODEL_ID, { installedAt: today }]]);
  await send(aKey, [
    ...drain('fast', [90, 80, 70]),
    ...drain('slow', [90, 89, 88]),
    ...drain('fine', [95, 95, 95]),
    ...drain('acme', [50, 40, 30]),
    ...drain('p2-a', [66, 64, 62]),
    ...drain('p2-b', [82, 78, 74]),
  ]);
  await send(bKey, drain('b-fast', [90, 70, 50]));
});

afterAll(async () => {
  await t?.close();
});

describe('GET /v1/maintenance/plan', () => {
  it('batches the due locks of each property into one visit, with batteries and firmware', async () => {
    const res = await plan(agent, '?days=30');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ days: 30, from: dateIn(0), until: dateIn(30) });
    expect(res.body.nextCursor).toBeNull();
    const all = visits(res);
    // Both properties of A, none of B; P1 first (due in 1 day), P2 after (in 15).
    expect(all.map((v) => v.propertyId)).toEqual([p1.property.id, p2.property.id]);

    const [v1, v2] = all;
    // P1: acme (1 day: 20% now, 10 a day), fast (5 days), warranty (10 days), behind (no date).
    expect(v1!.locks.map((l) => l.id)).toEqual([ids.acme, ids.fast, ids.warranty, ids.behind]);
    const byId = new Map(v1!.locks.map((l) => [l.id, l]));
    const fast = byId.get(ids.fast!)!;
    const battery = fast.reasons.battery as {
      daysUntil10Percent: number;
      dueOn: string;
      drainPerDay?: number;
      batteryPercent?: number;
    };
    expect(battery.daysUntil10Percent).toBeGreaterThanOrEqual(4.9);
    expect(battery.daysUntil10Percent).toBeLessThanOrEqual(5);
    expect(battery.drainPerDay).toBe(10);
    expect(battery.batteryPercent).toBe(70);
    expect([dateIn(4.9), dateIn(5)]).toContain(battery.dueOn);
    expect(fast.reasons.firmware).toBeNull();
    expect(fast.reasons.warranty).toBeNull();
    expect(fast.dueOn).toBe(battery.dueOn);
    expect(byId.get(ids.warranty!)).toMatchObject({
      dueOn: warrantyEnds,
      reasons: { battery: null, firmware: null, warranty: { expiresOn: warrantyEnds } },
    });
    expect(byId.get(ids.behind!)).toMatchObject({
      dueOn: null,
      reasons: { battery: null, firmware: { current: '2.9.1', latest: '2.10.0' }, warranty: null },
    });
    const acme = byId.get(ids.acme!)!;
    expect(acme.reasons.battery).toMatchObject({ drainPerDay: 10 });
    expect(v1!.visitBy).toBe(acme.dueOn);
    // 4x AA for the fast lock; the Acme model records no battery type.
    expect(v1!.batteries).toEqual([
      { type: 'AA', count: 4, locks: 1 },
      { type: null, count: null, locks: 1 },
    ]);
    expect(v1!.firmware).toEqual([
      {
        modelId: REFERENCE_MODEL_ID,
        model: 'Yale Assure Lock 2 Keypad',
        from: '2.9.1',
        to: '2.10.0',
        locks: 1,
      },
    ]);

    // P2: p2-b (15 days), p2-a (25 days), p2-old (firmware only); 8 AA for two locks.
    expect(v2!.locks.map((l) => l.id)).toEqual([ids['p2-b'], ids['p2-a'], ids['p2-old']]);
    const p2b = v2!.locks[0]!.reasons.battery as { daysUntil10Percent: number; dueOn: string };
    expect(p2b.daysUntil10Percent).toBeGreaterThan(14.5);
    expect(p2b.daysUntil10Percent).toBeLessThanOrEqual(15);
    expect(v2!.visitBy).toBe(p2b.dueOn);
    const p2a = v2!.locks[1]!.reasons.battery as { daysUntil10Percent: number };
    expect(p2a.daysUntil10Percent).toBeGreaterThan(24.5);
    expect(p2a.daysUntil10Percent).toBeLessThanOrEqual(25);
    expect(v2!.batteries).toEqual([{ type: 'AA', count: 8, locks: 2 }]);
    expect(v2!.firmware).toEqual([expect.objectContaining({ from: '2.9.1', locks: 1 })]);

    // The figures are the health endpoint's forecast.
    const health = await t.http.get(`/v1/devices/${ids.fast}/health`).set(agent.auth).expect(200);
    expect(health.body.batteryForecast.at10PercentOn).toBe(battery.dueOn);
  });

  it('follows the horizon: a short one keeps only what falls due in it', async () => {
    const short = await plan(manager, '?days=3');
    expect(short.status).toBe(200);
    expect(short.body.until).toBe(dateIn(3));
    // acme due in 1 day; fast (5) and the warranty (10) are beyond; behind stays.
    expect(short.body.data).toHaveLength(2);
    const [v1, v2] = visits(short);
    expect(v1!.locks.map((l) => l.id)).toEqual([ids.acme, ids.behind]);
    // P2 has only its firmware lock left: visit by the end of the horizon.
    expect(v2!.propertyId).toBe(p2.property.id);
    expect(v2!.visitBy).toBe(dateIn(3));
    expect(v2!.locks.map((l) => l.id)).toEqual([ids['p2-old']]);
    expect(v2!.batteries).toEqual([]);

    const long = await plan(manager, '?days=120');
    const slow = visits(long)[0]!.locks.find((l) => l.id === ids.slow);
    expect(slow?.reasons.battery?.daysUntil10Percent).toBeGreaterThan(70);
    expect(slow?.reasons.battery?.daysUntil10Percent).toBeLessThan(80);
    // The lock whose battery is not draining is never in the plan.
    const all = visits(long).flatMap((v) => v.locks);
    expect(all.map((l) => l.id)).not.toContain(ids.fine);
  });

  it('pages through the visits with a cursor', async () => {
    const first = await plan(agent, '?limit=1');
    expect(first.status).toBe(200);
    expect(visits(first).map((v) => v.propertyId)).toEqual([p1.property.id]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await plan(agent, `?limit=1&cursor=${first.body.nextCursor}`);
    expect(visits(second).map((v) => v.propertyId)).toEqual([p2.property.id]);
    expect(second.body.nextCursor).toBeNull();
    expect((await plan(agent, '?cursor=forged.cursor')).status).toBe(400);
  });

  it('refuses a horizon outside 1..365 days', async () => {
    for (const bad of ['0', '366', 'abc', '1.5', '-3']) {
      const res = await plan(agent, `?days=${bad}`);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      expect(JSON.stringify(res.body.errors)).toContain('days');
    }
    expect((await plan(agent, '?days=365')).status).toBe(200);
    expect((await plan(agent, '?days=1')).status).toBe(200);
  });

  it('shows another tenant only its own locks, and no partner any', async () => {
    const res = await plan(b.admin, '?days=30');
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(1);
    expect(res.body.data[0]).toMatchObject({
      propertyId: bFleet.property.id,
      locks: [{ id: ids['b-fast'] }],
      batteries: [{ type: 'AA', count: 4, locks: 1 }],
      firmware: [],
    });
    const aLocks = new Set(
      Object.entries(ids)
        .filter(([k]) => !k.startsWith('b-'))
        .map(([, v]) => v),
    );
    expect(visits(res)[0]!.locks.some((l) => aLocks.has(l.id))).toBe(false);

    const partner = await newTenant(t.http, { kind: 'locksmith' });
    expect((await plan(partner.admin)).status).toBe(403);
    expect((await t.http.get('/v1/maintenance/plan')).status).toBe(401);
  });
});
