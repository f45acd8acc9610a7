import { randomBytes } from 'node:crypto';
import type TestAgent from 'supertest/lib/agent.js';
import type { TenantKind } from '../../src/tenancy/tenant.entity.js';
import type { Role } from '../../src/tenancy/user.entity.js';

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
