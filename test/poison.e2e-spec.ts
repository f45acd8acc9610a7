import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from './support/app.js';
import {
  newFleet,
  newTenant,
  newUser,
  type Session,
  type TestFleet,
  type TestTenant,
} from './support/factories.js';

/*
 * RELIABILITY 18 and 41: every operation of the OpenAPI document gets the
 * classes of input that once answered 500 (crafted cursors, NUL and lone
 * surrogates, impossible dates, query-parser breakers, deep JSON, blank
 * strings) in every query parameter, path parameter and string field of a
 * real request body aimed at real rows. No answer may be a 5xx, every error
 * is problem+json, and no body carries a stack or SQL.
 */

interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  example?: unknown;
  default?: unknown;
  minimum?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  oneOf?: Schema[];
  allOf?: Schema[];
}
interface Parameter {
  in: 'query' | 'path' | 'header';
  name: string;
  schema?: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

let t: TestApp;
let doc: OpenApi;
let customer: TestTenant;
let partner: TestTenant;
let agent: Session;
let fleet: TestFleet;
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestApp({ webhooksAllowPrivate: true });
  customer = await newTenant(t.http);
  partner = await newTenant(t.http, { kind: 'locksmith' });
  agent = await newUser(t.http, customer, 'agent');
  const other = await newUser(t.http, customer, 'manager');
  fleet = await newFleet(t.http, customer, 2);
  const auth = customer.admin.auth;
  await t.http
    .put('/v1/partner-profile')
    .set(partner.admin.auth)
    .send({ postalCodes: ['1100'], capacity: 5 })
    .expect(200);
  await t.http.post('/v1/partners').set(auth).send({ handle: partner.handle }).expect(201);
  const ticket = await t.http
    .post('/v1/tickets')
    .set(auth)
    .send({ separate: true, deviceId: fleet.devices[0]!.id, description: 'The keypad is dead' })
    .expect(201);
  await t.http
    .post(`/v1/tickets/${ticket.body.id}/comments`)
    .set(auth)
    .send({ body: 'On it' })
    .expect(201);
  const escalated = await t.http
    .post(`/v1/tickets/${ticket.body.id}/escalate`)
    .set(auth)
    .send({ target: 'locksmith' });
  expect(escalated.status).toBe(200);
  const escalations = await t.http.get('/v1/escalations').set(auth).expect(200);
  const key = await t.http.post('/v1/api-keys').set(auth).send({ name: 'bridge' }).expect(201);
  const hook = await t.http
    .post('/v1/webhooks')
    .set(auth)
    .send({ url: 'http://127.0.0.1:9/hook', events: ['ticket.*'] })
    .expect(201);
  Object.assign(ids, {
    users: other.userId,
    properties: fleet.property.id,
    'device-models': fleet.model.id,
    devices: fleet.devices[1]!.id,
    tickets: ticket.body.id as string,
    escalations: (escalations.body.data[0]?.id as string | undefined) ?? randomUUID(),
    'api-keys': key.body.id as string,
    webhooks: hook.body.id as string,
    partners: partner.id,
    deliveries: randomUUID(),
  });
  doc = (await t.http.get('/docs-json').expect(200)).body as OpenApi;
});
afterAll(async () => {
  await t.close();
});

// ---------------------------------------------------------------- poisons

const UNSTORABLE = ['a\u0000b', 'x\uD800y', '\uDC00'];
/** Every class, for query parameters (filters, search). */
const QUERY_STRINGS: string[] = [
  ...UNSTORABLE,
  '   ',
  '2026-02-30',
  '0000-01-01',
  '2026-W05',
  '2026-032',
  '2026-02-30T10:00:00Z',
  '-'.repeat(300),
  '!!!!((((::&&||',
  "a' OR 1=1 --",
  '%_\\',
  'x'.repeat(3000), // a longer query string is a 431 of its own, tested below
];
/** One or two of each class per body field, to keep the sweep under a minute. */
const BODY_STRINGS: string[] = [
  ...UNSTORABLE.slice(0, 2),
  '   ',
  '2026-02-30',
  '0000-01-01T00:00:00Z',
  '-'.repeat(300),
  'x'.repeat(20_000),
];
const PATH_STRINGS = ['a\u0000b', '2026-02-30', '-'.repeat(300)];

