/**
 * A quick load of the tickets hot paths with autocannon (20 connections, a fixed time each):
 * POST /v1/tickets (diagnosis, ticket, history, timeline, outbox) and GET /v1/tickets?limit=50,
 * plus the bytes of one page. Not the full API benchmark (no database ceiling, no ratio):
 * a before/after probe of this change.
 *
 *   npm run build && node dist/bench/tickets-path.js            (embedded PostgreSQL)
 *   DATABASE_URL=postgres://... node dist/bench/tickets-path.js  (that server)
 *   BENCH_SECONDS=10 BENCH_CONNECTIONS=20
 */
import autocannon from 'autocannon';
import { benchTenant, call, expectStatus, log, startBenchServer } from './support.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const DESCRIPTIONS = [
  'The keypad is dead, no lights at all',
  'App says the lock is offline since we changed the router',
  'Bolt is stiff and jams halfway',
  'Code rejected for the cleaner, worked yesterday',
  'Motor runs but the bolt does not move',
  'Low battery warning keeps flashing after new batteries',
];

function run(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err as Error) : resolve(result)));
  });
}

function line(name: string, r: autocannon.Result): string {
  const errors = r.errors + r.timeouts + r.non2xx;
  return `${name}: ${r.requests.average.toFixed(0)} req/s (total ${r.requests.total}), p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, errors ${errors}`;
}

async function main(): Promise<void> {
  // autocannon reads $PORT (TECH-NOTES): never let it leak into the load client.
  delete process.env.PORT;
  const server = await startBenchServer({ JOBS_INTERVAL_SECONDS: '0' });
  try {
    log(`LockDesk tickets paths on ${server.postgres}, node ${process.version}`);
    const { token } = await benchTenant(server.base, 'TicketsPath');
    const prop = await call<{ id: string }>(server.base, 'POST', '/v1/properties', {
      token,
      body: {
        name: 'Bench Court',
        address: { line1: '1 Court St', city: 'Porto', postalCode: '4000-001', country: 'PT' },
        timeZone: 'Europe/Lisbon',
      },
    });
    expectStatus(prop, 201, 'property');
    const imported = await call<{ ids: string[] }>(server.base, 'POST', '/v1/devices/import', {
      token,
      body: {
        devices: Array.from({ length: 100 }, (_, i) => ({
          serial: `TP-${i}`,
          manufacturer: 'Yale',
          model: 'Assure Lock 2 Keypad',
          propertyId: prop.body.id,
        })),
      },
    });
    expectStatus(imported, 201, 'import');
    const ids = imported.body.ids;
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

    let n = 0;
    const create = await run({
      url: server.base,
      connections: CONNECTIONS,
      duration: SECONDS,
      requests: [
        {
          method: 'POST',
          path: '/v1/tickets',
          headers,
          setupRequest: (req) => {
            const i = n++;
            return {
              ...req,
              body: JSON.stringify({
                deviceId: ids[i % ids.length],
                description: DESCRIPTIONS[i % DESCRIPTIONS.length],
              }),
            };
          },
        },
      ],
    });
    log(line(`POST /v1/tickets, ${CONNECTIONS} connections, ${SECONDS} s`, create));

    const page = await fetch(`${server.base}/v1/tickets?limit=50`, { headers });
    const text = await page.text();
    const bytes = Buffer.byteLength(text);
    log(`GET /v1/tickets?limit=50: ${bytes} bytes (${Math.round(bytes / 50)} per item)`);
    if (process.env.BENCH_SHOW_ITEM)
      log(JSON.stringify((JSON.parse(text) as { data: unknown[] }).data[0]));

    const list = await run({
      url: `${server.base}/v1/tickets?limit=50`,
      connections: CONNECTIONS,
      duration: SECONDS,
      headers: { authorization: headers.authorization },
    });
    log(line(`GET /v1/tickets?limit=50, ${CONNECTIONS} connections, ${SECONDS} s`, list));
  } finally {
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
