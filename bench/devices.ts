/**
 * Devices benchmark: importing 10,000 locks in one CSV request, and
 * telemetry ingestion in batches of 1,000 events, against the real server
 * and a real PostgreSQL.
 *
 *   npm run bench:devices                       (embedded PostgreSQL)
 *   DATABASE_URL=postgres://... npm run bench:devices
 */
import {
  benchTenant,
  call,
  expectStatus,
  log,
  median,
  percentile,
  progress,
  startBenchServer,
} from './support.js';

const DEVICES = 10_000;
const IMPORT_RUNS = 3;
const BATCH = 1_000;
const BATCHES = Number(process.env.BENCH_BATCHES ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const TYPES = [
  'battery',
  'heartbeat',
  'signal',
  'lock',
  'unlock',
  'jam',
  'code_failed',
  'door_ajar',
] as const;

async function main(): Promise<void> {
  const server = await startBenchServer();
  try {
    log(`LockDesk devices benchmark on ${server.postgres}, node ${process.version}`);

    log(
      `\nImport: ${DEVICES} locks per request (CSV), ${IMPORT_RUNS} runs, each into a new tenant`,
    );
    const importMs: number[] = [];
    let fleet: { token: string; key: string; serials: string[] } | undefined;
    for (let run = 1; run <= IMPORT_RUNS; run++) {
      const { token } = await benchTenant(server.base, 'Import');
      const prop = await call<{ id: string; name: string }>(server.base, 'POST', '/v1/properties', {
        token,
        body: {
          name: 'Bench Towers',
          address: { line1: '1 Bench Rd', city: 'Lisbon', postalCode: '1000-001', country: 'PT' },
          timeZone: 'Europe/Lisbon',
        },
      });
      expectStatus(prop, 201, 'property');
      const serials = Array.from(
        { length: DEVICES },
        (_, i) => `BENCH-${run}-${String(i).padStart(5, '0')}`,
      );
      const csv = [
        'serial,manufacturer,model,propertyName,unit,firmwareVersion,installedAt',
        ...serials.map(
          (s, i) =>
            `${s},Yale,Assure Lock 2 Keypad,Bench Towers,${(i % 200) + 1},1.${i % 10}.0,2025-01-15`,
        ),
      ].join('\n');
      const t0 = performance.now();
      const res = await call<{ imported: number }>(server.base, 'POST', '/v1/devices/import', {
        token,
        body: csv,
        contentType: 'text/csv',
      });
      const ms = performance.now() - t0;
      expectStatus(res, 201, 'import');
      importMs.push(ms);
      log(
        `  run ${run}: ${res.body.imported} locks in ${ms.toFixed(0)} ms (${Math.round(DEVICES / (ms / 1000))} rows/s)`,
      );
      const key = await call<{ key: string }>(server.base, 'POST', '/v1/api-keys', {
        token,
        body: { name: 'bench' },
      });
      fleet = { token, key: key.body.key, serials };
    }
    const importMedian = median(importMs);

    log(
      `\nTelemetry: ${BATCHES} batches of ${BATCH} events over ${DEVICES} locks, ${CONCURRENCY} concurrent requests`,
    );
    const { key, serials } = fleet!;
    const start = Date.now() - 6 * 3_600_000;
    let next = 0;
    let done = 0;
    let accepted = 0;
    const latencies: number[] = [];
    const makeBatch = (b: number) =>
      Array.from({ length: BATCH }, (_, i) => {
        const n = b * BATCH + i;
        const type = TYPES[n % TYPES.length];
        return {
          serial: serials[n % DEVICES],
          type,
          at: new Date(start + n * 50).toISOString(),
          ...(type === 'battery' ? { batteryPercent: 100 - (n % 97) } : {}),
          ...(type === 'signal' ? { signalDbm: -40 - (n % 60) } : {}),
        };
      });
    // Warm-up batch (not timed): connection pools, JIT.
    await call(server.base, 'POST', '/v1/telemetry', {
      apiKey: key,
      body: { events: makeBatch(BATCHES + 1) },
    });
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let b = next++; b < BATCHES; b = next++) {
          const events = makeBatch(b);
          const s = performance.now();
          const res = await call<{ accepted: number }>(server.base, 'POST', '/v1/telemetry', {
            apiKey: key,
            body: { events },
          });
          latencies.push(performance.now() - s);
          expectStatus(res, 200, 'telemetry');
          accepted += res.body.accepted;
          progress('batches', ++done, BATCHES);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const rate = Math.round(accepted / seconds);

    log('\nResults');
    log(
      `  import 10,000 locks (CSV, one request): median ${importMedian.toFixed(0)} ms over ${IMPORT_RUNS} runs`,
    );
    log(
      `  telemetry: ${accepted} events in ${seconds.toFixed(1)} s = ${rate} events/s; batch latency p50 ${median(latencies).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms`,
    );
  } finally {
    await server.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
