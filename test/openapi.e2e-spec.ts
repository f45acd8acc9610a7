import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { previewApiDocument } from '../src/app.openapi.js';
import { TICKET_EVENT_TYPES } from '../src/escalation/webhook-catalog.js';
import { startTestApp, type TestApp } from './support/app.js';
import { newTenant, type TestTenant } from './support/factories.js';

interface Op {
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
interface Doc {
  openapi: string;
  info: { license?: { name: string } };
  servers?: { url: string }[];
  paths: Record<string, Record<string, Op>>;
  webhooks: Record<string, { post: { requestBody: unknown } }>;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
}

let t: TestApp;
let a: TestTenant;
let doc: Doc;

beforeAll(async () => {
  t = await startTestApp({ webhooksAllowPrivate: true });
  a = await newTenant(t.http);
  doc = (await t.http.get('/docs-json').expect(200)).body as Doc;
});
afterAll(async () => {
  await t.close();
});

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ path, method, op })),
  );

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 with a license and servers, the same with or without a database', async () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.license?.name).toBeTruthy();
    expect(doc.servers?.length).toBeGreaterThan(0);
    // `npm run lint:openapi` lints the preview document: it must be the one served.
    expect(JSON.parse(JSON.stringify(await previewApiDocument()))).toEqual(doc);
  });

  it('documents every success answer with a schema (204 and 304 have no body)', () => {
    const missing = operations().flatMap(({ path, method, op }) =>
      Object.entries(op.responses)
        .filter(([status]) => status.startsWith('2') && status !== '204')
        .filter(([, r]) => !Object.values(r.content ?? {}).some((c) => c.schema))
        .map(([status]) => `${method} ${path} ${status}`),
    );
    expect(missing).toEqual([]);
    for (const { op, method, path } of operations()) {
      const statuses = Object.keys(op.responses);
      expect({ method, path, success: statuses.some((s) => /^2/.test(s)) }).toEqual({
        method,
        path,
        success: true,
      });
      for (const [status, r] of Object.entries(op.responses))
        if (Number(status) >= 400)
          expect(Object.keys(r.content ?? {})).toEqual(['application/problem+json']);
    }
  });

  it('names the security of every operation: public ones `[]`, telemetry also an API key', () => {
    const publicOps = operations()
      .filter(({ op }) => op.security?.length === 0)
      .map(({ method, path }) => `${method} ${path}`)
      .sort();
    expect(publicOps).toEqual([
      'get /health',
      'get /health/ready',
      'post /v1/auth/login',
      'post /v1/auth/refresh',
      'post /v1/auth/signup',
    ]);
    for (const { op } of operations()) expect(op.security).toBeDefined();
    expect(doc.paths['/v1/telemetry']!.post!.security).toEqual(
      expect.arrayContaining([{ apiKey: [] }, { bearer: [] }]),
    );
  });

  it('lists every webhook event with one envelope', () => {
    expect(Object.keys(doc.webhooks)).toEqual(
      expect.arrayContaining([
        'ticket.created',
        ...TICKET_EVENT_TYPES.map((e) => `ticket.${e}`),
        'escalation.routed',
        'escalation.claimed',
        'escalation.scheduled',
        'escalation.declined',
        'escalation.resolved',
        'escalation.cancelled',
        'escalation.revoked',
        'escalation.closed',
        'escalation.message_created',
        'incident.opened',
        'incident.resolved',
      ]),
    );
    const created = doc.components.schemas.Event_TicketCreated!;
    expect(Object.keys(created.properties!)).toEqual([
      'id',
      'type',
      'createdAt',
      'tenantId',
      'data',
    ]);
  });
});

describe('Swagger UI', () => {
  it('answers at /docs and /docs/, titled LockDesk, keeping the token across reloads', async () => {
    for (const path of ['/docs', '/docs/']) {
      const page = await t.http.get(path).redirects(1);
      expect({ path, status: page.status }).toEqual({ path, status: 200 });
      expect(page.text).toContain('<title>LockDesk API</title>');
      const init = page.text.match(/src="([^"]*swagger-ui-init\.js)"/)?.[1];
      expect(init).toBeDefined();
      const base = path.endsWith('/') ? path : `${path}/`;
      const script = await t.http.get(new URL(init!, `http://x${base}`).pathname);
      expect(script.status).toBe(200);
      expect(script.text).toContain('"persistAuthorization": true');
    }
  });
});

