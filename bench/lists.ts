/**
 * Lists and conditional GETs: bytes per page of the device and escalation lists (the summaries
 * they carry now against the whole resources they carried before), what a 304 costs against
 * the 200 it replaces, and Fastify's schema-based serializer (fast-json-stringify, from the
 * routes' OpenAPI schemas) against JSON.stringify on the ticket and device list pages.
 *
 *   npm run bench:lists                       (embedded PostgreSQL)
 *   DATABASE_URL=postgres://... npm run bench:lists
 *   BENCH_SECONDS=5 BENCH_CONNECTIONS=10      (the load of each conditional-GET run)
 */
import { isDeepStrictEqual } from 'node:util';
import autocannon from 'autocannon';
import fastJson from 'fast-json-stringify';
import { benchTenant, call, expectStatus, log, progress, startBenchServer } from './support.js';

const ITEMS = 50;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const DESCRIPTION =
  'Since the weekend the keypad lights up but rejects every code, including the master code; ' +
  'the app shows the lock online with 40% battery. We replaced the batteries on Monday, the ' +
  'bolt still moves with the key, and the cleaner could not get in this morning at 8:30.';
const ACCESS =
  'Key safe by the bins, code 4711. Concierge on site 8-18 (ask for Marta), parking behind ' +
  'the building; the tenant in 2A works nights, please ring before 11.';

type Json = Record<string, unknown>;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

