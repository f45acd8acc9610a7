/**
 * The per-request authentication path over HTTP: a person's bearer token and a machine's
 * X-Api-Key on GET /v1/me, and GET /v1/tickets?limit=50 (an empty list, so the request is
 * mostly authentication and its transaction), each driven by autocannon at 10 connections.
 * Besides throughput it prints the database transactions committed per request
 * (pg_stat_database), which is what a cache hit saves.
 *
 *   npm run bench:auth                          (embedded PostgreSQL)
 *   DATABASE_URL=postgres://... npm run bench:auth
 */
import autocannon from 'autocannon';
import pg from 'pg';
import { benchTenant, call, expectStatus, log, startBenchServer } from './support.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);

async function transactions(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ n: string }>(
      `SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()`,
    );
    return Number(rows[0]?.n ?? 0);
  } finally {
    await c.end();
  }
}

async function drive(
  url: string,
  postgresUrl: string,
  headers: Record<string, string>,
): Promise<{ rps: number; p50: number; p99: number; errors: number; txPerRequest: number }> {
  const before = await transactions(postgresUrl);
  const result = await autocannon({
    url,
    headers,
    connections: CONNECTIONS,
    duration: SECONDS,
  });
  // pg_stat_database is updated when a backend's transaction ends, with a short delay.
  await new Promise((r) => setTimeout(r, 1200));
  const after = await transactions(postgresUrl);
  const requests = result.requests.total;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
    // The two statements of this measurement, and the stats collector's own, are noise.
    txPerRequest: (after - before - 2) / Math.max(1, requests),
  };
}

async function main(): Promise<void> {
  const server = await startBenchServer({
    JOBS_INTERVAL_SECONDS: '0',
    // The limits apply (each request is counted) but are never reached.
    RATE_LIMIT_PER_TENANT: '10000000',
    RATE_LIMIT_PER_API_KEY: '10000000',
  });
  try {
    log(`LockDesk authentication path on ${server.postgres}, node ${process.version}`);
    log(`${CONNECTIONS} connections, ${SECONDS} s per path (rate limits on, never reached)`);
    const { token } = await benchTenant(server.base, 'Auth');
    const key = await call<{ key: string }>(server.base, 'POST', '/v1/api-keys', {
      token,
      body: { name: 'bench' },
    });
    expectStatus(key, 201, 'api key');
    const paths: [string, string, Record<string, string>][] = [
      ['GET /v1/me, Bearer', '/v1/me', { authorization: `Bearer ${token}` }],
      ['GET /v1/me, X-Api-Key', '/v1/me', { 'x-api-key': key.body.key }],
      [
        'GET /v1/tickets?limit=50, Bearer',
        '/v1/tickets?limit=50',
        { authorization: `Bearer ${token}` },
      ],
    ];
    for (const [label, path, headers] of paths) {
      const r = await drive(server.base + path, server.postgresUrl, headers);
      log(
        `  ${label.padEnd(34)} ${Math.round(r.rps)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  ` +
          `${r.txPerRequest.toFixed(2)} db transactions/request  errors ${r.errors}`,
      );
    }
  } finally {
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
