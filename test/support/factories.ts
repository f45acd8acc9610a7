import { randomBytes } from 'node:crypto';
import type TestAgent from 'supertest/lib/agent.js';
import type { Role, TenantKind } from '../../src/tenancy/types.js';
import { at } from '../../src/common/at.js';
import { startTestApp, type TestApp } from './app.js';

export const PASSWORD = 'correct-horse-battery';

export interface Session {
  userId: string;
  email: string;
  role: Role;
  accessToken: string;
  refreshToken: string;
  auth: { Authorization: string };
}

export interface TestTenant {
  id: string;
  handle: string;
  kind: TenantKind;
  admin: Session;
}

const unique = () => randomBytes(5).toString('hex');

function session(
  body: { accessToken: string; refreshToken: string },
  user: { id: string; email: string; role: Role },
): Session {
  return {
    userId: user.id,
    email: user.email,
    role: user.role,
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
    auth: { Authorization: `Bearer ${body.accessToken}` },
  };
}

/** Signs a company up through the API and returns it with its first admin's session. */
export async function newTenant(
  http: TestAgent,
  opts: { kind?: TenantKind; name?: string } = {},
): Promise<TestTenant> {
  const id = unique();
  const res = await http.post('/v1/auth/signup').send({
    tenantName: opts.name ?? `Tenant ${id}`,
    email: `admin-${id}@example.com`,
    password: PASSWORD,
    name: `Admin ${id}`,
    ...(opts.kind ? { kind: opts.kind } : {}),
  });
  if (res.status !== 201)
    throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
  return {
    id: res.body.tenant.id,
    handle: res.body.tenant.handle,
    kind: res.body.tenant.kind,
    admin: session(res.body, res.body.user),
  };
}

/** Adds a person with a role (through the admin API) and logs them in. */
export async function newUser(http: TestAgent, tenant: TestTenant, role: Role): Promise<Session> {
  const email = `${role}-${unique()}@example.com`;
  const created = await http
    .post('/v1/users')
    .set(tenant.admin.auth)
    .send({ email, name: `A ${role}`, role, password: PASSWORD });
  if (created.status !== 201)
    throw new Error(`create user failed: ${created.status} ${JSON.stringify(created.body)}`);
  const login = await http.post('/v1/auth/login').send({ email, password: PASSWORD });
  if (login.status !== 200)
    throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
  return session(login.body, created.body);
}

export async function newApiKey(
  http: TestAgent,
  tenant: TestTenant,
  name = 'bridge',
): Promise<{ id: string; key: string }> {
  const res = await http.post('/v1/api-keys').set(tenant.admin.auth).send({ name });
  if (res.status !== 201)
    throw new Error(`api key failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id, key: res.body.key };
}

/** The first built-in reference model: Yale Assure Lock 2 Keypad (Bluetooth, battery, key, keypad, 9 V). */
export const REFERENCE_MODEL_ID = '01900000-0000-7000-8000-000000000001';

export interface TestFleet {
  property: { id: string; name: string };
  model: { id: string };
  devices: { id: string; serial: string }[];
}

/** A property with units, a tenant model of its own, and `count` locks on it (reference model). */
export async function newFleet(
  http: TestAgent,
  tenant: TestTenant,
  count: number,
): Promise<TestFleet> {
  const tag = unique();
  const property = await http
    .post('/v1/properties')
    .set(tenant.admin.auth)
    .send({
      name: `Harbor View ${tag}`,
      address: { line1: '12 Harbor Street', city: 'Lisbon', postalCode: '1100-148', country: 'PT' },
      units: ['1A', '1B', '2A'],
      timeZone: 'Europe/Lisbon',
    });
  if (property.status !== 201)
    throw new Error(`property failed: ${property.status} ${JSON.stringify(property.body)}`);
  const model = await http
    .post('/v1/device-models')
    .set(tenant.admin.auth)
    .send({
      manufacturer: 'Acme',
      model: `Bolt ${tag}`,
      protocols: ['wifi'],
      powerSource: 'battery',
      latestFirmware: '2.10.0',
    });
  if (model.status !== 201)
    throw new Error(`model failed: ${model.status} ${JSON.stringify(model.body)}`);
  const devices: { id: string; serial: string }[] = [];
  if (count > 0) {
    const rows = Array.from({ length: count }, (_, i) => ({
      serial: `SN-${tag}-${i}`,
      modelId: REFERENCE_MODEL_ID,
      propertyId: property.body.id as string,
      unit: '1A',
    }));
    const res = await http
      .post('/v1/devices/import')
      .set(tenant.admin.auth)
      .send({ devices: rows });
    if (res.status !== 201)
      throw new Error(`import failed: ${res.status} ${JSON.stringify(res.body)}`);
    (res.body.ids as string[]).forEach((id, i) => devices.push({ id, serial: at(rows, i).serial }));
  }
  return {
    property: { id: property.body.id, name: property.body.name },
    model: { id: model.body.id },
    devices,
  };
}

/** The usual desk: an app, a tenant with an agent, and a fleet of `locks` locks. */
export async function startDesk(
  locks: number,
): Promise<{ t: TestApp; a: TestTenant; agent: Session; fleet: TestFleet }> {
  const t = await startTestApp();
  const a = await newTenant(t.http);
  const agent = await newUser(t.http, a, 'agent');
  const fleet = await newFleet(t.http, a, locks);
  return { t, a, agent, fleet };
}