async function main(): Promise<void> {
  const server = await startBenchServer({ JOBS_INTERVAL_SECONDS: '0' });
  try {
    log(`LockDesk lists benchmark on ${server.postgres}, node ${process.version}`);
    const { token } = await benchTenant(server.base, 'Lists');
    const get = (path: string) => call<Json>(server.base, 'GET', path, { token });

    // A property, 50 locks with telemetry, a ticket on each with steps tried, each escalated.
    const prop = await call<Json>(server.base, 'POST', '/v1/properties', {
      token,
      body: {
        name: 'Bench Court',
        address: { line1: '1 Court St', city: 'Porto', postalCode: '4000-001', country: 'PT' },
        units: Array.from({ length: 40 }, (_, i) => `${Math.floor(i / 4) + 1}${'ABCD'[i % 4]}`),
        timeZone: 'Europe/Lisbon',
      },
    });
    expectStatus(prop, 201, 'property');
    const devices = Array.from({ length: ITEMS }, (_, i) => ({
      serial: `LB-${String(i).padStart(4, '0')}`,
      manufacturer: 'Yale',
      model: 'Assure Lock 2 Keypad',
      propertyId: prop.body.id,
      unit: '1A',
      firmwareVersion: '1.2.0',
      label: `Door ${i}`,
    }));
    const imported = await call<{ ids: string[] }>(server.base, 'POST', '/v1/devices/import', {
      token,
      body: { devices },
    });
    expectStatus(imported, 201, 'import');
    const key = await call<{ key: string }>(server.base, 'POST', '/v1/api-keys', {
      token,
      body: { name: 'bench' },
    });
    const now = Date.now();
    const events = devices.flatMap((d, i) => [
      { serial: d.serial, type: 'battery', batteryPercent: 90 - i, at: iso(now - 86_400_000) },
      { serial: d.serial, type: 'battery', batteryPercent: 60 - i, at: iso(now - 60_000) },
      { serial: d.serial, type: 'signal', signalDbm: -60 - i, at: iso(now - 60_000) },
    ]);
    expectStatus(
      await call(server.base, 'POST', '/v1/telemetry', {
        apiKey: key.body.key,
        body: { events },
      }),
      200,
      'telemetry',
    );
    const tickets: string[] = [];
    for (const [i, id] of imported.body.ids.entries()) {
      const t = await call<{ id: string }>(server.base, 'POST', '/v1/tickets', {
        token,
        body: { deviceId: id, description: DESCRIPTION },
      });
      expectStatus(t, 201, 'ticket');
      for (const step of ['check_battery_level', 'replace_batteries']) {
        expectStatus(
          await call(server.base, 'POST', `/v1/tickets/${t.body.id}/steps`, {
            token,
            body: { step, outcome: 'not_fixed', note: 'Tried it with the tenant on the phone.' },
          }),
          200,
          'step',
        );
      }
      expectStatus(
        await call(server.base, 'POST', `/v1/tickets/${t.body.id}/escalate`, {
          token,
          body: {
            target: 'locksmith',
            reason: 'Codes fail after a battery swap',
            accessNotes: ACCESS,
          },
        }),
        200,
        'escalate',
      );
      tickets.push(t.body.id);
      progress('tickets with steps and escalations', i + 1, ITEMS);
    }

    // ---- bytes per page: summaries now, whole resources before ----
    log('\nBytes per page of 50 (JSON as sent):');
    const devicePage = await get(`/v1/devices?limit=${ITEMS}`);
    const deviceItems = devicePage.body.data as Json[];
    const deviceBefore = {
      ...devicePage.body,
      data: deviceItems.map((d) => {
        const rest = { ...d };
        delete rest.health;
        return rest;
      }),
    };
    const deviceHealth = await Promise.all(
      deviceItems.map(async (d) => (await get(`/v1/devices/${String(d.id)}/health`)).body),
    );
    const deviceWithFullHealth = {
      ...devicePage.body,
      data: deviceItems.map((d, i) => ({ ...d, health: deviceHealth[i] })),
    };
    const escalationPage = await get(`/v1/escalations?limit=${ITEMS}`);
    const escalationBefore = {
      ...escalationPage.body,
      data: await Promise.all(
        (escalationPage.body.data as Json[]).map(
          async (e) => (await get(`/v1/escalations/${String(e.id)}`)).body,
        ),
      ),
    };
    const bytes = (x: unknown) => Buffer.byteLength(JSON.stringify(x));
    log(
      `  devices:     ${kb(bytes(devicePage.body))} (before: ${kb(bytes(deviceBefore))} without health; ` +
        `${kb(bytes(deviceWithFullHealth))} if each carried GET …/health)`,
    );
    log(
      `  escalations: ${kb(bytes(escalationPage.body))} (before, whole work orders: ${kb(bytes(escalationBefore))})`,
    );

    // ---- 304 against 200 ----
    log(
      `\nConditional GET, ${CONNECTIONS} connections x ${SECONDS} s each (req/s, p50/p99 ms, bytes/answer):`,
    );
    const ticketsPage = await get(`/v1/tickets?limit=${ITEMS}`);
    for (const [label, path] of [
      ['ticket (version ETag)', `/v1/tickets/${tickets[0]!}`],
      ['escalation (hashed)', `/v1/escalations/${String(escalationBefore.data[0]!.id)}`],
      ['device (hashed)', `/v1/devices/${imported.body.ids[0]!}`],
      ['ticket page of 50 (hashed)', `/v1/tickets?limit=${ITEMS}`],
    ] as const) {
      const first = await fetch(server.base + path, {
        headers: { authorization: `Bearer ${token}` },
      });
      const etag = first.headers.get('etag') ?? '';
      const size = (await first.arrayBuffer()).byteLength;
      const full = await load(server.base + path, token);
      const cond = await load(server.base + path, token, etag);
      log(`  ${label.padEnd(28)} 200: ${fmt(full)}, ${size} B   304: ${fmt(cond)}, 0 B`);
    }

    // ---- the serializer ----
    log('\nSerializer, one page (ops/s, median of 5 runs of 1 s):');
    const doc = (await call<Json>(server.base, 'GET', '/docs-json')).body as {
      paths: Record<string, Record<string, { responses: Record<string, Json> }>>;
      components: Json;
    };
    const ticketPageBody = ticketsPage.body;
    for (const [label, schema, body] of [
      ['ticket page (today’s items)', responseSchema(doc, '/v1/tickets'), ticketPageBody],
      ['ticket page (summary items)', TICKET_SUMMARY_PAGE, summarizeTickets(ticketPageBody)],
      ['device page', responseSchema(doc, '/v1/devices'), devicePage.body],
      ['escalation page', responseSchema(doc, '/v1/escalations'), escalationPage.body],
    ] as const) {
      // The OpenAPI document's references point into #/components/schemas: carry them along.
      const stringify: (x: unknown) => string = fastJson({
        ...schema,
        components: doc.components,
      } as never);
      const same = isDeepStrictEqual(JSON.parse(stringify(body)), body);
      const plain = opsPerSecond(() => JSON.stringify(body));
      const fast = opsPerSecond(() => stringify(body));
      log(
        `  ${label.padEnd(28)} ${kb(bytes(body)).padStart(9)}  JSON.stringify ${plain.toFixed(0).padStart(7)}` +
          `  fast-json-stringify ${fast.toFixed(0).padStart(7)}  (${(fast / plain).toFixed(2)}x)` +
          `${same ? '' : '  DROPS OR CHANGES FIELDS'}`,
      );
    }
  } finally {
    await server.stop();
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

function fmt(r: autocannon.Result): string {
  // A 304 counts as non-2xx for autocannon: report only answers that are neither.
  const other = Object.entries(r.statusCodeStats ?? {}).filter(
    ([code]) => code !== '200' && code !== '304',
  );
  const p = `${r.requests.average.toFixed(0).padStart(6)} req/s ${r.latency.p50}/${r.latency.p99} ms`;
  return other.length > 0 ? `${p} (other answers: ${JSON.stringify(other)})` : p;
}

function load(url: string, token: string, ifNoneMatch?: string): Promise<autocannon.Result> {
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: {
      authorization: `Bearer ${token}`,
      ...(ifNoneMatch ? { 'if-none-match': ifNoneMatch } : {}),
    },
  });
}