const b64 = (s: string) => Buffer.from(s).toString('base64url');
const CURSORS: string[] = [
  b64('"a string"'),
  b64('[-1]'),
  b64('[1e308]'),
  b64('[99999999999999999999999]'),
  b64('["\\u0000"]'),
  b64('[{}]'),
  b64('[null]'),
  b64(`["${randomUUID()}"]`), // the right shape, but not signed by the server
  b64(`["${randomUUID()}"]`) + '.' + b64('forged-signature'),
  '!!not base64!!',
];
const LIMITS = ['-1', '0', '1e3', '99999999999999999999999', 'NaN', '0x10', ' 5', '1.5'];
const FEW = [...UNSTORABLE, '   '];

/** Values that are not strings at all, sent where a string belongs. */
const NOT_STRINGS: unknown[] = [{}, null];

// ---------------------------------------------------------------- helpers

function resolve(schema: Schema): Schema {
  if (schema.$ref) return resolve(doc.components.schemas[schema.$ref.split('/').pop()!]!);
  if (schema.allOf?.length === 1) return resolve(schema.allOf[0]!);
  return schema;
}

/** A valid-looking value for a schema: its example, first enum value, or a plain one. */
function sample(schemaIn: Schema, name: string): unknown {
  const schema = resolve(schemaIn);
  if (schema.example !== undefined) return schema.example;
  if (schema.enum?.length) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  if (schema.properties) {
    const out: Record<string, unknown> = {};
    for (const [k, s] of Object.entries(schema.properties)) out[k] = sample(s, k);
    return out;
  }
  if (schema.type === 'array') return schema.items ? [sample(schema.items, name)] : [];
  if (schema.type === 'integer' || schema.type === 'number') return schema.minimum ?? 1;
  if (schema.type === 'boolean') return false;
  if (schema.type === 'object') return {};
  return schema.format === 'uuid' ? fleet.devices[0]!.id : `valid ${name}`;
}

/** Bodies the document cannot describe well enough (ids of real rows, a readable password). */
function realBody(method: string, path: string, schema: Schema): Record<string, unknown> {
  const body = sample(schema, 'body') as Record<string, unknown>;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  const fix: Record<string, unknown> = {
    deviceId: fleet.devices[0]!.id,
    propertyId: fleet.property.id,
    modelId: fleet.model.id,
    leaseToken: randomUUID(),
    url: 'http://127.0.0.1:9/hook',
  };
  for (const k of Object.keys(fix)) if (k in body) body[k] = fix[k];
  if (path === '/v1/devices/import')
    return {
      devices: [{ serial: 'SN-poison', modelId: fleet.model.id, propertyId: fleet.property.id }],
    };
  if (path === '/v1/telemetry') {
    return {
      events: [
        {
          serial: fleet.devices[0]!.serial,
          type: 'battery',
          at: new Date().toISOString(),
          batteryPercent: 50,
        },
      ],
    };
  }
  if (method === 'patch' && path === '/v1/me') delete body.password;
  return body;
}

/** Every string leaf of a body as a path of keys, so one can be replaced at a time. */
function leaves(
  value: unknown,
  keep: (v: unknown) => boolean,
  path: (string | number)[] = [],
): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, keep, [...path, i]));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => leaves(v, keep, [...path, k]));
  }
  return keep(value) ? [path] : [];
}

/** Paths of the nested objects and arrays of a body (not the body itself). */
function containers(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (!value || typeof value !== 'object') return [];
  const here = path.length > 0 ? [path] : [];
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value);
  return [...here, ...entries.flatMap(([k, v]) => containers(v, [...path, k]))];
}

/** A leaf path as the API names fields: `address.line1`, `devices[0].serial`. */
function fieldName(path: (string | number)[]): string {
  return path.reduce<string>(
    (out, k) => (typeof k === 'number' ? `${out}[${k}]` : out ? `${out}.${k}` : k),
    '',
  );
}

function withLeaf(body: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(body) as Record<string | number, unknown>;
  let at: Record<string | number, unknown> = copy;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  at[path.at(-1)!] = value;
  return copy;
}

