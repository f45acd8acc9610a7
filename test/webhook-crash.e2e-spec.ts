import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import { WebhookDelivery } from '../src/escalation/webhook-delivery.js';
import { startTestApp, type TestApp } from './support/app.js';
import { ownerClient } from './support/database.js';
import { newFleet, newTenant, type TestTenant } from './support/factories.js';

/**
 * Check 27: the relay sends a delivery, then dies before it records it as
 * sent. The delivery stays pending under its send lease; once the lease has
 * lapsed, the next relay sends the same event again, with the same delivery
 * id, and records it delivered. At least once, never lost.
 *
 * The crash is made in PostgreSQL, through the owner connection: a trigger on
 * the one delivery's "record the attempt" UPDATE (attempts going up; the claim
 * only moves the lease) that fails exactly once. A sequence counts the firings
 * because it is not rolled back with the failed transaction.
 */

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

let t: TestApp;
let owner: pg.Client;
let server: Server;
let base: string;
const received: Received[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t = await startTestApp({ webhooksAllowPrivate: true, webhookRetryBaseSeconds: 0 });
  owner = await ownerClient(t.databaseUrl);
});
afterAll(async () => {
  await owner?.end();
  await t?.close();
  await new Promise((r) => server.close(r));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const service = () => t.app.get(WebhookDelivery);

interface DeliveryState {
  status: string;
  attempts: number;
  lease_ahead: boolean;
}

async function deliveryState(id: string): Promise<DeliveryState> {
  const { rows } = await owner.query<DeliveryState>(
    `SELECT status, attempts, next_attempt_at > now() AS lease_ahead FROM webhook_deliveries WHERE id = $1`,
    [id],
  );
  return rows[0]!;
}

/**
 * A tenant with a webhook on ticket.created, one ticket, and its delivery
 * relayed from the outbox (pending, not sent yet). Returns the delivery id.
 */
async function pendingDelivery(path: string): Promise<{ tenant: TestTenant; deliveryId: string }> {
  const tenant = await newTenant(t.http);
  await t.http
    .post('/v1/webhooks')
    .set(tenant.admin.auth)
    .send({ url: `${base}${path}`, events: ['ticket.created'] })
    .expect(201);
  const fleet = await newFleet(t.http, tenant, 1);
  await t.http
    .post('/v1/tickets')
    .set(tenant.admin.auth)
    .send({
      separate: true,
      deviceId: fleet.devices[0]!.id,
      description: 'Keypad dead after the storm',
    })
    .expect(201);
  expect(await service().relay(tenant.id)).toBe(1);
  const { rows } = await owner.query<{ id: string }>(
    `SELECT id FROM webhook_deliveries WHERE tenant_id = $1 AND event_type = 'ticket.created'`,
    [tenant.id],
  );
  expect(rows).toHaveLength(1);
  return { tenant, deliveryId: rows[0]!.id };
}

/** The trigger that makes recording `deliveryId`'s attempt fail once, the way `crash` says. */
async function crashOnceOnRecord(name: string, deliveryId: string, crash: string): Promise<void> {
  await owner.query(`CREATE SEQUENCE ${name}_fired`);
  // SECURITY DEFINER: the runtime role has no right on the sequence, the owner does.
  await owner.query(
    `CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $f$
     BEGIN
       IF nextval('${name}_fired') = 1 THEN
         ${crash};
       END IF;
       RETURN NEW;
     END $f$`,
  );
  await owner.query(
    `CREATE TRIGGER ${name} BEFORE UPDATE ON webhook_deliveries FOR EACH ROW
       WHEN (OLD.id = '${deliveryId}'::uuid AND NEW.attempts > OLD.attempts)
       EXECUTE FUNCTION ${name}()`,
  );
}

async function firings(name: string): Promise<number> {
  const { rows } = await owner.query<{ n: string }>(
    `SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS n FROM ${name}_fired`,
  );
  return Number(rows[0]!.n);
}

/** What the lapse of the send lease does, without waiting for it. */
async function expireLease(deliveryId: string): Promise<void> {
  await owner.query(
    `UPDATE webhook_deliveries SET next_attempt_at = now() - interval '1 second' WHERE id = $1`,
    [deliveryId],
  );
}

/**
 * After the crash: pending, never counted, under its lease (not sent again
 * while it runs); after the lease: sent again with the same id and body, and
 * delivered.
 */
async function expectResentAfterLease(
  tenant: TestTenant,
  deliveryId: string,
  mine: () => Received[],
): Promise<void> {
  expect(mine()).toHaveLength(1);
  expect(await deliveryState(deliveryId)).toEqual({
    status: 'pending',
    attempts: 0,
    lease_ahead: true,
  });

  // Under the lease, another round leaves it alone.
  await service().runOnce();
  expect(mine()).toHaveLength(1);

  await expireLease(deliveryId);
  const again = await service().runOnce();
  expect(again.delivered).toBeGreaterThanOrEqual(1);
  const sent = mine();
  expect(sent).toHaveLength(2);
  expect(sent.map((r) => r.headers['lockdesk-delivery'])).toEqual([deliveryId, deliveryId]);
  expect(sent.map((r) => r.headers['lockdesk-event'])).toEqual([
    'ticket.created',
    'ticket.created',
  ]);
  expect(sent[1]!.body).toBe(sent[0]!.body);
  expect(JSON.parse(sent[0]!.body)).toMatchObject({ id: deliveryId, type: 'ticket.created' });

  const state = await deliveryState(deliveryId);
  expect(state).toMatchObject({ status: 'delivered', attempts: 1 });
  // And through the API, as the tenant sees it.
  const hooks = await t.http.get('/v1/webhooks').set(tenant.admin.auth).expect(200);
  const list = await t.http
    .get(`/v1/webhooks/${hooks.body.data[0].id}/deliveries`)
    .set(tenant.admin.auth)
    .expect(200);
  expect(list.body.data).toEqual([
    expect.objectContaining({ id: deliveryId, status: 'delivered', attempts: 1, lastStatus: 204 }),
  ]);

  // Nothing more to send.
  await expireLease(deliveryId);
  await service().runOnce();
  expect(mine()).toHaveLength(2);
}

describe('outbox relay killed between send and mark-sent (check 27)', () => {
  it('sends the event again with the same delivery id after the lease lapses, when recording the attempt fails', async () => {
    const { tenant, deliveryId } = await pendingDelivery('/record-fails');
    await crashOnceOnRecord(
      'crash_record_fails',
      deliveryId,
      `RAISE EXCEPTION 'simulated crash between send and mark-sent'`,
    );
    const mine = () => received.filter((r) => r.headers['lockdesk-delivery'] === deliveryId);

    const first = await service().runOnce();
    expect(first).toMatchObject({ delivered: 0, failed: 0 }); // sent, but nothing recorded
    expect(await firings('crash_record_fails')).toBe(1);

    await expectResentAfterLease(tenant, deliveryId, mine);
    expect(await firings('crash_record_fails')).toBe(2);
  });

  it('sends the event again with the same delivery id when the connection recording the attempt is killed', async () => {
    const { tenant, deliveryId } = await pendingDelivery('/backend-killed');
    // The recording statement waits inside the trigger until the test kills its backend.
    await crashOnceOnRecord('crash_backend_killed', deliveryId, `PERFORM pg_sleep(60)`);
    const mine = () => received.filter((r) => r.headers['lockdesk-delivery'] === deliveryId);

    const round = service().runOnce();
    let pid: number | undefined;
    for (let i = 0; i < 400 && pid === undefined; i++) {
      const { rows } = await owner.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = 'lockdesk'
            AND wait_event = 'PgSleep'`,
      );
      pid = rows[0]?.pid;
      if (pid === undefined) await sleep(25);
    }
    expect(pid).toBeDefined();
    // The receiver already has it: the send happened, the mark has not.
    expect(mine()).toHaveLength(1);
    const { rows } = await owner.query<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [
      pid,
    ]);
    expect(rows[0]!.ok).toBe(true);
    expect(await round).toMatchObject({ delivered: 0, failed: 0 });

    await expectResentAfterLease(tenant, deliveryId, mine);
    expect(await firings('crash_backend_killed')).toBe(2);
  });
});
