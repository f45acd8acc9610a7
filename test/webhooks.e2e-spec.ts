import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createApp } from '../src/app.factory.js';
import { createLogger } from '../src/common/logger.js';
import { WebhookDelivery } from '../src/escalation/webhook-delivery.js';
import { startTestApp, testConfig, type TestApp } from './support/app.js';
import { newFleet, newTenant, type TestTenant } from './support/factories.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

let t: TestApp;
let a: TestTenant;
let b: TestTenant;
let server: Server;
let base: string;
const received: Received[] = [];
let failuresLeft = 0;
let alwaysFail = false;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      const fail = alwaysFail || failuresLeft-- > 0;
      res.writeHead(fail ? 500 : 204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t = await startTestApp({
    webhooksAllowPrivate: true,
    webhookRetryBaseSeconds: 0,
    webhookMaxAttempts: 3,
  });
  a = await newTenant(t.http);
  b = await newTenant(t.http);
});
afterAll(async () => {
  await t.close();
  await new Promise((r) => server.close(r));
});

const run = () => t.app.get(WebhookDelivery).runOnce();

function verify(r: Received, secret: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(r.headers['lockdesk-signature']));
  if (!m) return false;
  const mac = createHmac('sha256', secret).update(`${m[1]!}.${r.body}`).digest('hex');
  return mac === m[2];
}

