import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Writable } from 'node:stream';
import request from 'supertest';
import { createApp } from '../src/app.factory.js';
import { createLogger } from '../src/common/logger.js';
import { testConfig } from './support/app.js';
import { createTestDatabase } from './support/database.js';

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
});
