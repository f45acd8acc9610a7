import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CAUSE_CODES, SYMPTOM_CODES } from '../src/diagnostics/engine/index.js';
import { startTestApp, type TestApp } from './support/app.js';
import { newTenant, type TestTenant } from './support/factories.js';

let t: TestApp;
let a: TestTenant;
beforeAll(async () => {
  t = await startTestApp();
  a = await newTenant(t.http);
});
afterAll(async () => {
  await t.close();
});

type Method = 'get' | 'post' | 'patch' | 'delete';
// (Rows always have three elements: with two, Jest would pass `done` as the third argument.)
// Every route with an id in its path that a customer admin may call, with a body that passes validation.
const ROUTES: [Method, string, object | null][] = [
  ['get', '/v1/users/:id', null],
  ['patch', '/v1/users/:id', { name: 'Sam' }],
  ['delete', '/v1/users/:id', null],
  ['delete', '/v1/api-keys/:id', null],
  ['get', '/v1/tickets/:id', null],
  ['get', '/v1/tickets/:id/comments', null],
  ['post', '/v1/tickets/:id/comments', { body: 'hello' }],
  ['post', '/v1/tickets/:id/answers', { answers: [{ symptom: SYMPTOM_CODES[0], present: true }] }],
  ['post', '/v1/tickets/:id/resolve', { confirmedCause: CAUSE_CODES[0], resolution: 'done' }],
  ['get', '/v1/tickets/:id/events', null],
  ['get', '/v1/tickets/:id/diagnoses', null],
  ['post', '/v1/tickets/:id/escalate', {}],
  ['get', '/v1/properties/:id', null],
  ['delete', '/v1/properties/:id', null],
  ['get', '/v1/device-models/:id', null],
  ['delete', '/v1/device-models/:id', null],
  ['get', '/v1/devices/:id', null],
  ['get', '/v1/devices/:id/health', null],
  ['delete', '/v1/devices/:id', null],
  ['delete', '/v1/webhooks/:id', null],
  ['get', '/v1/webhooks/:id/deliveries', null],
  ['post', '/v1/webhooks/deliveries/:id/replay', null],
  ['delete', '/v1/partners/:id', null],
  ['get', '/v1/escalations/:id', null],
];

const send = (method: Method, path: string, body: object | null) => {
  let req = t.http[method](path).set(a.admin.auth).set('If-Match', '"1"');
  if (method === 'post') req = req.set('Idempotency-Key', randomUUID());
  return body ? req.send(body) : req;
};

/** The body without what differs per request (its id, its path). */
function withoutPerRequest(body: unknown): Record<string, unknown> {
  const out = { ...(body as Record<string, unknown>) };
  delete out.requestId;
  delete out.instance;
  return out;
}

describe('ids in paths (@IdParam)', () => {
  it.each(ROUTES)(
    '%s %s: a malformed id is the same 404 as a missing one',
    async (method, route, body) => {
      const missing = await send(method, route.replace(':id', randomUUID()), body);
      expect(missing.status).toBe(404);
      for (const bad of ['not-a-uuid', '1', `${randomUUID()}x`, "1' OR '1'='1"]) {
        const res = await send(method, route.replace(':id', encodeURIComponent(bad)), body);
        expect(res.status).toBe(404);
        expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
        const got = withoutPerRequest(res.body);
        const want = withoutPerRequest(missing.body);
        expect(got).toEqual(want);
      }
    },
  );
});