function idFor(path: string): string {
  if (path.includes('{deliveryId}')) return ids.deliveries!;
  if (path.includes('{partnerTenantId}')) return ids.partners!;
  const resource = path.split('/')[2]!;
  return ids[resource] ?? randomUUID();
}

function actorFor(path: string): Session {
  if (path.startsWith('/v1/escalations') || path.startsWith('/v1/partner-profile')) {
    return partner.admin;
  }
  return path.startsWith('/v1/tickets') && path.includes('{id}') ? agent : customer.admin;
}

// SQL keywords as SQL writes them (upper case): answers may say "update" in plain words.
const LEAK_SQL = /\bSELECT\b|\bINSERT INTO\b|\bUPDATE \w+ SET\b|\bDELETE FROM\b/;
const LEAK_TEXT =
  /\bat \S+\.(ts|js):\d+|node_modules|syntax error|invalid input syntax|violates|QueryFailedError|stack/i;
const LEAK = { test: (text: string): boolean => LEAK_SQL.test(text) || LEAK_TEXT.test(text) };

interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
  body: unknown;
}
const failures: string[] = [];

function check(what: string, res: Answer): void {
  const problem = (res.body ?? {}) as { status?: number };
  if (res.status >= 500) failures.push(`${what} -> ${res.status} ${res.text.slice(0, 200)}`);
  else if (res.status >= 400) {
    if (!/^application\/problem\+json/.test(res.headers['content-type'] ?? '')) {
      failures.push(`${what} -> ${res.status} not problem+json`);
    } else if (problem.status !== res.status) failures.push(`${what} -> status mismatch`);
  }
  if (LEAK.test(res.text)) failures.push(`${what} -> leaks: ${res.text.slice(0, 200)}`);
}

function queryString(params: Record<string, string>): string {
  // Built by hand: encodeURIComponent throws on lone surrogates, which are sent as CESU-8 bytes.
  const enc = (s: string) =>
    s
      .replace(/[\uD800-\uDFFF]/g, (c) => {
        const n = c.charCodeAt(0);
        return `%${(0xe0 | (n >> 12)).toString(16)}%${(0x80 | ((n >> 6) & 0x3f)).toString(16)}%${(0x80 | (n & 0x3f)).toString(16)}`;
      })
      .replace(/[^\uD800-\uDFFF%]+/g, (run) => encodeURIComponent(run));
  return Object.entries(params)
    .map(([k, v]) => `${k}=${enc(v)}`)
    .join('&');
}

function operations(): { method: string; path: string; op: Operation }[] {
  const out: { method: string; path: string; op: Operation }[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) out.push({ method, path, op });
  }
  return out;
}

function send(method: string, url: string, who: Session) {
  const m = method as 'get' | 'post' | 'put' | 'patch' | 'delete';
  return t.http[m](url).set(who.auth);
}

// ---------------------------------------------------------------- the sweep

interface Probe {
  what: string;
  run: () => Promise<Answer>;
  /** An extra expectation beyond "no 5xx, problem+json, no leak". */
  expect?: (res: Answer) => string | undefined;
}

