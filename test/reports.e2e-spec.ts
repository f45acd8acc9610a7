import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TestClock } from '../src/common/clock.js';
import { startTestApp, type TestApp } from './support/app.js';
import {
  newFleet,
  newTenant,
  newUser,
  REFERENCE_MODEL_ID,
  type Session,
  type TestTenant,
} from './support/factories.js';

/**
 * Desk reports over a generated history: tickets created over HTTP while a test clock moves
 * through 120 days, answered, stepped, escalated and solved at chosen times; every figure the
 * reports give is computed again here from what the test did.
 */

const MIN = 60_000;
const DAY = 86_400_000;
// Tomorrow 08:00 UTC: ahead of the database's own clock, so registration times come before it.
const BASE = Math.floor(Date.now() / DAY) * DAY + DAY + 8 * 3_600_000;
const clock = new TestClock(BASE);

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
const CAUSES = ['battery_depleted', 'wifi_connectivity', 'firmware_outdated'] as const;

interface Plan {
  at: number;
  device: number;
  priority: (typeof PRIORITIES)[number];
  respondAfter: number | null;
  firstStep: 'fixed' | 'not_fixed' | null;
  escalateAfter: number | null;
  solveAfter: number | null;
  cause: (typeof CAUSES)[number];
}

interface Facts extends Plan {
  id: string;
  topCause: string;
  firstDue: number | null;
  resolutionDue: number | null;
  respondedAt: number | null;
  solvedAt: number | null;
}

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
let agent: Session;
let manager: Session;
let devices: { id: string; serial: string; model: string; firmware: string; installed: number }[];
let propertyId: string;
let propertyName: string;
const facts: Facts[] = [];

beforeAll(async () => {
  t = await startTestApp({}, { clock });
  a = await newTenant(t.http);
  b = await newTenant(t.http);
  agent = await newUser(t.http, a, 'agent');
  manager = await newUser(t.http, a, 'manager');
  const fleet = await newFleet(t.http, a, 0);
  propertyId = fleet.property.id;
  propertyName = fleet.property.name;
  const installed = new Date(BASE - 200 * DAY).toISOString().slice(0, 10);
  const rows = Array.from({ length: 6 }, (_, i) => ({
    serial: `RPT-${i}-${Math.random().toString(36).slice(2, 8)}`,
    modelId: i < 3 ? REFERENCE_MODEL_ID : fleet.model.id,
    propertyId,
    unit: '1A',
    firmwareVersion: i % 2 === 0 ? '1.0.0' : '2.0.0',
    installedAt: installed,
  }));
  const imported = await t.http
    .post('/v1/devices/import')
    .set(a.admin.auth)
    .send({ devices: rows });
  expect(imported.status).toBe(201);
  devices = (imported.body.ids as string[]).map((id, i) => ({
    id,
    serial: rows[i]!.serial,
    model: rows[i]!.modelId,
    firmware: rows[i]!.firmwareVersion,
    installed: Date.parse(`${installed}T00:00:00Z`),
  }));

  // The other tenant's tickets, at the same times: never counted.
  const other = await newFleet(t.http, b, 1);

  const rnd = mulberry32(14);
  const plans: Plan[] = [];
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  for (let i = 0; i < 30; i++) {
    const solved = rnd() < 0.7;
    plans.push({
      at: BASE + i * 4 * DAY + Math.floor(rnd() * 600) * MIN,
      device: i < 3 ? 0 : 1 + Math.floor(rnd() * 4),
      priority: pick(PRIORITIES),
      respondAfter: rnd() < 0.85 ? 5 + Math.floor(rnd() * 400) : null,
      firstStep: rnd() < 0.5 ? pick(['fixed', 'not_fixed'] as const) : null,
      escalateAfter: rnd() < 0.25 ? 450 : null,
      solveAfter: solved ? 500 + Math.floor(rnd() * 3000) : null,
      cause: pick(CAUSES),
    });
  }
  // Lock 0 has tickets on days 0, 4 and 8 (a repeat failure); lock 5 three tickets 100 days apart.
  for (const d of [0, 100, 200]) {
    plans.push({
      at: BASE + d * DAY + 30 * MIN,
      device: 5,
      priority: 'normal',
      respondAfter: null,
      firstStep: null,
      escalateAfter: null,
      solveAfter: null,
      cause: 'battery_depleted',
    });
  }

  type Ev = { at: number; run: () => Promise<void> };
  const events: Ev[] = [];
  for (const p of plans) {
    events.push({
      at: p.at,
      run: async () => {
        const res = await t.http.post('/v1/tickets').set(manager.auth).send({
          deviceId: devices[p.device]!.id,
          separate: true,
          description: 'The lock does not respond to the keypad',
          priority: p.priority,
        });
        expect(res.status).toBe(201);
        const f: Facts = {
          ...p,
          id: res.body.id,
          topCause: res.body.diagnosis.causes[0].code,
          firstDue: res.body.sla.firstResponseDueAt
            ? Date.parse(res.body.sla.firstResponseDueAt)
            : null,
          resolutionDue: res.body.sla.resolutionDueAt
            ? Date.parse(res.body.sla.resolutionDueAt)
            : null,
          respondedAt: null,
          solvedAt: null,
        };
        facts.push(f);
        const on = (after: number | null, run: (f: Facts) => Promise<void>) => {
          if (after !== null) events.push({ at: p.at + after * MIN, run: () => run(f) });
        };
        on(p.respondAfter, async (f) => {
          const first = f.firstStep;
          const r = first
            ? await t.http
                .post(`/v1/tickets/${f.id}/steps`)
                .set(agent.auth)
                .send({ step: 'replace_batteries', outcome: first })
            : await t.http
                .post(`/v1/tickets/${f.id}/comments`)
                .set(agent.auth)
                .send({ body: 'Looking into it' });
          expect([200, 201]).toContain(r.status);
          // A step re-diagnoses the ticket: its top cause is now the new diagnosis's.
          if (first) f.topCause = r.body.diagnosis.causes[0].code;
          f.respondedAt = clock.nowMs();
        });
        on(p.respondAfter !== null ? p.escalateAfter : null, async (f) => {
          const r = await t.http
            .post(`/v1/tickets/${f.id}/escalate`)
            .set(agent.auth)
            .send({ target: 'locksmith' });
          expect(r.status).toBe(200);
        });
        on(p.solveAfter, async (f) => {
          const r = await t.http
            .post(`/v1/tickets/${f.id}/resolve`)
            .set(agent.auth)
            .send({ confirmedCause: f.cause, resolution: 'Done' });
          expect(r.status).toBe(200);
          f.solvedAt = clock.nowMs();
        });
        // Another tenant's ticket at the same moment.
        const o = await t.http.post('/v1/tickets').set(b.admin.auth).send({
          deviceId: other.devices[0]!.id,
          separate: true,
          description: 'Jammed',
          priority: p.priority,
        });
        expect(o.status).toBe(201);
      },
    });
  }
  while (events.length > 0) {
    events.sort((x, y) => x.at - y.at);
    const ev = events.shift()!;
    if (ev.at > clock.nowMs()) clock.set(ev.at);
    await ev.run();
  }
  clock.set(BASE + 230 * DAY);
}, 300_000);

