import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SYMPTOM_CODES } from '../src/diagnostics/engine/codes.js';
import { startTestApp, type TestApp } from './support/app.js';
import { newFleet, newTenant, type TestFleet, type TestTenant } from './support/factories.js';

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
let fleet: TestFleet;

beforeAll(async () => {
  t = await startTestApp();
  a = await newTenant(t.http);
  b = await newTenant(t.http);
  fleet = await newFleet(t.http, a, 2);
});
afterAll(async () => {
  await t.close();
});

interface Cause {
  code: string;
  probability: number;
}
interface Question {
  symptom: string;
  text: string;
  expectedSavingMinutes: number;
}
const prob = (causes: Cause[], code: string) =>
  causes.find((c) => c.code === code)?.probability ?? 0;

const VAGUE = 'The front door lock stopped working yesterday and the app cannot reach it';

describe('questions worth asking', () => {
  it('POST /v1/diagnoses names its model and asks up to three questions with their saving', async () => {
    const res = await t.http
      .post('/v1/diagnoses')
      .set(a.admin.auth)
      .send({ description: VAGUE })
      .expect(200);
    expect(res.body.modelVersion).toMatch(/^(fit-[0-9a-f]{10}|expert-1)$/);
    const questions = res.body.questions as Question[];
    expect(questions.length).toBeGreaterThan(0);
    expect(questions.length).toBeLessThanOrEqual(3);
    for (const q of questions) {
      expect(SYMPTOM_CODES).toContain(q.symptom);
      expect(q.text).toMatch(/\?$/);
      expect(q.expectedSavingMinutes).toBeGreaterThan(0);
    }
    const savings = questions.map((q) => q.expectedSavingMinutes);
    expect([...savings].sort((x, y) => y - x)).toEqual(savings);
  });

  it('an answer moves the ranking: "no" counts against the symptom, "yes" for it, and it is not asked again', async () => {
    const ask = (answers: object[]) =>
      t.http
        .post('/v1/diagnoses')
        .set(a.admin.auth)
        .send({ description: VAGUE, answers })
        .expect(200);
    const none = await ask([]);
    const no = await ask([{ symptom: 'low_battery_warning', present: false }]);
    const yes = await ask([{ symptom: 'low_battery_warning', present: true }]);
    const p = (r: typeof none) => prob(r.body.causes as Cause[], 'battery_depleted');
    expect(p(no)).toBeLessThan(p(none));
    expect(p(yes)).toBeGreaterThan(p(none));
    for (const r of [no, yes])
      expect((r.body.questions as Question[]).map((q) => q.symptom)).not.toContain(
        'low_battery_warning',
      );
  });

  it('refuses unknown symptoms and non-boolean answers with a 400 naming the field', async () => {
    for (const answers of [
      [{ symptom: 'sparks', present: true }],
      [{ symptom: 'no_response', present: 'yes' }],
      [{ symptom: 'no_response' }],
    ]) {
      const res = await t.http
        .post('/v1/diagnoses')
        .set(a.admin.auth)
        .send({ description: VAGUE, answers })
        .expect(400);
      expect(JSON.stringify(res.body.errors)).toContain('answers');
    }
  });
});

describe('answers on a ticket', () => {
  it('records answers as history, re-diagnoses, and keeps the latest answer per symptom', async () => {
    const created = await t.http
      .post('/v1/tickets')
      .set(a.admin.auth)
      .send({ separate: true, deviceId: fleet.devices[0]!.id, description: VAGUE })
      .expect(201);
    const id = created.body.id as string;
    const before = prob(created.body.diagnosis.causes as Cause[], 'battery_depleted');

    const answered = await t.http
      .post(`/v1/tickets/${id}/answers`)
      .set(a.admin.auth)
      .send({ answers: [{ symptom: 'low_battery_warning', present: true }] })
      .expect(200);
    expect(prob(answered.body.diagnosis.causes as Cause[], 'battery_depleted')).toBeGreaterThan(
      before,
    );
    // A later answer for the same symptom wins.
    const changed = await t.http
      .post(`/v1/tickets/${id}/answers`)
      .set(a.admin.auth)
      .send({ answers: [{ symptom: 'low_battery_warning', present: false }] })
      .expect(200);
    expect(prob(changed.body.diagnosis.causes as Cause[], 'battery_depleted')).toBeLessThan(before);

    const history = await t.http.get(`/v1/tickets/${id}/diagnoses`).set(a.admin.auth).expect(200);
    const triggers = (history.body.data as { trigger: string }[]).map((d) => d.trigger);
    expect(triggers).toEqual(
      expect.arrayContaining(['answers:low_battery_warning:yes', 'answers:low_battery_warning:no']),
    );
    const events = await t.http.get(`/v1/tickets/${id}/events`).set(a.admin.auth).expect(200);
    const recorded = (events.body.data as { type: string; after: unknown }[]).filter(
      (e) => e.type === 'answers_recorded',
    );
    expect(recorded).toHaveLength(2);

    // Bad input writes nothing; another tenant's ticket is a 404.
    await t.http
      .post(`/v1/tickets/${id}/answers`)
      .set(a.admin.auth)
      .send({ answers: [] })
      .expect(400);
    await t.http
      .post(`/v1/tickets/${id}/answers`)
      .set(b.admin.auth)
      .send({ answers: [{ symptom: 'no_response', present: true }] })
      .expect(404);
    const after = await t.http.get(`/v1/tickets/${id}/diagnoses`).set(a.admin.auth).expect(200);
    expect(after.body.data).toHaveLength(history.body.data.length);
  });
});