/** Every probe, built from the document: query and path parameters, body fields, deep JSON. */
function probes(): Probe[] {
  const out: Probe[] = [];
  for (const { method, path, op } of operations()) {
    const who = actorFor(path);
    const concrete = path.replace(/\{[^}]+\}/g, () => idFor(path));
    const label = `${method.toUpperCase()} ${path}`;
    const short = (v: unknown) => JSON.stringify(v)?.slice(0, 40);

    for (const p of (op.parameters ?? []).filter((x) => x.in === 'query')) {
      const values =
        p.name === 'cursor'
          ? [...CURSORS, ...FEW]
          : p.name === 'limit'
            ? [...LIMITS, ...FEW]
            : QUERY_STRINGS;
      for (const v of values) {
        out.push({
          what: `${label} ?${p.name}=${short(v)}`,
          run: () => send(method, `${concrete}?${queryString({ [p.name]: v })}`, who),
          expect:
            p.name === 'cursor'
              ? (res) =>
                  res.status === 400 && JSON.stringify(res.body).includes('"field":"cursor"')
                    ? undefined
                    : `${res.status}, not a 400 naming cursor`
              : undefined,
        });
      }
    }

    for (const p of (op.parameters ?? []).filter((x) => x.in === 'path')) {
      for (const v of PATH_STRINGS) {
        const url = path.replace(/\{[^}]+\}/g, (m) =>
          m === `{${p.name}}` ? encodeURIComponent(v) : idFor(path),
        );
        out.push({ what: `${label} {${p.name}}=${short(v)}`, run: () => send(method, url, who) });
      }
    }

    const json = op.requestBody?.content['application/json'];
    if (!json) continue;
    const body = realBody(method, path, json.schema);
    // Numbers and booleans: null, a string and an absurd number in their place.
    for (const leaf of leaves(body, (v) => typeof v === 'number' || typeof v === 'boolean')) {
      for (const v of [null, '1', -1e308]) {
        out.push({
          what: `${label} body.${leaf.join('.')}=${short(v)}`,
          run: () => send(method, concrete, who).send(withLeaf(body, leaf, v) as object),
        });
      }
    }
    for (const node of containers(body)) {
      out.push({
        what: `${label} body.${node.join('.')}=null`,
        run: () => send(method, concrete, who).send(withLeaf(body, node, null) as object),
      });
    }
    for (const leaf of leaves(body, (v) => typeof v === 'string')) {
      for (const v of [...BODY_STRINGS, ...NOT_STRINGS]) {
        out.push({
          what: `${label} body.${leaf.join('.')}=${short(v)}`,
          run: () => send(method, concrete, who).send(withLeaf(body, leaf, v) as object),
          expect: UNSTORABLE.includes(v as string)
            ? (res) =>
                res.status === 400 &&
                (res.body as { errors?: { field: string }[] }).errors?.[0]?.field ===
                  fieldName(leaf)
                  ? undefined
                  : `${res.status} ${res.text.slice(0, 120)}: not a 400 naming the field`
            : undefined,
        });
      }
    }
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    for (const raw of [deep, `{"x":${deep}}`]) {
      out.push({
        what: `${label} deep JSON`,
        run: () => send(method, concrete, who).set('content-type', 'application/json').send(raw),
        expect: (res) => (res.status === 400 ? undefined : `${res.status}, not 400`),
      });
    }
  }
  return out;
}

