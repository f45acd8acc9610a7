/**
 * Fleet incidents over HTTP on real PostgreSQL, with a generated fleet: a firmware cluster across
 * 30 locks of one model becomes one incident (re-runs update it, new matching tickets join it),
 * a model at its normal background rate raises none, the desk acknowledges and resolves it
 * (its tickets solved together, the priors learning once), and another tenant sees none of it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type pg from 'pg';
import { TenantDb } from '../src/database/tenant-db.service.js';
import { IncidentDetectionJob } from '../src/incidents/index.js';
import type { TestApp } from './support/app.js';
import { ownerClient } from './support/database.js';
import {
  newFleet,
  newTenant,
  newUser,
  REFERENCE_MODEL_ID,
  type Session,
  startDesk,
  type TestFleet,
  type TestTenant,
} from './support/factories.js';

let t: TestApp;
let a: TestTenant;
let agent: Session;
let manager: Session;
let fleet: TestFleet;
let owner: pg.Client;
/** Model M (the reference model): 30 locks on the bad firmware, 60 on the good one. */
let bad: string[];
let good: string[];
/** Model B (the tenant's own): 100 locks at a steady background rate. */
let steady: string[];

const CLUSTER = 'Since the last firmware update the lock ignores the app and the keypad freezes.';
const BACKGROUND = 'The bolt is stiff and sometimes jams half way when locking.';

async function importLocks(modelId: string, firmware: string, n: number, tag: string) {
  const res = await t.http
    .post('/v1/devices/import')
    .set(a.admin.auth)
    .send({
      devices: Array.from({ length: n }, (_, i) => ({
        serial: `${tag}-${i}`,
        modelId,
        propertyId: fleet.property.id,
        unit: '1A',
        firmwareVersion: firmware,
      })),
    })
    .expect(201);
  return res.body.ids as string[];
}

async function report(deviceId: string, description: string): Promise<string> {
  const res = await t.http
    .post('/v1/tickets')
    .set(agent.auth)
    .send({ deviceId, description, separate: true })
    .expect(201);
  return res.body.id as string;
}

/** Moves a ticket `days` back in time (the history a real desk would have). */
async function backdate(ticketId: string, days: number): Promise<void> {
  await owner.query(
    `UPDATE tickets SET created_at = now() - $2::float8 * interval '1 day' WHERE id = $1`,
    [ticketId, days],
  );
}

const detect = () => t.app.get(IncidentDetectionJob).runOnce(new Date(), 0);

beforeAll(async () => {
  ({ t, a, agent, fleet } = await startDesk(0));
  manager = await newUser(t.http, a, 'manager');
  owner = await ownerClient(t.databaseUrl);
  bad = await importLocks(REFERENCE_MODEL_ID, '2.1.0', 30, 'BAD');
  good = await importLocks(REFERENCE_MODEL_ID, '2.0.4', 60, 'GOOD');
  steady = await importLocks(fleet.model.id, '1.0.0', 100, 'STEADY');

  // History of model M: the cluster's symptom now and then on the good firmware (6 in 90 days).
  for (let i = 0; i < 6; i++) await backdate(await report(good[i * 7]!, CLUSTER), 10 + i * 12);
  // Model B: one lock-day in 300 shows BACKGROUND, before and during the window alike
  // (30 in the 90-day baseline, 2 this week, about 2.3 expected).
  for (let i = 0; i < 30; i++)
    await backdate(await report(steady[i * 3]!, BACKGROUND), 8 + i * 2.8);
  for (let i = 0; i < 2; i++) await report(steady[50 + i]!, BACKGROUND);
  // The firmware cluster: each of the 30 locks on 2.1.0 reports it this week.
  for (const id of bad) await report(id, CLUSTER);
}, 240_000);

afterAll(async () => {
  await owner?.end();
  await t?.close();
});

interface Summary {
  id: string;
  state: string;
  kind: string;
  signal: string;
  modelId: string;
  firmwareVersion: string | null;
  lockCount: number;
  ticketCount: number;
  suspectedCause: string | null;
}

async function incidents(session: Session = agent): Promise<Summary[]> {
  const res = await t.http.get('/v1/incidents').set(session.auth).expect(200);
  expect(res.body.nextCursor).toBeNull();
  return res.body.data as Summary[];
}