afterAll(async () => {
  await t.close();
});

const iso = (ms: number) => new Date(ms).toISOString();
const FROM = BASE - DAY;
const TO = BASE + 230 * DAY;

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((x, y) => x - y);
  const m = (s.length - 1) / 2;
  return Math.round(((s[Math.floor(m)]! + s[Math.ceil(m)]!) / 2) * 10) / 10;
}

function escalated(f: Facts): boolean {
  return f.respondAfter !== null && f.escalateAfter !== null;
}
function causeOf(f: Facts): string {
  return f.solvedAt !== null ? f.cause : f.topCause;
}

async function report(name: string, query: Record<string, string>, who: Session = agent) {
  const res = await t.http.get(`/v1/reports/${name}`).query(query).set(who.auth);
  expect(res.status).toBe(200);
  return res.body as {
    rows: ({ key: string; label: string } & Record<string, number | null>)[];
    total: Record<string, number | null>;
    groupBy: string;
  };
}

describe('desk reports', () => {
  it('counts ticket volumes by cause, model, firmware and property', async () => {
    const byCause = await report('tickets', { from: iso(FROM), to: iso(TO) });
    expect(byCause.groupBy).toBe('cause');
    const expected = new Map<
      string,
      { tickets: number; open: number; solved: number; escalated: number }
    >();
    for (const f of facts) {
      const e = expected.get(causeOf(f)) ?? { tickets: 0, open: 0, solved: 0, escalated: 0 };
      e.tickets++;
      if (f.solvedAt !== null) e.solved++;
      else e.open++;
      if (escalated(f)) e.escalated++;
      expected.set(causeOf(f), e);
    }
    expect(
      Object.fromEntries(
        byCause.rows.map((r) => [
          r.key,
          { tickets: r.tickets, open: r.open, solved: r.solved, escalated: r.escalated },
        ]),
      ),
    ).toEqual(Object.fromEntries(expected));
    expect(byCause.total.tickets).toBe(facts.length);

    const byModel = await report('tickets', { from: iso(FROM), to: iso(TO), groupBy: 'model' });
    const perModel = (m: string) => facts.filter((f) => devices[f.device]!.model === m).length;
    expect(Object.fromEntries(byModel.rows.map((r) => [r.key, r.tickets]))).toEqual(
      Object.fromEntries(
        [...new Set(devices.map((d) => d.model))]
          .map((m) => [m, perModel(m)])
          .filter(([, n]) => n !== 0),
      ),
    );
    const byFirmware = await report('tickets', {
      from: iso(FROM),
      to: iso(TO),
      groupBy: 'firmware',
    });
    const fwKey = (d: (typeof devices)[number]) => `${d.model}@${d.firmware}`;
    const fw = new Map<string, number>();
    for (const f of facts)
      fw.set(fwKey(devices[f.device]!), (fw.get(fwKey(devices[f.device]!)) ?? 0) + 1);
    expect(Object.fromEntries(byFirmware.rows.map((r) => [r.key, r.tickets]))).toEqual(
      Object.fromEntries(fw),
    );
    const byProperty = await report('tickets', {
      from: iso(FROM),
      to: iso(TO),
      groupBy: 'property',
    });
    expect(byProperty.rows).toEqual([
      expect.objectContaining({ key: propertyId, label: propertyName, tickets: facts.length }),
    ]);

    // A narrower period counts only the tickets created in it (from inclusive, to exclusive).
    const mid = facts[10]!.at;
    const narrow = await report('tickets', {
      from: iso(mid),
      to: iso(BASE + 60 * DAY),
      groupBy: 'priority',
    });
    expect(narrow.total.tickets).toBe(
      facts.filter((f) => f.at >= mid && f.at < BASE + 60 * DAY).length,
    );
  });

  it('gives median response and resolution times and SLA attainment per priority', async () => {
    const sla = await report('sla', { from: iso(FROM), to: iso(TO) });
    expect(sla.groupBy).toBe('priority');
    for (const p of PRIORITIES) {
      const fs = facts.filter((f) => f.priority === p);
      const row = sla.rows.find((r) => r.key === p);
      if (fs.length === 0) {
        expect(row).toBeUndefined();
        continue;
      }
      let met = 0;
      let breached = 0;
      for (const f of fs) {
        const lateFirst =
          f.firstDue !== null && f.respondedAt !== null && f.respondedAt > f.firstDue;
        const lateSolve =
          !escalated(f) &&
          f.resolutionDue !== null &&
          f.solvedAt !== null &&
          f.solvedAt > f.resolutionDue;
        if (lateFirst || lateSolve) breached++;
        else if (f.solvedAt !== null) met++;
      }
      expect(row).toEqual({
        key: p,
        label: p,
        tickets: fs.length,
        responded: fs.filter((f) => f.respondedAt !== null).length,
        firstResponseMedianMinutes: median(
          fs.filter((f) => f.respondedAt !== null).map((f) => (f.respondedAt! - f.at) / MIN),
        ),
        solved: fs.filter((f) => f.solvedAt !== null).length,
        resolutionMedianMinutes: median(
          fs.filter((f) => f.solvedAt !== null).map((f) => (f.solvedAt! - f.at) / MIN),
        ),
        slaTickets: fs.length,
        slaMet: met,
        slaBreached: breached,
        slaPending: fs.length - met - breached,
        slaAttainment:
          met + breached > 0 ? Math.round((met / (met + breached)) * 10_000) / 10_000 : null,
      });
    }
    expect(sla.total.tickets).toBe(facts.length);
    // The history has every kind: met, breached and pending.
    expect(sla.total.slaMet).toBeGreaterThan(0);
    expect(sla.total.slaBreached).toBeGreaterThan(0);
    expect(sla.total.slaPending).toBeGreaterThan(0);
    expect(sla.total.resolutionMedianMinutes).toBe(
      median(facts.filter((f) => f.solvedAt !== null).map((f) => (f.solvedAt! - f.at) / MIN)),
    );
  });

  it('gives deflection and first-step success', async () => {
    const out = await report('outcomes', { from: iso(FROM), to: iso(TO), groupBy: 'model' });
    const solved = facts.filter((f) => f.solvedAt !== null);
    const stepped = facts.filter((f) => f.respondAfter !== null && f.firstStep !== null);
    expect(out.total).toEqual({
      tickets: facts.length,
      solved: solved.length,
      solvedWithoutEscalation: solved.filter((f) => !escalated(f)).length,
      deflectionRate:
        Math.round((solved.filter((f) => !escalated(f)).length / solved.length) * 10_000) / 10_000,
      stepped: stepped.length,
      firstStepFixed: stepped.filter((f) => f.firstStep === 'fixed').length,
      firstStepSuccessRate:
        Math.round(
          (stepped.filter((f) => f.firstStep === 'fixed').length / stepped.length) * 10_000,
        ) / 10_000,
    });
    expect(solved.some((f) => escalated(f))).toBe(true);
  });

  it('finds repeat-failure locks (three tickets within 90 days)', async () => {
    const rep = await report('repeat-failures', { from: iso(FROM), to: iso(TO) });
    const expected = devices
      .map((d, i) => {
        const times = facts
          .filter((f) => f.device === i)
          .map((f) => f.at)
          .sort((x, y) => x - y);
        const max90 = Math.max(
          0,
          ...times.map((ti) => times.filter((u) => u <= ti && u >= ti - 90 * DAY).length),
        );
        return {
          key: d.id,
          label: d.serial,
          repeatLocks: 1,
          tickets: times.length,
          maxTicketsIn90Days: max90,
        };
      })
      .filter((r) => r.maxTicketsIn90Days >= 3);
    expect(expected.map((r) => r.label)).toContain(devices[0]!.serial);
    expect(expected.map((r) => r.label)).not.toContain(devices[5]!.serial);
    expect([...rep.rows].sort((x, y) => x.key.localeCompare(y.key))).toEqual(
      [...expected].sort((x, y) => x.key.localeCompare(y.key)),
    );
    expect(rep.total.repeatLocks).toBe(expected.length);
  });

  it('gives mean time between failures per model', async () => {
    const to = BASE + 120 * DAY;
    const mtbf = await report('mtbf', { from: iso(BASE), to: iso(to) });
    for (const model of new Set(devices.map((d) => d.model))) {
      const ds = devices.filter((d) => d.model === model);
      const days = ds.length * 120;
      const failures = facts.filter(
        (f) => devices[f.device]!.model === model && f.at >= BASE && f.at < to,
      ).length;
      expect(mtbf.rows.find((r) => r.key === model)).toMatchObject({
        locks: ds.length,
        deviceDays: days,
        failures,
        mtbfDays: failures > 0 ? Math.round((days / failures) * 10) / 10 : null,
      });
    }
  });

  it('answers CSV when asked by Accept', async () => {
    const res = await t.http
      .get('/v1/reports/tickets')
      .query({ from: iso(FROM), to: iso(TO), groupBy: 'priority' })
      .set(agent.auth)
      .set('accept', 'text/csv');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const lines = res.text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('key,label,tickets,open,solved,escalated');
    const json = await report('tickets', { from: iso(FROM), to: iso(TO), groupBy: 'priority' });
    expect(lines).toHaveLength(json.rows.length + 2);
    expect(lines.at(-1)).toBe(
      `,Total,${json.total.tickets},${json.total.open},${json.total.solved},${json.total.escalated}`,
    );
    for (const [i, r] of json.rows.entries()) {
      expect(lines[i + 1]).toBe(
        `${r.key},${r.label},${r.tickets},${r.open},${r.solved},${r.escalated}`,
      );
    }
    const preferJson = await t.http
      .get('/v1/reports/tickets')
      .set(agent.auth)
      .set('accept', 'application/json, text/csv;q=0.5');
    expect(preferJson.headers['content-type']).toMatch(/^application\/json/);
  });

  it('refuses bad periods and groupings with 400', async () => {
    for (const query of [
      { from: 'yesterday' },
      { to: '2026-02-30' },
      { from: '2026-03-02', to: '2026-03-01' },
      { from: '2020-01-01', to: '2026-01-01' },
      { groupBy: 'colour' },
    ]) {
      const res = await t.http.get('/v1/reports/tickets').query(query).set(agent.auth);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    }
    const lockOnSla = await t.http
      .get('/v1/reports/sla')
      .query({ groupBy: 'lock' })
      .set(agent.auth);
    expect(lockOnSla.status).toBe(400);
    expect(lockOnSla.body.errors[0].field).toBe('groupBy');
    // One day: from and to the same date.
    const day = iso(facts[0]!.at).slice(0, 10);
    const one = await report('tickets', { from: day, to: day });
    expect(one.total.tickets).toBe(facts.filter((f) => iso(f.at).slice(0, 10) === day).length);
  });

  it("never counts another tenant's tickets, and is the desk's only", async () => {
    const mine = await report('tickets', { from: iso(FROM), to: iso(TO) }, b.admin);
    expect(mine.total.tickets).toBe(facts.length);
    expect(mine.rows.every((r) => !devices.some((d) => d.id === r.key))).toBe(true);
    const bRepeat = await report('repeat-failures', { from: iso(FROM), to: iso(TO) }, b.admin);
    expect(bRepeat.rows.map((r) => r.key)).not.toContain(devices[0]!.id);
    const bMtbf = await report('mtbf', { from: iso(FROM), to: iso(TO) }, b.admin);
    expect(bMtbf.total.locks).toBe(1);
    const partner = await newTenant(t.http, { kind: 'locksmith' });
    const refused = await t.http.get('/v1/reports/tickets').set(partner.admin.auth);
    expect(refused.status).toBe(403);
  });
});