async function runAll(list: Probe[], concurrency: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < list.length) {
      const probe = list[next++]!;
      const res = await probe.run();
      check(probe.what, res);
      const extra = probe.expect?.(res);
      if (extra) failures.push(`${probe.what} -> ${extra}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

describe('every operation of the OpenAPI document, poisoned', () => {
  it('never answers 5xx, always problem+json, never leaks a stack or SQL', async () => {
    expect(operations().length).toBeGreaterThan(50);
    const list = probes();
    expect(list.length).toBeGreaterThan(1000);
    await runAll(list, 6);
    if (failures.length) throw new Error(`${failures.length} failures:\n${failures.join('\n')}`);
    // About 45 s on a shared 2-core machine under load; the margin keeps it from flaking there.
  }, 180_000);
});

describe('the classes, one by one', () => {
  const admin = () => customer.admin.auth;

  it('NUL and lone surrogates: 400 naming the field, in bodies, queries and CSV, nothing written', async () => {
    const nul = await t.http
      .post('/v1/properties')
      .set(admin())
      .send({
        name: 'Harbor',
        address: { line1: 'a\u0000b', city: 'Lisbon', postalCode: '1100', country: 'PT' },
        timeZone: 'Europe/Lisbon',
      });
    expect(nul.status).toBe(400);
    expect(nul.body.errors).toEqual([{ field: 'address.line1', message: expect.any(String) }]);
    const surrogate = await t.http.patch(`/v1/me`).set(admin()).send({ name: 'Ana \uD800' });
    expect(surrogate.status).toBe(400);
    expect(surrogate.body.errors[0].field).toBe('name');
    const query = await t.http.get('/v1/properties?q=a%00b').set(admin());
    expect(query.status).toBe(400);
    expect(query.body.errors[0].field).toBe('q');
    const csv = await t.http
      .post('/v1/devices/import')
      .set(admin())
      .set('content-type', 'text/csv')
      .send(`serial,modelId,propertyId\nSN-NUL\u0000,${fleet.model.id},${fleet.property.id}\n`);
    expect(csv.status).toBe(400);
    expect(csv.body.errors[0]).toMatchObject({
      field: 'body',
      message: expect.stringContaining('line 2'),
    });
    const list = await t.http.get('/v1/devices').query({ serial: 'SN-NUL' }).set(admin());
    expect(list.body.data).toEqual([]);
  });

  it('impossible dates: 400 naming the field, in filters, bodies and CSV cells', async () => {
    for (const bad of ['2026-02-30', '0000-01-01', '2026-W05', '2026-032', '2026-13-01']) {
      const filter = await t.http.get('/v1/tickets').query({ createdFrom: bad }).set(admin());
      expect(filter.status).toBe(400);
      expect(filter.body.errors[0].field).toBe('createdFrom');
      const body = await t.http
        .patch(`/v1/devices/${fleet.devices[1]!.id}`)
        .set(admin())
        .send({ installedAt: bad });
      expect(body.status).toBe(400);
      expect(body.body.errors[0].field).toBe('installedAt');
      const csv = await t.http
        .post('/v1/devices/import')
        .set(admin())
        .set('content-type', 'text/csv')
        .send(
          `serial,modelId,propertyId,installedAt\nSN-D1,${fleet.model.id},${fleet.property.id},${bad}\n`,
        );
      expect(csv.status).toBe(400);
      expect(JSON.stringify(csv.body)).toContain('installedAt');
    }
    const ok = await t.http
      .get('/v1/tickets')
      .query({ createdFrom: '2026-02-28T23:59:59+01:00' })
      .set(admin());
    expect(ok.status).toBe(200);
  });

  it('search strings that break a query parser are searched for, not 500', async () => {
    for (const q of ['-'.repeat(200), '!!!((( )))', '"unterminated', 'a & | ! b', "o'brien:*"]) {
      const res = await t.http.get('/v1/tickets').query({ q }).set(admin());
      expect(res.status).toBe(200);
    }
    const long = await t.http
      .get('/v1/tickets')
      .query({ q: 'x'.repeat(201) })
      .set(admin());
    expect(long.status).toBe(400);
    expect(long.body.errors[0].field).toBe('q');
  });

  it('JSON nested beyond 32 levels: 400 before validation; 32 levels are parsed', async () => {
    const nest = (n: number): unknown => (n === 0 ? 'x' : { a: nest(n - 1) });
    const deep = await t.http
      .put('/v1/settings/desk')
      .set(admin())
      .send({ businessHours: nest(40) });
    expect(deep.status).toBe(400);
    expect(deep.body.errors[0].field).toMatch(/^businessHours(\.a)+$/);
    const shallow = await t.http
      .post('/v1/auth/login')
      .send({ email: 'a@b.example', password: nest(30) });
    expect(shallow.status).toBe(400);
    expect(shallow.body.errors[0].field).toBe('password');
  });

  it('values blank after trimming: 400, nothing written', async () => {
    const blank = await t.http.patch('/v1/me').set(admin()).send({ name: '   ' });
    expect(blank.status).toBe(400);
    expect(blank.body.errors[0].field).toBe('name');
    const prop = await t.http
      .post('/v1/properties')
      .set(admin())
      .send({
        name: ' \t ',
        address: { line1: 'x', city: 'Lisbon', postalCode: '1100', country: 'PT' },
        timeZone: 'Europe/Lisbon',
      });
    expect(prop.status).toBe(400);
    expect(prop.body.errors[0].field).toBe('name');
    const me = await t.http.get('/v1/me').set(admin());
    expect(String(me.body.user.name).trim()).not.toBe('');
  });

  it('over-long path parameters and headers: problem+json too', async () => {
    const long = await t.http.get(`/v1/devices/${'x'.repeat(500)}`).set(admin());
    expect(long.status).toBe(414);
    expect(long.headers['content-type']!).toMatch(/problem\+json/);
    const huge = await t.http.get(`/v1/devices?serial=${'x'.repeat(20_000)}`).set(admin());
    expect(huge.status).toBe(431);
    expect(huge.headers['content-type']!).toMatch(/problem\+json/);
  });
});
