import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { compareVersions, versionKey } from '../src/diagnostics/engine/version.js';
import { startTestApp, type TestApp } from './support/app.js';
import { newFleet, newTenant } from './support/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

/** mulberry32: a seeded generator, so a failure names a seed that reproduces it. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = Math.imul(s ^ (s >>> 15), 1 | s);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

function randomVersion(r: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const digits = (n: number) =>
    Array.from({ length: n }, () => pick('0123456789'.split(''))).join('');
  const part = () =>
    pick([
      () => String(Math.floor(r() * 4)),
      () => String(Math.floor(r() * 40)),
      () => digits(1 + Math.floor(r() * 3)), // leading zeros: 007
      () => digits(12 + Math.floor(r() * 14)), // beyond int and beyond 2^53
      () => '',
      () => `${pick(['x', 'rc', 'b'])}${Math.floor(r() * 5)}`,
      () => pick(['x', 'é', '٣']), // no ASCII digit: 0 (an Arabic-Indic digit is not one)
    ])();
  const parts = Array.from({ length: 1 + Math.floor(r() * 5) }, part);
  const prefix = pick(['', '', 'v', 'V', 'vv']);
  const suffix = pick(['', '', '', '-beta', '+build.7', '-rc.1+x', '-', '+']);
  return prefix + parts.join('.') + suffix;
}

/** A second version near the first: equal up to trailing zeros, one part changed, or unrelated. */
function neighbour(r: () => number, v: string): string {
  const roll = r();
  if (roll < 0.25) return `${v.split(/[-+]/)[0]!}${'.0'.repeat(1 + Math.floor(r() * 3))}`;
  if (roll < 0.5)
    return v.replace(/\d+/, (d) => String(BigInt(d) + (BigInt(d) > 0n && r() < 0.5 ? -1n : 1n)));
  if (roll < 0.6) return v;
  return randomVersion(r);
}

describe('firmware versions: one rule in TypeScript and in SQL', () => {
  it('version_key() and compareVersions agree on random versions', async () => {
    const seed = Number(process.env.FIRMWARE_SEED ?? 20261111);
    const r = rng(seed);
    const pairs = Array.from({ length: 3000 }, () => {
      const a = randomVersion(r);
      return [a, neighbour(r, a)] as const;
    });
    // The runtime role's pool: the function must be callable by the app, not only by its owner.
    const rows = await t.dataSource.query<{ a: string; b: string; ka: string[]; cmp: number }[]>(
      `SELECT a, b, version_key(a)::text[] AS ka,
              CASE WHEN version_key(a) < version_key(b) THEN -1
                   WHEN version_key(a) > version_key(b) THEN 1 ELSE 0 END AS cmp
         FROM unnest($1::text[], $2::text[]) AS p(a, b)`,
      [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
    );
    expect(rows).toHaveLength(pairs.length);
    const disagreements = rows
      .map((row) => ({
        ...row,
        ts: Math.sign(compareVersions(row.a, row.b)),
        tsKey: versionKey(row.a).map(String),
      }))
      .filter((row) => row.ts !== row.cmp || row.tsKey.join('.') !== row.ka.join('.'));
    expect({ seed, disagreements: disagreements.slice(0, 5) }).toEqual({ seed, disagreements: [] });
    // The generator does reach every outcome, including equality up to trailing zeros.
    const outcomes = new Set(rows.map((row) => row.cmp));
    expect([...outcomes].sort()).toEqual([-1, 0, 1]);
    expect(rows.some((row) => row.cmp === 0 && row.a !== row.b)).toBe(true);
  });

  it('a stored lock on 2.10 is not behind 2.10.0, in its health and in the fleet filter', async () => {
    const tenant = await newTenant(t.http);
    const fleet = await newFleet(t.http, tenant, 0); // its model's latest firmware is 2.10.0
    const mk = async (serial: string, firmwareVersion: string) => {
      const res = await t.http
        .post('/v1/devices')
        .set(tenant.admin.auth)
        .send({ serial, modelId: fleet.model.id, propertyId: fleet.property.id, firmwareVersion });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    const same = await mk('FW-SHORT', '2.10');
    const old = await mk('FW-OLD', '2.9.99999999999');
    await mk('FW-HUGE', '2.10.99999999999');

    const health = await t.http.get(`/v1/devices/${same}/health`).set(tenant.admin.auth);
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      firmwareVersion: '2.10',
      latestFirmware: '2.10.0',
      firmwareBehindLatest: false,
    });
    const outdated = await t.http
      .get('/v1/devices')
      .query({ health: 'firmwareOutdated' })
      .set(tenant.admin.auth);
    expect(outdated.status).toBe(200);
    expect((outdated.body.data as { id: string }[]).map((d) => d.id)).toEqual([old]);
  });
});
