import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import type { QueryRunner } from 'typeorm';
import { DiagnosisStoredOnce1764002000000 } from '../migrations/1764002000000-DiagnosisStoredOnce.js';
import type { TestApp } from './support/app.js';
import {
  newFleet,
  newTenant,
  newUser,
  type Session,
  startDesk,
  type TestFleet,
} from './support/factories.js';

let t: TestApp;
let agent: Session;
let fleet: TestFleet;

beforeAll(async () => {
  ({ t, agent, fleet } = await startDesk(5));
});
afterAll(async () => {
  await t.close();
});

const LONG = (i: number) =>
  `Ticket ${i}: the keypad is dead and the app says the lock is offline since the router changed. `.repeat(
    60,
  );

interface Diagnosis {
  causes: { code: string; probability: number }[];
  plan: { step: string }[];
  escalation: { recommended: boolean; target: string | null };
  modelVersion: string;
}

/**
 * The statements the app sends, per connection (TypeORM's logger sees every query, BEGIN and
 * COMMIT included), while `run` runs.
 */
async function statements(run: () => Promise<unknown>): Promise<string[][]> {
  const logger = t.dataSource.logger;
  const original = logger.logQuery.bind(logger);
  const byRunner = new Map<unknown, string[]>();
  logger.logQuery = (query, parameters, runner) => {
    const list = byRunner.get(runner) ?? [];
    list.push(query.replace(/\s+/g, ' ').trim());
    byRunner.set(runner, list);
    original(query, parameters, runner);
  };
  try {
    await run();
  } finally {
    logger.logQuery = original;
  }
  // Split each connection's statements into transactions.
  const transactions: string[][] = [];
  for (const list of byRunner.values()) {
    let current: string[] = [];
    for (const q of list) {
      current.push(q);
      if (q === 'COMMIT' || q === 'ROLLBACK') {
        transactions.push(current);
        current = [];
      }
    }
    if (current.length) transactions.push(current);
  }
  return transactions;
}

const short = (tx: string[]) => tx.map((q) => q.slice(0, 60));

