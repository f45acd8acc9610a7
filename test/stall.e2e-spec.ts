import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { TenantDb } from '../src/database/tenant-db.service.js';
import {
  MAX_HOLIDAYS,
  MAX_INTERVALS_PER_DAY,
  MAX_SLA_PAUSES,
  MIN_OPEN_MINUTES_PER_WEEK,
} from '../src/tickets/sla.util.js';
import { TicketJobsService } from '../src/tickets/ticket-jobs.service.js';
import { startTestApp, type TestApp } from './support/app.js';
import { newFleet, newTenant, type TestFleet, type TestTenant } from './support/factories.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const DAY = 86_400_000;
const MAX_TARGET = 525_600;

/** Sundays 'YYYY-MM-DD' from the next one on. */
function sundays(count: number): string[] {
  const out: string[] = [];
  let d = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
  while (new Date(d).getUTCDay() !== 0) d += DAY;
  for (let i = 0; i < count; i++) out.push(new Date(d + i * 7 * DAY).toISOString().slice(0, 10));
  return out;
}

/**
 * The worst business hours the API accepts: the minimum open time (4 hours a week, all on
 * Sunday, cut into the most intervals a day may have), every holiday on a Sunday (each one
 * removes a whole week), in a zone with frequent offset changes (Gaza: DST plus Ramadan).
 */
