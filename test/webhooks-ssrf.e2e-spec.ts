import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { createApp } from '../src/app.factory.js';
import { createLogger } from '../src/common/logger.js';
import { WebhookTransport } from '../src/escalation/outbound/webhook-transport.js';
import { WebhookDelivery } from '../src/escalation/webhook-delivery.js';
import { startTestApp, testConfig, type TestApp } from './support/app.js';
import { newFleet, newTenant, type TestFleet, type TestTenant } from './support/factories.js';

/**
 * Outbound requests may only reach public addresses. A receiver listens on
 * 127.0.0.1 (and ::1 when the machine has it) and must see no connection at
 * all, whatever the spelling, at registration and at delivery. The network
 * is only ever asked to reach 127.0.0.1 and ::1: DNS answers come from a
 * stub resolver, never from a real server.
 */

interface Receiver {
  server: Server;
  port: number;
  connections: number;
  requests: string[];
}

async function receiver(
  host: string,
  handler: (path: string) => { status: number; headers?: Record<string, string> } | null,
): Promise<Receiver | null> {
  const r: Receiver = { server: createServer(), port: 0, connections: 0, requests: [] };
  const sockets = new Set<Socket>();
  r.server.on('connection', (s: Socket) => {
    r.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  r.server.on('request', (req, res) => {
    r.requests.push(req.url ?? '');
    req.resume();
    req.on('end', () => {
      const answer = handler(req.url ?? '');
      if (answer) res.writeHead(answer.status, answer.headers).end();
    });
  });
  r.server.on('close', () => sockets.forEach((s) => s.destroy()));
  try {
    await new Promise<void>((resolve, reject) => {
      r.server.once('error', reject);
      r.server.listen(0, host, resolve);
    });
  } catch {
    return null; // no ::1 on this machine
  }
  r.port = (r.server.address() as AddressInfo).port;
  return r;
}

const close = (r: Receiver | null) =>
  r ? new Promise<void>((resolve) => r.server.close(() => resolve())) : Promise.resolve();

/** The stub DNS both apps' transports use: name -> answers. */
const dns: Record<string, string[]> = {};
const stubResolver = (hostname: string): Promise<LookupAddress[]> => {
  const answers = dns[hostname.toLowerCase()]!;
  if (!answers) {
    return Promise.reject(Object.assign(new Error(`stub: ${hostname}`), { code: 'ENOTFOUND' }));
  }
  return Promise.resolve(
    answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
  );
};

let t: TestApp; // WEBHOOKS_ALLOW_PRIVATE=true: registers what the strict app would refuse
let strict: NestFastifyApplication;
let strictHttp: TestAgent;
let v4: Receiver;
let v6: Receiver | null;
let tenant: TestTenant;
let fleet: TestFleet;

beforeAll(async () => {
  v4 = (await receiver('127.0.0.1', () => ({ status: 204 })))!;
  v6 = await receiver('::1', () => ({ status: 204 }));
  const common = {
    webhookRetryBaseSeconds: 0,
    webhookMaxAttempts: 5,
    webhookTimeoutMs: 5_000,
    webhookConcurrency: 100,
    webhookTenantConcurrency: 100,
    webhookEndpointConcurrency: 100,
  };
  t = await startTestApp({ ...common, webhooksAllowPrivate: true });
  strict = await createApp(
    testConfig(t.databaseUrl, { ...common, webhooksAllowPrivate: false }),
    createLogger('silent'),
  );
  strictHttp = request(strict.getHttpServer());
  for (const app of [t.app, strict]) app.get(WebhookTransport).resolver = stubResolver;
  dns['localhost'] = ['127.0.0.1', '::1'];
  dns['localhost.'] = ['127.0.0.1', '::1'];
  tenant = await newTenant(t.http);
  fleet = await newFleet(t.http, tenant, 1);
});
afterAll(async () => {
  await strict.close();
  await t.close();
  await close(v4);
  await close(v6);
});

/** Every way of writing "this machine" that the review found or listed. */
function spellings(): string[] {
  const p = v4.port;
  const urls = [
    `http://127.0.0.1:${p}/plain`,
    `http://[::ffff:127.0.0.1]:${p}/mapped`,
    `http://[::ffff:7f00:1]:${p}/mapped-hex`,
    `http://[::127.0.0.1]:${p}/compatible`,
    `http://[0:0:0:0:0:ffff:127.0.0.1]:${p}/mapped-long`,
    `http://[64:ff9b::127.0.0.1]:${p}/nat64`,
    `http://[64:ff9b:1::7f00:1]:${p}/nat64-local`,
    `http://[2002:7f00:1::1]:${p}/6to4`,
    `http://[2001:0:4136:e378:8000:63bf:80ff:fffe]:${p}/teredo`,
    `http://[fec0::1]:${p}/site-local`,
    `http://2130706433:${p}/decimal`,
    `http://0177.0.0.1:${p}/octal`,
    `http://0x7f.1:${p}/hex`,
    `http://0x7f000001:${p}/hex-whole`,
    `http://127.1:${p}/short`,
    `http://0.0.0.0:${p}/unspecified`,
    `http://0:${p}/zero`,
    `http://localhost:${p}/name`,
    `http://localhost.:${p}/trailing-dot`,
    `http://LOCALHOST.:${p}/upper`,
    `http://user@127.0.0.1:${p}/userinfo`,
    `http://user:pw@localhost:${p}/userinfo-name`,
  ];
  if (v6) {
    urls.push(
      `http://[::1]:${v6.port}/v6-loopback`,
      `http://[::]:${v6.port}/v6-unspecified`,
      `http://[0:0:0:0:0:0:0:1]:${v6.port}/v6-long`,
      `http://localhost:${v6.port}/v6-name`,
    );
  }
  return urls;
}

const deliveriesOf = async (hookId: string) =>
  (await t.http.get(`/v1/webhooks/${hookId}/deliveries`).set(tenant.admin.auth)).body.data as {
    status: string;
    attempts: number;
    lastStatus: number | null;
    lastError: string | null;
  }[];

async function newTicket(): Promise<void> {
  await t.http
    .post('/v1/tickets')
    .set(tenant.admin.auth)
    .send({ separate: true, deviceId: fleet.devices[0]!.id, description: 'Keypad dead' })
    .expect(201);
}

describe('webhook SSRF', () => {
  it('refuses every spelling of a local address at registration, naming url and the setting', async () => {
    for (const url of spellings()) {
      const res = await strictHttp
        .post('/v1/webhooks')
        .set(tenant.admin.auth)
        .send({ url, events: ['*'] });
      expect({ url, status: res.status, code: res.body.code }).toEqual({
        url,
        status: 400,
        code: 'webhook_url_refused',
      });
      expect(res.headers['content-type']!).toMatch(/application\/problem\+json/);
      expect(res.body.errors).toEqual([
        { field: 'url', message: expect.stringContaining('WEBHOOKS_ALLOW_PRIVATE') },
      ]);
      expect(res.body.detail).toContain('WEBHOOKS_ALLOW_PRIVATE');
    }
    const list = await strictHttp.get('/v1/webhooks').set(tenant.admin.auth);
    expect(list.body.data).toEqual([]);
    expect(v4.connections).toBe(0);
    expect(v6?.connections ?? 0).toBe(0);
  });

  it('refuses them again at delivery (stored while private targets were allowed): nothing is sent', async () => {
    const hooks: { id: string; url: string }[] = [];
    for (const url of spellings()) {
      if (url.includes('@')) {
        // Credentials in URLs are refused in every mode: a row from before that rule.
        const id = randomUUID();
        await t.dataSource.transaction(async (em) => {
          await em.query(`select set_config('app.tenant_id', $1, true)`, [tenant.id]);
          await em.query(
            `INSERT INTO webhooks (tenant_id, id, url, events, secret) VALUES ($1, $2, $3, '{ticket.created}', 'whsec_x')`,
            [tenant.id, id, url],
          );
        });
        hooks.push({ id, url });
        continue;
      }
      const res = await t.http
        .post('/v1/webhooks')
        .set(tenant.admin.auth)
        .send({ url, events: ['ticket.created'] });
      expect({ url, status: res.status }).toEqual({ url, status: 201 });
      hooks.push({ id: res.body.id as string, url });
    }
    await newTicket();
    const round = await strict.get(WebhookDelivery).runOnce();
    expect(round).toMatchObject({ delivered: 0, failed: hooks.length });
    for (const h of hooks) {
      const [d] = await deliveriesOf(h.id);
      expect({ url: h.url, ...d }).toMatchObject({
        url: h.url,
        status: 'pending',
        attempts: 1,
        lastStatus: null,
        lastError: expect.stringMatching(/^address not allowed .*WEBHOOKS_ALLOW_PRIVATE=true/),
      });
      expect(d!.lastError).not.toMatch(/127\.|::1|ECONN|localhost/);
    }
    expect(v4.connections).toBe(0);
    expect(v6?.connections ?? 0).toBe(0);
    for (const h of hooks) {
      await t.http.delete(`/v1/webhooks/${h.id}`).set(tenant.admin.auth).expect(204);
    }
  });

  it('refuses at connect time a name whose DNS answer changed to loopback (rebinding)', async () => {
    dns['rebind.example.com'] = ['93.184.216.34'];
    dns['mixed.example.com'] = ['2606:4700::1'];
    const hooks: string[] = [];
    for (const host of ['rebind.example.com', 'mixed.example.com']) {
      const res = await strictHttp
        .post('/v1/webhooks')
        .set(tenant.admin.auth)
        .send({ url: `http://${host}:${v4.port}/hook`, events: ['ticket.created'] });
      expect(res.status).toBe(201);
      hooks.push(res.body.id as string);
    }
    // The answers change after registration: to loopback, and to public + loopback.
    dns['rebind.example.com'] = ['127.0.0.1'];
    dns['mixed.example.com'] = ['93.184.216.34', '127.0.0.1', '::1'];
    await newTicket();
    await strict.get(WebhookDelivery).runOnce();
    for (const id of hooks) {
      const [d] = await deliveriesOf(id);
      expect(d).toMatchObject({ status: 'pending', attempts: 1, lastStatus: null });
      expect(d!.lastError).toMatch(/^address not allowed/);
      expect(d!.lastError).toContain('WEBHOOKS_ALLOW_PRIVATE');
      expect(d!.lastError).not.toMatch(/127\.0\.0\.1|::1|93\.184/);
    }
    expect(v4.connections).toBe(0);
    expect(v6?.connections ?? 0).toBe(0);
    for (const id of hooks) {
      await t.http.delete(`/v1/webhooks/${id}`).set(tenant.admin.auth).expect(204);
    }
  });
});

describe('what a delivery records', () => {
  it('does not follow redirects, and names timeouts and refused connections without internals', async () => {
    const redirect = (await receiver('127.0.0.1', (path) =>
      path === '/hang' ? null : { status: 302, headers: { location: '/landed' } },
    ))!;
    const closed = (await receiver('127.0.0.1', () => ({ status: 204 })))!;
    const closedPort = closed.port;
    await close(closed);
    const quick = await startTestApp({
      webhooksAllowPrivate: true,
      webhookRetryBaseSeconds: 0,
      webhookTimeoutMs: 300,
    });
    try {
      const owner = await newTenant(quick.http);
      const ownerFleet = await newFleet(quick.http, owner, 1);
      const hooks: Record<string, string> = {};
      for (const [name, url] of Object.entries({
        redirect: `http://127.0.0.1:${redirect.port}/moved`,
        hang: `http://127.0.0.1:${redirect.port}/hang`,
        refused: `http://127.0.0.1:${closedPort}/closed`,
      })) {
        const res = await quick.http
          .post('/v1/webhooks')
          .set(owner.admin.auth)
          .send({ url, events: ['ticket.created'] })
          .expect(201);
        hooks[name] = res.body.id as string;
      }
      await quick.http
        .post('/v1/tickets')
        .set(owner.admin.auth)
        .send({ separate: true, deviceId: ownerFleet.devices[0]!.id, description: 'Jammed' })
        .expect(201);
      await quick.app.get(WebhookDelivery).runOnce();
      const last = async (name: string) =>
        (await quick.http.get(`/v1/webhooks/${hooks[name]!}/deliveries`).set(owner.admin.auth)).body
          .data[0] as { lastStatus: number | null; lastError: string | null; status: string };
      expect(await last('redirect')).toMatchObject({
        status: 'pending',
        lastStatus: 302,
        lastError: 'HTTP 302 (redirects are not followed)',
      });
      expect(redirect.requests).not.toContain('/landed');
      expect(await last('hang')).toMatchObject({ lastStatus: null, lastError: 'timeout' });
      expect(await last('refused')).toMatchObject({
        lastStatus: null,
        lastError: 'connection refused',
      });
    } finally {
      await quick.close();
      await close(redirect);
    }
  });
});
