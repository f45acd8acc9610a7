/**
 * Firmware versions: the one rule, here in TypeScript and in SQL as version_key()
 * (migrations/1764000800000-FirmwareVersionKey.ts); test/firmware-version.e2e-spec.ts
 * checks on random versions that both agree.
 *
 * - a leading run of v/V is dropped, and everything from the first '-' or '+' on;
 * - the rest splits on '.'; each part keeps its ASCII digits (none: 0);
 * - missing parts count as 0, so trailing zeros do not matter: 2.1 = 2.1.0.
 *
 * Parts are bigints: PostgreSQL compares them as numeric, exactly, at any length.
 */
export function versionKey(v: string): bigint[] {
  const core = v.replace(/^[vV]+/, '').split(/[-+]/)[0] ?? '';
  const key = core.split('.').map((part) => BigInt(part.replace(/[^0-9]/g, '') || '0'));
  while (key.length > 0 && key[key.length - 1] === 0n) key.pop();
  return key;
}

/** compareVersions('2.10.0', '2.9.1') > 0; compareVersions('v2.1', '2.1.0') === 0. */
export function compareVersions(a: string, b: string): number {
  const ka = versionKey(a);
  const kb = versionKey(b);
  const n = Math.max(ka.length, kb.length);
  for (let i = 0; i < n; i++) {
    const x = ka[i] ?? 0n;
    const y = kb[i] ?? 0n;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