describe('fleet incidents', () => {
  let id: string;
  let topCause: string;

  it('a firmware cluster across 30 locks of one model becomes one incident; the steady model none', async () => {
    const first = await detect();
    expect(first).toMatchObject({ ran: 1, opened: 1, failed: 0 });
    const list = await incidents(manager);
    expect(list).toHaveLength(1);
    const inc = list[0]!;
    id = inc.id;
    expect(inc).toMatchObject({
      state: 'open',
      kind: 'cause',
      modelId: REFERENCE_MODEL_ID,
      firmwareVersion: '2.1.0',
      lockCount: 30,
      ticketCount: 30,
    });
    topCause = inc.signal;
    expect(inc.suspectedCause).toBe(topCause);

    const one = await t.http.get(`/v1/incidents/${id}`).set(manager.auth).expect(200);
    expect((one.body.locks as { id: string }[]).map((l) => l.id).sort()).toEqual([...bad].sort());
    expect(one.body.tickets).toHaveLength(30);
    expect((one.body.tickets as { topCause: string }[]).every((x) => x.topCause === topCause)).toBe(
      true,
    );
    const e = one.body.evidence;
    expect(e).toMatchObject({
      windowDays: 7,
      baselineDays: 90,
      lockDays: 30,
      locksAffected: 30,
      groupLocks: 30,
      modelLocks: 90,
      baselineLockDaysWithSignal: 6,
      baselineLockDays: 90 * 90,
      minLocks: 5,
      alpha: 1e-4,
    });
    expect(e.baseRate).toBeCloseTo(7 / 9100, 12);
    expect(e.expected).toBeCloseTo((7 / 9100) * 30 * 7, 12);
    expect(e.pValue).toBeLessThan(1e-30);
    expect(one.body.title).toContain('firmware 2.1.0');
  });

  it('a tenant run less than the given age ago is not due, and not run again', async () => {
    const fresh = await t.app.get(IncidentDetectionJob).runOnce(new Date(), 3600);
    expect(fresh).toMatchObject({ ran: 0, opened: 0 });
    const { rows } = await owner.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM incident_detection WHERE tenant_id = $1`,
      [a.id],
    );
    expect(rows[0]!.n).toBe(1);
  });

  it('re-runs update the same incident, and new matching tickets join it', async () => {
    const again = await detect();
    expect(again).toMatchObject({ ran: 1, opened: 0, updated: 1 });
    const late = await report(bad[3]!, CLUSTER);
    const stray = await report(good[1]!, CLUSTER); // the good firmware: not this incident's
    await detect();
    const list = await incidents();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id, ticketCount: 31, lockCount: 30 });
    const one = await t.http.get(`/v1/incidents/${id}`).set(agent.auth).expect(200);
    expect((one.body.tickets as { id: string }[]).map((x) => x.id)).toContain(late);
    // A ticket's incidents: what its page shows.
    const ofTicket = await t.http.get(`/v1/incidents?ticketId=${late}`).set(manager.auth);
    expect((ofTicket.body.data as Summary[]).map((x) => x.id)).toEqual([id]);
    const outside = await t.http.get(`/v1/incidents?ticketId=${stray}`).set(manager.auth);
    expect(outside.body.data).toEqual([]);
    // The ticket itself shows its incident; the job's linking changed what it shows, so a
    // client polling it with its old ETag gets the new answer, not a 304.
    const page = await t.http.get(`/v1/tickets/${late}`).set(manager.auth).expect(200);
    expect(page.body.incidents).toEqual([
      { id, title: expect.any(String), state: 'open', suspectedCause: expect.any(String) },
    ]);
    expect(page.headers.etag).not.toBe(`"${page.body.version as number}"`);
    await t.http
      .get(`/v1/tickets/${late}`)
      .set(manager.auth)
      .set('If-None-Match', `"${page.body.version as number}"`)
      .expect(200);
    await t.http
      .get(`/v1/tickets/${late}`)
      .set(manager.auth)
      .set('If-None-Match', page.headers.etag as string)
      .expect(304);
    const strayPage = await t.http.get(`/v1/tickets/${stray}`).set(manager.auth).expect(200);
    expect(strayPage.body.incidents).toEqual([]);
  });

  it('managers read; admins and agents act; bad input is a 4xx and writes nothing', async () => {
    await t.http.post(`/v1/incidents/${id}/acknowledge`).set(manager.auth).expect(403);
    await t.http
      .post(`/v1/incidents/${id}/resolve`)
      .set(manager.auth)
      .send({ confirmedCause: 'firmware_outdated', resolution: 'x' })
      .expect(403);
    await t.http
      .post(`/v1/incidents/${id}/resolve`)
      .set(agent.auth)
      .send({ confirmedCause: 'gremlins', resolution: 'x' })
      .expect(400);
    await t.http
      .post(`/v1/incidents/${id}/resolve`)
      .set(agent.auth)
      .send({ confirmedCause: 'firmware_outdated' })
      .expect(400);
    await t.http.get('/v1/incidents?state=bogus').set(agent.auth).expect(400);
    await t.http.get('/v1/incidents/not-a-uuid').set(agent.auth).expect(404);
    await t.http
      .get('/v1/incidents/01900000-0000-7000-8000-00000000dead')
      .set(agent.auth)
      .expect(404);
    const still = await t.http.get(`/v1/incidents/${id}`).set(agent.auth).expect(200);
    expect(still.body).toMatchObject({ state: 'open', version: 1, confirmedCause: null });
  });

  it('acknowledge: open -> acknowledged, once', async () => {
    const res = await t.http.post(`/v1/incidents/${id}/acknowledge`).set(agent.auth).expect(200);
    expect(res.body).toMatchObject({ state: 'acknowledged', acknowledgedBy: agent.userId });
    await t.http.post(`/v1/incidents/${id}/acknowledge`).set(agent.auth).expect(409);
    const acked = await t.http.get('/v1/incidents?state=acknowledged').set(manager.auth);
    expect((acked.body.data as Summary[]).map((x) => x.id)).toEqual([id]);
    const open = await t.http.get('/v1/incidents?state=open').set(manager.auth);
    expect(open.body.data).toEqual([]);
  });

  it('resolve: its tickets are solved together, each timeline records it, the priors learn once', async () => {
    const learned = async () => {
      const { rows } = await owner.query<{ n: number }>(
        `SELECT coalesce(sum(confirmations), 0)::int AS n FROM learned_causes
          WHERE tenant_id = $1 AND model_id = $2 AND cause = 'firmware_outdated'`,
        [a.id, REFERENCE_MODEL_ID],
      );
      return rows[0]!.n;
    };
    const before = await learned();
    // One member ticket is already solved on the desk: it stays as it was.
    const members = (await t.http.get(`/v1/incidents/${id}`).set(agent.auth)).body.tickets as {
      id: string;
    }[];
    const solvedEarlier = members[0]!.id;
    await t.http
      .post(`/v1/tickets/${solvedEarlier}/resolve`)
      .set(agent.auth)
      .send({ confirmedCause: 'software_glitch', resolution: 'Rebooted it.' })
      .expect(200);

    const res = await t.http
      .post(`/v1/incidents/${id}/resolve`)
      .set(agent.auth)
      .send({ confirmedCause: 'firmware_outdated', resolution: 'Vendor hotfix 2.1.1 rolled out.' })
      .expect(200);
    expect(res.body).toMatchObject({
      state: 'resolved',
      confirmedCause: 'firmware_outdated',
      resolvedBy: agent.userId,
      ticketsResolved: 30,
    });
    expect(await learned()).toBe(before + 1);

    for (const m of members) {
      const ticket = await t.http.get(`/v1/tickets/${m.id}`).set(agent.auth).expect(200);
      expect(ticket.body.status).toBe('solved');
      const events = await t.http.get(`/v1/tickets/${m.id}/events`).set(agent.auth).expect(200);
      const marks = (events.body.data as { type: string; after: unknown }[]).filter(
        (ev) => ev.type === 'incident_resolved',
      );
      if (m.id === solvedEarlier) {
        expect(ticket.body.confirmedCause).toBe('software_glitch');
        expect(marks).toHaveLength(0);
      } else {
        expect(ticket.body.confirmedCause).toBe('firmware_outdated');
        expect(marks).toHaveLength(1);
        expect(marks[0]!.after).toMatchObject({
          incidentId: id,
          confirmedCause: 'firmware_outdated',
        });
      }
    }
    await t.http
      .post(`/v1/incidents/${id}/resolve`)
      .set(agent.auth)
      .send({ confirmedCause: 'firmware_outdated', resolution: 'again' })
      .expect(409);
    await t.http.post(`/v1/incidents/${id}/acknowledge`).set(agent.auth).expect(409);
  });

  it('what it explained does not open it again', async () => {
    const r = await detect();
    expect(r).toMatchObject({ ran: 1, opened: 0 });
    expect((await incidents()).map((x) => x.id)).toEqual([id]);
  });

  it('sends incident.opened and incident.resolved through the outbox, once each', async () => {
    const { rows } = await owner.query<{ topic: string; payload: Record<string, unknown> }>(
      `SELECT topic, payload FROM outbox WHERE tenant_id = $1 AND topic LIKE 'incident.%' ORDER BY id`,
      [a.id],
    );
    expect(rows.map((r) => r.topic)).toEqual(['incident.opened', 'incident.resolved']);
    expect(rows[0]!.payload).toMatchObject({ id, firmwareVersion: '2.1.0', signal: topCause });
    expect(rows[1]!.payload).toMatchObject({
      id,
      confirmedCause: 'firmware_outdated',
      ticketsResolved: 30,
    });
  });

  it('another tenant sees none of it', async () => {
    const other = await newTenant(t.http);
    await newFleet(t.http, other, 1);
    const list = await t.http.get('/v1/incidents').set(other.admin.auth).expect(200);
    expect(list.body.data).toEqual([]);
    await t.http.get(`/v1/incidents/${id}`).set(other.admin.auth).expect(404);
    await t.http.post(`/v1/incidents/${id}/acknowledge`).set(other.admin.auth).expect(404);
    // Row-level security itself, under the runtime role: no row of a's incident tables.
    const seen = await t.app.get(TenantDb).tenantTransaction(other.id, (tx) =>
      tx.em.query<{ n: number }[]>(
        `SELECT (SELECT count(*) FROM incidents)::int + (SELECT count(*) FROM incident_tickets)::int
              + (SELECT count(*) FROM incident_locks)::int + (SELECT count(*) FROM incident_detection)::int AS n`,
      ),
    );
    expect(seen[0]!.n).toBe(0);
    const mine = await t.app
      .get(TenantDb)
      .tenantTransaction(a.id, (tx) =>
        tx.em.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM incidents`),
      );
    expect(mine[0]!.n).toBe(1);
  });
});