describe('webhooks', () => {
  it('delivers signed events from the outbox, retries with the same delivery id, then succeeds', async () => {
    const hook = await t.http
      .post('/v1/webhooks')
      .set(a.admin.auth)
      .send({ url: `${base}/a`, events: ['ticket.*'] });
    expect(hook.status).toBe(201);
    expect(hook.body.secret).toMatch(/^whsec_/);
    const list = await t.http.get('/v1/webhooks').set(a.admin.auth);
    expect(JSON.stringify(list.body)).not.toContain(hook.body.secret);

    const fleet = await newFleet(t.http, a, 1);
    received.length = 0;
    failuresLeft = 1;
    const ticket = await t.http
      .post('/v1/tickets')
      .set(a.admin.auth)
      .send({ separate: true, deviceId: fleet.devices[0]!.id, description: 'Keypad dead' });
    await run();
    await run();
    const created = received.filter((r) => r.headers['lockdesk-event'] === 'ticket.created');
    expect(created).toHaveLength(2);
    expect(created[0]!.headers['lockdesk-delivery']).toBe(created[1]!.headers['lockdesk-delivery']);
    expect(created.every((r) => verify(r, hook.body.secret as string))).toBe(true);
    expect(
      verify(
        { ...created[0]!, body: created[0]!.body.replace('ticket', 'tampered') },
        hook.body.secret as string,
      ),
    ).toBe(false);
    expect(JSON.parse(created[0]!.body)).toMatchObject({
      type: 'ticket.created',
      data: { ticketId: ticket.body.id, number: ticket.body.number },
    });

    const deliveries = await t.http
      .get(`/v1/webhooks/${hook.body.id}/deliveries`)
      .set(a.admin.auth);
    const d = (
      deliveries.body.data as { eventType: string; status: string; attempts: number }[]
    ).find((x) => x.eventType === 'ticket.created');
    expect(d).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('dead-letters after the last attempt, and an admin can replay it', async () => {
    const hook = await t.http
      .post('/v1/webhooks')
      .set(b.admin.auth)
      .send({ url: `${base}/b`, events: ['ticket.created'] });
    const fleet = await newFleet(t.http, b, 1);
    alwaysFail = true;
    await t.http
      .post('/v1/tickets')
      .set(b.admin.auth)
      .send({ separate: true, deviceId: fleet.devices[0]!.id, description: 'Jammed' })
      .expect(201);
    for (let i = 0; i < 4; i++) await run();
    const dead = await t.http
      .get(`/v1/webhooks/${hook.body.id}/deliveries`)
      .query({ status: 'dead' })
      .set(b.admin.auth);
    expect(dead.body.data).toHaveLength(1);
    expect(dead.body.data[0]).toMatchObject({ attempts: 3, lastStatus: 500 });
    const deliveryId = dead.body.data[0].id as string;

    alwaysFail = false;
    expect(
      (await t.http.post(`/v1/webhooks/deliveries/${deliveryId}/replay`).set(a.admin.auth)).status,
    ).toBe(404);
    const replay = await t.http
      .post(`/v1/webhooks/deliveries/${deliveryId}/replay`)
      .set(b.admin.auth);
    expect(replay.body).toMatchObject({ status: 'pending', attempts: 0 });
    received.length = 0;
    await run();
    expect(received.map((r) => r.headers['lockdesk-delivery'])).toEqual([deliveryId]);
    expect(
      (await t.http.post(`/v1/webhooks/deliveries/${deliveryId}/replay`).set(b.admin.auth)).status,
    ).toBe(409);
    expect(
      (await t.http.get(`/v1/webhooks/${hook.body.id}/deliveries`).set(a.admin.auth)).status,
    ).toBe(404);
  });

  it('tells a partner about escalations routed to it', async () => {
    const smith = await newTenant(t.http, { kind: 'locksmith' });
    await t.http
      .put('/v1/partner-profile')
      .set(smith.admin.auth)
      .send({ postalCodes: ['1100'] })
      .expect(200);
    const hook = await t.http
      .post('/v1/webhooks')
      .set(smith.admin.auth)
      .send({ url: `${base}/smith`, events: ['escalation.*'] });
    await t.http.post('/v1/partners').set(a.admin.auth).send({ handle: smith.handle }).expect(201);
    const fleet = await newFleet(t.http, a, 1);
    const tk = await t.http.post('/v1/tickets').set(a.admin.auth).send({
      separate: true,
      deviceId: fleet.devices[0]!.id,
      description: 'Key broke in the lock',
    });
    await t.http
      .post(`/v1/tickets/${tk.body.id}/escalate`)
      .set(a.admin.auth)
      .send({ target: 'locksmith' })
      .expect(200);
    received.length = 0;
    await run();
    const routed = received.filter((r) => r.headers['lockdesk-event'] === 'escalation.routed');
    expect(routed).toHaveLength(1);
    expect(verify(routed[0]!, hook.body.secret as string)).toBe(true);
  });

  it('deleting a webhook cancels its pending deliveries, refuses replays and keeps its history', async () => {
    const c = await newTenant(t.http);
    const hook = await t.http
      .post('/v1/webhooks')
      .set(c.admin.auth)
      .send({ url: `${base}/deleted`, events: ['ticket.created'] })
      .expect(201);
    const fleet = await newFleet(t.http, c, 1);
    const ticket = () =>
      t.http
        .post('/v1/tickets')
        .set(c.admin.auth)
        .send({ separate: true, deviceId: fleet.devices[0]!.id, description: 'Jammed' })
        .expect(201);
    alwaysFail = true;
    try {
      await ticket();
      for (let i = 0; i < 3; i++) await run(); // 3 attempts: dead
      await ticket();
      await run(); // 1 attempt: pending, due again at once (base delay 0)
    } finally {
      alwaysFail = false;
    }
    const before = await t.http.get(`/v1/webhooks/${hook.body.id}/deliveries`).set(c.admin.auth);
    expect((before.body.data as { status: string }[]).map((d) => d.status)).toEqual([
      'dead',
      'pending',
    ]);
    const [dead, pending] = before.body.data as { id: string }[];

    expect((await t.http.delete(`/v1/webhooks/${hook.body.id}`).set(b.admin.auth)).status).toBe(
      404,
    );
    await t.http.delete(`/v1/webhooks/${hook.body.id}`).set(c.admin.auth).expect(204);
    const listed = await t.http.get('/v1/webhooks').set(c.admin.auth);
    expect(listed.body.data).toEqual([]);

    received.length = 0;
    await ticket();
    await run();
    await run();
    expect(received.filter((r) => r.headers['lockdesk-delivery'] === pending!.id)).toEqual([]);
    expect(received).toEqual([]);

    const replay = await t.http
      .post(`/v1/webhooks/deliveries/${dead!.id}/replay`)
      .set(c.admin.auth);
    expect(replay.status).toBe(409);
    expect(replay.body).toMatchObject({ code: 'webhook_deleted', status: 409 });
    expect(replay.headers['content-type']!).toMatch(/application\/problem\+json/);
    expect(
      (await t.http.post(`/v1/webhooks/deliveries/${pending!.id}/replay`).set(c.admin.auth)).status,
    ).toBe(409);
    await run();
    expect(received).toEqual([]);

    const history = await t.http.get(`/v1/webhooks/${hook.body.id}/deliveries`).set(c.admin.auth);
    expect(history.status).toBe(200);
    expect(history.body.data).toMatchObject([
      { id: dead!.id, status: 'dead', attempts: 3 },
      { id: pending!.id, status: 'cancelled', attempts: 1 },
    ]);
    const cancelled = await t.http
      .get(`/v1/webhooks/${hook.body.id}/deliveries`)
      .query({ status: 'cancelled' })
      .set(c.admin.auth);
    expect((cancelled.body.data as { id: string }[]).map((d) => d.id)).toEqual([pending!.id]);
    expect(
      (await t.http.get(`/v1/webhooks/${hook.body.id}/deliveries`).set(a.admin.auth)).status,
    ).toBe(404);
  });

  it('refuses loopback, link-local and private URLs unless allowed, and bad events', async () => {
    const strict = await createApp(testConfig(t.databaseUrl), createLogger('silent'));
    try {
      const http = request(strict.getHttpServer());
      for (const url of [
        'http://127.0.0.1:9/x',
        'http://169.254.169.254/latest/meta-data',
        'http://10.0.0.5/hook',
        'http://[::1]/x',
        'file:///etc/passwd',
      ]) {
        const res = await http
          .post('/v1/webhooks')
          .set(a.admin.auth)
          .send({ url, events: ['*'] });
        expect({ url, status: res.status }).toEqual({ url, status: 400 });
      }
      expect(
        (
          await http
            .post('/v1/webhooks')
            .set(a.admin.auth)
            .send({ url: 'https://8.8.8.8/hook', events: ['Ticket Created'] })
        ).status,
      ).toBe(400);
    } finally {
      await strict.close();
    }
  });
});