function worstHours() {
  const slice = MIN_OPEN_MINUTES_PER_WEEK / MAX_INTERVALS_PER_DAY; // 20 minutes
  const hhmm = (m: number) =>
    `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  const sunday = Array.from({ length: MAX_INTERVALS_PER_DAY }, (_, i) => ({
    start: hhmm(i * 60),
    end: hhmm(i * 60 + slice),
  }));
  return {
    timeZone: 'Asia/Gaza',
    days: { 0: sunday, 1: [], 2: [], 3: [], 4: [], 5: [], 6: [] },
    holidays: sundays(MAX_HOLIDAYS),
  };
}

const validHours = () => ({
  timeZone: 'Europe/Lisbon',
  days: {
    0: [],
    1: [{ start: '09:00', end: '17:00' }],
    2: [{ start: '09:00', end: '17:00' }],
    3: [],
    4: [],
    5: [],
    6: [],
  },
});

describe('a tenant cannot stall the service', () => {
  /** Creates a ticket on each lock, concurrently. */
  async function exercise(who: TestTenant, devices: TestFleet['devices']) {
    const created = await Promise.all(
      devices.map((d, i) =>
        t.http
          .post('/v1/tickets')
          .set(who.admin.auth)
          .send({ separate: true, deviceId: d.id, description: `Lock ${i} will not turn` })
          .expect(201),
      ),
    );
    return created.map(
      (r) => r.body as { id: string; version: number; sla: { resolutionDueAt: string } },
    );
  }

  it('keeps every event-loop turn short at the worst accepted settings, and /health answers', async () => {
    // One-time costs of a fresh process (first requests, code being compiled) are not what is
    // measured: the same operations run first for another tenant, in another zone.
    const warm = await newTenant(t.http);
    const warmFleet = await newFleet(t.http, warm, 2);
    await t.http
      .put('/v1/settings/desk')
      .set(warm.admin.auth)
      .send({ businessHours: { ...worstHours(), timeZone: 'Europe/Lisbon' } })
      .expect(200);
    const [w1, w2] = await exercise(warm, warmFleet.devices);
    for (const [status, version] of [
      ['pending', 1],
      ['open', 2],
    ] as const) {
      await t.http
        .patch(`/v1/tickets/${w1!.id}`)
        .set(warm.admin.auth)
        .set('If-Match', String(version))
        .send({ status })
        .expect(200);
    }
    await t.http
      .patch(`/v1/tickets/${w2!.id}`)
      .set(warm.admin.auth)
      .set('If-Match', '1')
      .send({ priority: 'urgent' })
      .expect(200);
    await t.http.get('/v1/tickets').set(warm.admin.auth).expect(200);
    await t.app.get(TicketJobsService).runOnce();

    // The one timed assertion (issue 9): no turn of the event loop takes 50 ms or more. Work
    // that blocks the loop does so on every run; a CPU shared with other processes may also
    // deschedule this one for that long now and then. So the run is repeated, each time for a new
    // tenant in a zone not seen yet (nothing cached), up to 3 times, and the best run must pass.
    const runs: { maxMs: number; p99Ms: number; health: number[] }[] = [];
    for (const zone of ['Asia/Gaza', 'Africa/Casablanca', 'America/Santiago']) {
      const run = await worstRun(zone);
      runs.push(run);
      expect(run.health.length).toBeGreaterThan(0);
      expect(run.health.every((s) => s === 200)).toBe(true);
      if (run.maxMs < 50) break;
    }
    expect(Math.min(...runs.map((r) => r.maxMs))).toBeLessThan(50);
  });

  /** The worst accepted settings for a new tenant in `zone`, then everything that computes due times. */
  async function worstRun(zone: string) {
    const tenant = await newTenant(t.http);
    const fleet = await newFleet(t.http, tenant, 3);
    const admin = tenant.admin.auth;
    await t.http
      .put('/v1/settings/desk')
      .set(admin)
      .send({ businessHours: { ...worstHours(), timeZone: zone } })
      .expect(200);
    const target = { firstResponseMinutes: MAX_TARGET, resolutionMinutes: MAX_TARGET };
    await t.http
      .put('/v1/settings/sla')
      .set(admin)
      .send({ urgent: target, high: target, normal: target, low: target })
      .expect(200);

    const delay = monitorEventLoopDelay({ resolution: 1 });
    let done = false;
    const health: number[] = [];
    const poll = (async () => {
      while (!done) {
        health.push((await t.http.get('/health')).status);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    delay.enable();
    try {
      // Creation: the due time is decades away, past 500 holiday Sundays.
      const created = await exercise(tenant, fleet.devices);
      const ticket = created[0]!;
      expect(new Date(ticket.sla.resolutionDueAt).getTime()).toBeGreaterThan(
        Date.now() + 40 * 365 * DAY,
      );
      // A ticket a year old with the most pauses it may have, resumed: due time recomputed over
      // every pause.
      const db = t.app.get(TenantDb);
      await db.tenantTransaction(tenant.id, async ({ em }) => {
        const createdAt = Date.now() - 365 * DAY;
        await em.query(`UPDATE tickets SET created_at = $2 WHERE id = $1`, [
          ticket.id,
          new Date(createdAt),
        ]);
        const starts = Array.from(
          { length: MAX_SLA_PAUSES - 2 },
          (_, i) => createdAt + (i + 1) * (DAY + 3_600_000),
        );
        await em.query(
          `INSERT INTO ticket_sla_pauses (tenant_id, ticket_id, started_at, ended_at)
           SELECT $1, $2, s, s + interval '2 hours' FROM unnest($3::timestamptz[]) AS s`,
          [tenant.id, ticket.id, starts.map((s) => new Date(s))],
        );
      });
      let version = 1;
      for (const status of ['pending', 'open', 'pending', 'open']) {
        const res = await t.http
          .patch(`/v1/tickets/${ticket.id}`)
          .set(admin)
          .set('If-Match', String(version))
          .send({ status });
        expect(res.status).toBe(200);
        version = res.body.version as number;
      }
      // The cap: a further pause is refused and changes nothing.
      const refused = await t.http
        .patch(`/v1/tickets/${ticket.id}`)
        .set(admin)
        .set('If-Match', String(version))
        .send({ status: 'pending' });
      expect(refused.status).toBe(409);
      // A priority change recomputes the due times too.
      const other = created[1]!;
      await t.http
        .patch(`/v1/tickets/${other.id}`)
        .set(admin)
        .set('If-Match', String(other.version))
        .send({ priority: 'urgent' })
        .expect(200);
      // Reads, and the scheduled job (breaches, proactive tickets) at the far end of the clock.
      await t.http.get('/v1/tickets').set(admin).expect(200);
      await t.http.get(`/v1/tickets/${ticket.id}`).set(admin).expect(200);
      const jobs = t.app.get(TicketJobsService);
      await jobs.markBreaches(tenant.id, new Date(Date.now() + 80 * 365 * DAY));
      await jobs.runOnce();
    } finally {
      done = true;
      await poll;
      delay.disable();
    }
    return { maxMs: delay.max / 1e6, p99Ms: delay.percentile(99) / 1e6, health };
  }
});

describe('bounded tenant-controlled sizes', () => {
  let tenant: TestTenant;

  beforeAll(async () => {
    tenant = await newTenant(t.http);
  });

  function putHours(businessHours: unknown) {
    return t.http.put('/v1/settings/desk').set(tenant.admin.auth).send({ businessHours });
  }
  const fields = (res: { body: { errors?: { field: string }[] } }) =>
    (res.body.errors ?? []).map((e) => e.field);

  it('refuses unknown keys in business hours, naming the field, and stores nothing', async () => {
    await putHours(validHours()).expect(200);
    const junk = { ...validHours(), junk: 'x'.repeat(2_000_000) };
    const res = await putHours(junk);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']!).toMatch(/application\/problem\+json/);
    expect(fields(res)).toEqual(['businessHours.junk']);
    const nested = validHours();
    (nested.days[1][0]! as Record<string, string>).note = 'lunch';
    const res2 = await putHours(nested);
    expect(res2.status).toBe(400);
    expect(fields(res2)).toEqual(['businessHours.days.1[0].note']);
    const stored = await t.http.get('/v1/settings/desk').set(tenant.admin.auth).expect(200);
    expect(stored.body.businessHours).toEqual(validHours());
  });

  it('refuses too little open time, too many intervals or holidays, and unordered or overlapping intervals', async () => {
    const oneMinute = {
      ...validHours(),
      days: { ...validHours().days, 1: [{ start: '09:00', end: '09:01' }], 2: [] },
    };
    const r1 = await putHours(oneMinute);
    expect(r1.status).toBe(400);
    expect(fields(r1)).toEqual(['businessHours.days']);
    expect(JSON.stringify(r1.body)).toMatch(/at least 240/);

    const many = Array.from({ length: MAX_INTERVALS_PER_DAY + 1 }, (_, i) => ({
      start: `${String(i).padStart(2, '0')}:00`,
      end: `${String(i).padStart(2, '0')}:30`,
    }));
    const r2 = await putHours({ ...validHours(), days: { ...validHours().days, 3: many } });
    expect(r2.status).toBe(400);
    expect(fields(r2)).toEqual(['businessHours.days.3']);

    const r3 = await putHours({ ...validHours(), holidays: sundays(MAX_HOLIDAYS + 1) });
    expect(r3.status).toBe(400);
    expect(fields(r3)).toEqual(['businessHours.holidays']);

    const unordered = [
      { start: '13:00', end: '17:00' },
      { start: '09:00', end: '12:00' },
    ];
    const r4 = await putHours({ ...validHours(), days: { ...validHours().days, 4: unordered } });
    expect(r4.status).toBe(400);
    expect(fields(r4)).toEqual(['businessHours.days.4']);

    const overlapping = [
      { start: '09:00', end: '13:00' },
      { start: '12:00', end: '17:00' },
    ];
    const r5 = await putHours({ ...validHours(), days: { ...validHours().days, 4: overlapping } });
    expect(r5.status).toBe(400);
    expect(fields(r5)).toEqual(['businessHours.days.4']);

    const r6 = await putHours({ ...validHours(), timeZone: 'Europe/'.padEnd(200, 'x') });
    expect(r6.status).toBe(400);
    expect(fields(r6)).toEqual(['businessHours.timeZone']);

    const stored = await t.http.get('/v1/settings/desk').set(tenant.admin.auth).expect(200);
    expect(stored.body.businessHours).toEqual(validHours());
  });

  it('replaces stored hours that break the limits (written before them) by 24x7 UTC', async () => {
    const other = await newTenant(t.http);
    const f = await newFleet(t.http, other, 1);
    await t.app.get(TenantDb).tenantTransaction(other.id, ({ em }) =>
      em.query(
        `INSERT INTO desk_settings (tenant_id, business_hours, proactive) VALUES ($1, $2, '{}')`,
        [
          other.id,
          JSON.stringify({
            timeZone: 'UTC',
            days: {
              0: [],
              1: [{ start: '09:00', end: '09:01' }],
              2: [],
              3: [],
              4: [],
              5: [],
              6: [],
            },
            junk: 'x'.repeat(1000),
          }),
        ],
      ),
    );
    const settings = await t.http.get('/v1/settings/desk').set(other.admin.auth).expect(200);
    expect(settings.body.businessHours.timeZone).toBe('UTC');
    expect(settings.body.businessHours.days[1]).toEqual([{ start: '00:00', end: '24:00' }]);
    expect(settings.body.businessHours.junk).toBeUndefined();
    const ticket = await t.http
      .post('/v1/tickets')
      .set(other.admin.auth)
      .send({ separate: true, deviceId: f.devices[0]!.id, description: 'Bolt stuck' })
      .expect(201);
    expect(ticket.body.sla.resolutionDueAt).toEqual(expect.any(String));
  });

  it('refuses a CSV import with an unknown, repeated or unnamed column, or extra cells, and imports nothing', async () => {
    const f = await newFleet(t.http, tenant, 0);
    const post = (csv: string) =>
      t.http
        .post('/v1/devices/import')
        .set(tenant.admin.auth)
        .set('content-type', 'text/csv')
        .send(csv);
    const row = `CSV-X1,${'01900000-0000-7000-8000-000000000001'},${f.property.id},1A`;

    const misspelt = await post(`serial,modelId,propertyId,unti\n${row}\n`);
    expect(misspelt.status).toBe(400);
    expect(fields(misspelt)).toEqual(['unti']);
    expect(JSON.stringify(misspelt.body)).toMatch(/unknown column unti/);

    const twice = await post(`serial,modelId,propertyId,unit,unit\n${row},1B\n`);
    expect(twice.status).toBe(400);
    expect(fields(twice)).toEqual(['unit']);

    const unnamed = await post(`serial,modelId,propertyId,unit,\n${row},\n`);
    expect(unnamed.status).toBe(400);
    expect(fields(unnamed)).toEqual(['columns[4]']);

    const extra = await post(`serial,modelId,propertyId,unit\n${row},surprise\n`);
    expect(extra.status).toBe(400);
    expect(extra.body.detail).toMatch(/row 1 has 5 cells/);

    const list = await t.http.get('/v1/devices').set(tenant.admin.auth).expect(200);
    expect(list.body.data).toEqual([]);

    // The same file with the header spelt right imports.
    const ok = await post(`serial,modelId,propertyId,unit\n${row}\n`);
    expect(ok.status).toBe(201);
    expect(ok.body.imported).toBe(1);
  });
});