describe('ticket lists carry summaries', () => {
  it('a page of 50 tickets, each with a full diagnosis and a long description, is at most 50 KB', async () => {
    const tenant = await newTenant(t.http);
    const f = await newFleet(t.http, tenant, 5);
    for (let i = 0; i < 50; i++) {
      const res = await t.http
        .post('/v1/tickets')
        .set(tenant.admin.auth)
        .send({ separate: true, deviceId: f.devices[i % 5]!.id, description: LONG(i) });
      expect(res.status).toBe(201);
      expect(res.body.diagnosis.plan.length).toBeGreaterThan(0);
    }
    const page = await t.http.get('/v1/tickets').query({ limit: 50 }).set(tenant.admin.auth);
    expect(page.status).toBe(200);
    expect(page.body.data).toHaveLength(50);
    const bytes = Buffer.byteLength(page.text);
    expect(bytes).toBeLessThanOrEqual(50 * 1024);

    // What a list shows, and the summary agrees with the full diagnosis of GET /v1/tickets/:id.
    const item = page.body.data[7] as Record<string, unknown> & {
      id: string;
      diagnosis: Record<string, unknown>;
    };
    expect(item).not.toHaveProperty('description');
    const full = await t.http.get(`/v1/tickets/${item.id}`).set(tenant.admin.auth);
    const d = full.body.diagnosis as Diagnosis;
    const device = f.devices.find((x) => x.id === full.body.deviceId)!;
    expect(item).toMatchObject({
      number: full.body.number,
      status: 'new',
      priority: full.body.priority,
      deviceId: device.id,
      deviceSerial: device.serial,
      propertyId: f.property.id,
      propertyName: f.property.name,
      assigneeId: null,
      version: 1,
      sla: full.body.sla,
    });
    expect(item.diagnosis).toEqual({
      causes: d.causes.slice(0, 3).map((c) => ({ code: c.code, probability: c.probability })),
      nextStep: d.plan[0]!.step,
      escalation: { recommended: d.escalation.recommended, target: d.escalation.target },
      modelVersion: d.modelVersion,
    });
    // Search is the same list.
    const found = await t.http
      .get('/v1/tickets')
      .query({ q: full.body.number })
      .set(tenant.admin.auth);
    expect(found.body.data).toEqual([item]);
  });

  it('after a step, the ticket, its list item and its history answer the new diagnosis; the full one is stored once', async () => {
    const created = await t.http.post('/v1/tickets').set(agent.auth).send({
      separate: true,
      deviceId: fleet.devices[0]!.id,
      description: 'Keypad dead, no lights',
    });
    const id = created.body.id as string;
    const step = await t.http
      .post(`/v1/tickets/${id}/steps`)
      .set(agent.auth)
      .send({ step: (created.body.diagnosis as Diagnosis).plan[0]!.step, outcome: 'not_fixed' });
    expect(step.status).toBe(200);
    const history = await t.http.get(`/v1/tickets/${id}/diagnoses`).set(agent.auth);
    expect(history.body.data).toHaveLength(2);
    expect(history.body.data[0].diagnosis).toEqual(created.body.diagnosis);
    expect(history.body.data[1].diagnosis).toEqual(step.body.diagnosis);
    const got = await t.http.get(`/v1/tickets/${id}`).set(agent.auth);
    expect(got.body.diagnosis).toEqual(step.body.diagnosis);
    const list = await t.http.get('/v1/tickets').query({ limit: 200 }).set(agent.auth);
    const item = (list.body.data as { id: string; diagnosis: { nextStep: string } }[]).find(
      (x) => x.id === id,
    )!;
    expect(item.diagnosis.nextStep).toBe((step.body.diagnosis as Diagnosis).plan[0]!.step);

    // Stored once: the ticket row has no diagnosis column, only the pointer and the summary.
    const owner = new pg.Client({ connectionString: t.databaseUrl });
    await owner.connect();
    try {
      const { rows } = await owner.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns
          WHERE table_name = 'tickets' AND column_name LIKE 'diagnosis%' ORDER BY 1`,
      );
      expect(rows.map((r) => r.column_name)).toEqual(['diagnosis_id', 'diagnosis_summary']);
    } finally {
      await owner.end();
    }
  });
});

describe('ticket creation round trips', () => {
  // BEGIN, set_config (with the Idempotency-Key's claim when keyed), the read, the write, COMMIT.
  const BOUND = 5;

  const creation = (txs: string[][]) => {
    const found = txs.filter((tx) => tx.some((q) => q.includes('INSERT INTO tickets')));
    expect(found).toHaveLength(1);
    return found[0]!;
  };

  it(`sends at most ${BOUND} statements, BEGIN and COMMIT included`, async () => {
    let status = 0;
    const txs = await statements(async () => {
      const res = await t.http.post('/v1/tickets').set(agent.auth).send({
        separate: true,
        deviceId: fleet.devices[1]!.id,
        description: 'Bolt is stiff and jams halfway',
      });
      status = res.status;
    });
    expect(status).toBe(201);
    const tx = creation(txs);
    expect(short(tx)).toHaveLength(BOUND);
    expect(tx[0]).toBe('START TRANSACTION');
    expect(tx[1]).toMatch(/^select set_config\('app.tenant_id'/);
    expect(tx.at(-1)).toBe('COMMIT');
  });

  it(`with round-robin assignment too`, async () => {
    const tenant = await newTenant(t.http);
    const f = await newFleet(t.http, tenant, 1);
    const agents = [await newUser(t.http, tenant, 'agent'), await newUser(t.http, tenant, 'agent')];
    await t.http
      .put('/v1/settings/desk')
      .set(tenant.admin.auth)
      .send({ autoAssign: true })
      .expect(200);
    const assignees: string[] = [];
    const txs = await statements(async () => {
      for (let i = 0; i < 3; i++) {
        const res = await t.http
          .post('/v1/tickets')
          .set(tenant.admin.auth)
          .send({ separate: true, deviceId: f.devices[0]!.id, description: `Issue ${i}` });
        expect(res.status).toBe(201);
        assignees.push(res.body.assigneeId as string);
      }
    });
    const ordered = agents.map((x) => x.userId).sort();
    expect(assignees).toEqual([ordered[0], ordered[1], ordered[0]]);
    for (const tx of txs.filter((x) => x.some((q) => q.includes('INSERT INTO tickets'))))
      expect(short(tx)).toHaveLength(BOUND);
  });

  it('with an Idempotency-Key: no transaction of its own for the key, the same bound, a replay in one transaction', async () => {
    const body = { deviceId: fleet.devices[2]!.id, description: 'Code rejected for the cleaner' };
    let first: { status: number; body: unknown } = { status: 0, body: null };
    const txs = await statements(async () => {
      const res = await t.http
        .post('/v1/tickets')
        .set(agent.auth)
        .set('Idempotency-Key', 'path-1')
        .send(body);
      first = { status: res.status, body: res.body };
    });
    expect(first.status).toBe(201);
    const tx = creation(txs);
    expect(short(tx)).toHaveLength(BOUND);
    expect(tx[1]).toMatch(/pg_try_advisory_xact_lock/);
    expect(tx.some((q) => q.includes('INSERT INTO idempotency_keys'))).toBe(true);
    const keyed = txs.filter((x) => x.some((q) => /idempotency|advisory/.test(q)));
    expect(keyed).toEqual([tx]);

    let replay: { status: number; body: unknown; replayed?: string } = { status: 0, body: null };
    const replayTxs = await statements(async () => {
      const res = await t.http
        .post('/v1/tickets')
        .set(agent.auth)
        .set('Idempotency-Key', 'path-1')
        .send(body);
      replay = { status: res.status, body: res.body, replayed: res.headers['idempotent-replayed'] };
    });
    expect(replay).toEqual({ status: 201, body: first.body, replayed: 'true' });
    const replayKeyed = replayTxs.filter((x) => x.some((q) => /idempotency|advisory/.test(q)));
    expect(replayKeyed).toHaveLength(1);
    expect(replayKeyed[0]!.at(-1)).toBe('ROLLBACK');
    expect(replayKeyed[0]!.length).toBeLessThanOrEqual(4);

    const other = await t.http
      .post('/v1/tickets')
      .set(agent.auth)
      .set('Idempotency-Key', 'path-1')
      .send({ separate: true, ...body, description: 'something else' });
    expect(other.status).toBe(422);
  });
});

describe('re-diagnosis round trips', () => {
  // BEGIN, set_config, the ticket locked, the step, the facts (steps, answers, lock, priors),
  // the timeline event, the update (with the new history row), the steps tried, COMMIT.
  const BOUND = 9;

  it(`a later step outcome sends at most ${BOUND} statements`, async () => {
    const created = await t.http.post('/v1/tickets').set(agent.auth).send({
      separate: true,
      deviceId: fleet.devices[3]!.id,
      description: 'Keypad dead, no lights',
    });
    const id = created.body.id as string;
    const step = (s: string) =>
      t.http
        .post(`/v1/tickets/${id}/steps`)
        .set(agent.auth)
        .send({ step: s, outcome: 'not_fixed' });
    expect((await step('check_battery_level')).status).toBe(200);
    let res: { status: number; body: { stepsTried: unknown[] } } = {
      status: 0,
      body: { stepsTried: [] },
    };
    const txs = await statements(async () => {
      res = await step('replace_batteries');
    });
    expect(res.status).toBe(200);
    expect(res.body.stepsTried).toHaveLength(2);
    const found = txs.filter((tx) => tx.some((q) => q.includes('INSERT INTO ticket_steps')));
    expect(found).toHaveLength(1);
    expect(short(found[0]!).length).toBeLessThanOrEqual(BOUND);
  });
});

describe('migration 1764002000000 moves existing diagnoses', () => {
  it('down and up again: every ticket answers the same, a diagnosis missing from its history is appended', async () => {
    const tenant = await newTenant(t.http);
    const f = await newFleet(t.http, tenant, 2);
    const one = await t.http
      .post('/v1/tickets')
      .set(tenant.admin.auth)
      .send({ separate: true, deviceId: f.devices[0]!.id, description: 'Keypad dead, no lights' });
    const two = await t.http.post('/v1/tickets').set(tenant.admin.auth).send({
      separate: true,
      deviceId: f.devices[1]!.id,
      description: 'Motor runs but the bolt does not move',
    });
    await t.http
      .post(`/v1/tickets/${one.body.id}/steps`)
      .set(tenant.admin.auth)
      .send({ step: 'replace_batteries', outcome: 'not_fixed' })
      .expect(200);
    const read = async () => ({
      one: (await t.http.get(`/v1/tickets/${one.body.id}`).set(tenant.admin.auth)).body,
      list: (await t.http.get('/v1/tickets').set(tenant.admin.auth)).body,
      history: (await t.http.get(`/v1/tickets/${one.body.id}/diagnoses`).set(tenant.admin.auth))
        .body,
    });
    const before = await read();

    const owner = new pg.Client({ connectionString: t.databaseUrl });
    await owner.connect();
    const q = { query: (sql: string) => owner.query(sql) } as unknown as QueryRunner;
    const migration = new DiagnosisStoredOnce1764002000000();
    try {
      await owner.query('BEGIN');
      await migration.down(q);
      // As an old version could have left it: ticket two's diagnosis is not in its history.
      await owner.query(
        `UPDATE tickets SET diagnosis = jsonb_set(diagnosis, '{modelVersion}', '"old-1"') WHERE id = $1`,
        [two.body.id],
      );
      await migration.up(q);
      await owner.query('COMMIT');
    } finally {
      await owner.end();
    }

    const after = await read();
    expect(after.one).toEqual(before.one);
    expect(after.history).toEqual(before.history);
    // The list answers the same, but for ticket two's summary, made from its changed diagnosis.
    type Item = { id: string; diagnosis: { modelVersion: string } };
    const expected = (before.list.data as Item[]).map((x) =>
      x.id === two.body.id ? { ...x, diagnosis: { ...x.diagnosis, modelVersion: 'old-1' } } : x,
    );
    expect(after.list.data).toEqual(expected);
    const twoAfter = await t.http.get(`/v1/tickets/${two.body.id}`).set(tenant.admin.auth);
    expect(twoAfter.body.diagnosis).toEqual({ ...two.body.diagnosis, modelVersion: 'old-1' });
    const twoHistory = await t.http
      .get(`/v1/tickets/${two.body.id}/diagnoses`)
      .set(tenant.admin.auth);
    expect((twoHistory.body.data as { trigger: string }[]).map((h) => h.trigger)).toEqual([
      'created',
      'migrated',
    ]);
  });
});
