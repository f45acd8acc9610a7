import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Writable } from 'node:stream';
import request from 'supertest';
import { createApp } from '../src/app.factory.js';
import { createLogger } from '../src/common/logger.js';
import { testConfig } from './support/app.js';
import { createTestDatabase, ownerClient } from './support/database.js';

const lines: string[] = [];
let app: NestFastifyApplication;
let db: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  db = await createTestDatabase();
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  app = await createApp(testConfig(db.url, { logLevel: 'info' }), createLogger('info', sink));
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

describe('logs', () => {
  it('are JSON lines with a request id, and never carry passwords, tokens or keys', async () => {
    const http = request(app.getHttpServer());
    const password = 'super-secret-password-1';
    const signup = await http
      .post('/v1/auth/signup')
      .set('X-Request-Id', 'req-log-test')
      .send({ tenantName: 'Log Co', email: 'log@example.com', password, name: 'L' });
    expect(signup.status).toBe(201);
    const { accessToken, refreshToken } = signup.body as {
      accessToken: string;
      refreshToken: string;
    };
    const key = (
      await http
        .post('/v1/api-keys')
        .set('Authorization', `Bearer ${accessToken}`)
        .send({ name: 'k' })
    ).body.key as string;
    await http.get('/v1/me').set('X-Api-Key', key).expect(200);
    await http.post('/v1/auth/refresh').send({ refreshToken }).expect(200);
    await http
      .post('/v1/auth/login')
      .send({ email: 'log@example.com', password: 'wrong-password-here' })
      .expect(401);

    expect(lines.length).toBeGreaterThan(5);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.some((l) => l.reqId === 'req-log-test')).toBe(true);
    const all = lines.join('\n');
    for (const secret of [password, accessToken, refreshToken, key, 'wrong-password-here']) {
      expect(all).not.toContain(secret);
    }
  });

  it('never carry the parameters of a failed query, nor a value quoted in its message', async () => {
    const http = request(app.getHttpServer());
    const signup = await http.post('/v1/auth/signup').send({
      tenantName: 'Failing Co',
      email: 'failing@example.com',
      password: 'correct-horse-battery',
      name: 'F',
    });
    expect(signup.status).toBe(201);
    const auth = { Authorization: `Bearer ${signup.body.accessToken as string}` };
    const owner = await ownerClient(db.url);
    try {
      // Make the API-key insert fail: its parameters hold the name we choose and the key's hash.
      await owner.query(`CREATE FUNCTION fail_api_key() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.name LIKE 'cast-%' THEN PERFORM NEW.name::int; END IF;
          RAISE EXCEPTION 'api keys are broken today';
        END $$`);
      await owner.query(
        `CREATE TRIGGER fail_api_key BEFORE INSERT ON api_keys FOR EACH ROW EXECUTE FUNCTION fail_api_key()`,
      );
      const from = lines.length;
      const plain = 'plain-sk_live_4f9c2b7e1d';
      const cast = 'cast-sk_live_8a1e3c5f7b';
      for (const [name, id] of [
        [plain, 'req-failed-query-1'],
        [cast, 'req-failed-query-2'],
      ] as const) {
        const res = await http
          .post('/v1/api-keys')
          .set(auth)
          .set('X-Request-Id', id)
          .send({ name });
        expect(res.status).toBe(500);
        expect(JSON.stringify(res.body)).not.toContain(name);
      }
      const logged = lines.slice(from);
      const failures = logged
        .map((l) => JSON.parse(l) as { msg?: string; err?: Record<string, string> })
        .filter((l) => l.msg === 'request failed');
      expect(failures).toHaveLength(2);
      // Still useful: the SQLSTATE, the statement's shape and PostgreSQL's message.
      expect(failures[0]!.err).toMatchObject({
        code: 'P0001',
        message: 'api keys are broken today',
        statement: expect.stringContaining('api_keys'),
      });
      expect(failures[0]!.err).not.toHaveProperty('parameters');
      expect(failures[1]!.err).toMatchObject({
        code: '22P02',
        message: expect.stringContaining('invalid input syntax for type integer'),
      });
      const text = logged.join('\n');
      expect(text).not.toContain('sk_live');
      // Nor the API key's hash (sha-256, hex), which was a parameter of the failed insert.
      expect(text).not.toMatch(/[0-9a-f]{64}/);
    } finally {
      await owner.query('DROP TRIGGER IF EXISTS fail_api_key ON api_keys');
      await owner.query('DROP FUNCTION IF EXISTS fail_api_key()');
      await owner.end();
    }
  });
});