describe('the contract check', () => {
  const seen = (o: Partial<Parameters<TestApp['contract']['verify']>[0]>) =>
    t.contract.verify({
      method: 'GET',
      url: '/v1/me',
      status: 200,
      contentType: 'application/json; charset=utf-8',
      body: '',
      ...o,
    });

  it('refuses undocumented statuses, bodies that break the schema, wrong types and local times', () => {
    expect(seen({ status: 418, body: '{}' })).toMatch(/status 418 is not documented/);
    expect(seen({ body: '{"nope":1}' })).toMatch(/body does not match get \/v1\/me/);
    expect(seen({ status: 401, body: '{"type":"x","title":"x","status":401,"code":"x"}' })).toMatch(
      /content type application\/json/,
    );
    expect(seen({ body: '' })).toMatch(/empty body/);
    expect(
      seen({ url: '/v1/webhooks', body: '{"data":[],"nextCursor":"2026-11-22T08:15:00+01:00"}' }),
    ).toMatch(/not in UTC/);
    expect(seen({ method: 'POST', url: '/v1/nowhere', status: 201, body: '{}' })).toMatch(
      /no operation/,
    );
    expect(seen({ url: '/v1/webhooks', body: '{"data":[],"nextCursor":null}' })).toBeNull();
  });
});

describe('one API style', () => {
  it('lists webhooks and partners as pages {data, nextCursor}', async () => {
    for (const path of ['/v1/webhooks', '/v1/partners']) {
      const page = await t.http.get(path).set(a.admin.auth).expect(200);
      expect(page.body).toEqual({ data: [], nextCursor: null });
    }
    for (const n of [1, 2, 3])
      await t.http
        .post('/v1/webhooks')
        .set(a.admin.auth)
        .send({ url: `http://127.0.0.1:9/page-${n}`, events: ['*'] })
        .expect(201);
    const first = await t.http.get('/v1/webhooks?limit=2').set(a.admin.auth).expect(200);
    expect(first.body.data).toHaveLength(2);
    const rest = await t.http
      .get(`/v1/webhooks?limit=2&cursor=${encodeURIComponent(first.body.nextCursor as string)}`)
      .set(a.admin.auth)
      .expect(200);
    expect(rest.body.data).toHaveLength(1);
    expect(rest.body.nextCursor).toBeNull();
  });

  it('refuses the same webhook URL twice for the same events, in any order', async () => {
    const url = 'http://127.0.0.1:9/same';
    const first = await t.http
      .post('/v1/webhooks')
      .set(a.admin.auth)
      .send({ url, events: ['ticket.*', 'escalation.routed'] })
      .expect(201);
    const again = await t.http
      .post('/v1/webhooks')
      .set(a.admin.auth)
      .send({ url, events: ['escalation.routed', 'ticket.*', 'ticket.*'] });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'webhook_exists', existingId: first.body.id });
    // Other events to the same URL are another webhook.
    await t.http
      .post('/v1/webhooks')
      .set(a.admin.auth)
      .send({ url, events: ['ticket.created'] })
      .expect(201);
    // Once deleted, the URL may be registered again.
    await t.http.delete(`/v1/webhooks/${first.body.id}`).set(a.admin.auth).expect(204);
    await t.http
      .post('/v1/webhooks')
      .set(a.admin.auth)
      .send({ url, events: ['ticket.*', 'escalation.routed'] })
      .expect(201);
  });

  it('says a missing field is required, and what a telemetry body looks like', async () => {
    const property = await t.http
      .post('/v1/properties')
      .set(a.admin.auth)
      .send({ address: { line1: '1 Main St', city: 'Lisbon', postalCode: '1100', country: 'PT' } });
    expect(property.status).toBe(400);
    expect(property.body.errors).toContainEqual({ field: 'name', message: 'name is required' });
    const telemetry = await t.http
      .post('/v1/telemetry')
      .set(a.admin.auth)
      .send({ serial: 'SN-1', type: 'battery' });
    expect(telemetry.status).toBe(400);
    expect(telemetry.body.errors).toContainEqual({
      field: 'events',
      message: 'events is required: the body is {"events": [ ...events ]}',
    });
  });
});