/** The 200 answer's schema of a GET route in the OpenAPI document. */
function responseSchema(
  doc: { paths: Record<string, Record<string, { responses: Record<string, Json> }>> },
  path: string,
): Json {
  const ok = doc.paths[path]?.get?.responses['200'] as
    { content: { 'application/json': { schema: Json } } } | undefined;
  if (!ok) throw new Error(`no 200 schema for GET ${path}`);
  return ok.content['application/json'].schema;
}

/** The list item the issue asks for (number, status, priority, ids, SLA, diagnosis summary). */
function summarizeTickets(page: Json): Json {
  return {
    ...page,
    data: (page.data as Json[]).map((t) => {
      const d = t.diagnosis as {
        causes: { code: string; probability: number }[];
        plan: { step: string }[];
        escalation: { recommended: boolean };
      };
      return {
        id: t.id,
        number: t.number,
        status: t.status,
        priority: t.priority,
        deviceId: t.deviceId,
        propertyId: t.propertyId,
        assigneeId: t.assigneeId,
        sla: t.sla,
        diagnosis: {
          causes: d.causes.slice(0, 3).map((c) => ({ code: c.code, probability: c.probability })),
          nextStep: d.plan[0]?.step ?? null,
          escalate: d.escalation.recommended,
        },
        version: t.version,
        createdAt: t.createdAt,
        updatedAt: t.updatedAt,
      };
    }),
  };
}

const str = { type: 'string' } as const;
const nullableStr = { type: 'string', nullable: true } as const;
/** A hand-written schema for summarizeTickets' shape (the ticket list's DTO is another change's). */
const TICKET_SUMMARY_PAGE: Json = {
  type: 'object',
  required: ['data', 'nextCursor'],
  properties: {
    nextCursor: nullableStr,
    data: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: str,
          number: str,
          status: str,
          priority: str,
          deviceId: str,
          propertyId: str,
          assigneeId: nullableStr,
          sla: {
            type: 'object',
            properties: {
              firstResponseDueAt: nullableStr,
              resolutionDueAt: nullableStr,
              breached: { type: 'boolean' },
              pausedAt: nullableStr,
            },
          },
          diagnosis: {
            type: 'object',
            properties: {
              causes: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { code: str, probability: { type: 'number' } },
                },
              },
              nextStep: nullableStr,
              escalate: { type: 'boolean' },
            },
          },
          version: { type: 'integer' },
          createdAt: str,
          updatedAt: str,
        },
      },
    },
  },
};

function opsPerSecond(fn: () => unknown): number {
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    let n = 0;
    const end = performance.now() + 1000;
    while (performance.now() < end) {
      for (let i = 0; i < 10; i++) fn();
      n += 10;
    }
    runs.push(n);
  }
  runs.sort((a, b) => a - b);
  return runs[2]!;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
