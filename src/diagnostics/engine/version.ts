/** Numeric parts of a version: "v2.10.0-beta" -> [2, 10, 0]. */
export function versionKey(v: string): number[] {
  const core =
    v
      .trim()
      .replace(/^[vV]+/, '')
      .split(/[-+]/)[0] ?? '';
  return core.split('.').map((part) => {
    const digits = part.replace(/\D/g, '');
    return digits === '' ? 0 : Number(digits);
  });
}

/** Semantic comparison: compareVersions('2.10.0', '2.9.1') > 0; missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const ka = versionKey(a);
  const kb = versionKey(b);
  const n = Math.max(ka.length, kb.length);
  for (let i = 0; i < n; i++) {
    const x = ka[i] ?? 0;
    const y = kb[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
