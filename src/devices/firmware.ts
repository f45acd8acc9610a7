/** Numeric parts of a version, as PostgreSQL's version_key() computes them: "v2.10.0-beta" -> [2, 10, 0]. */
export function versionKey(v: string): number[] {
  const core = v
    .replace(/^[vV]+/, '')
    .split('-')[0]
    .split('+')[0];
  return core.split('.').map((part) => {
    const digits = part.replace(/\D/g, '');
    return digits === '' ? 0 : Number(digits);
  });
}

/** Semantic comparison: compareVersions('2.10.0', '2.9.1') > 0. Missing parts count as lower ([2,1] < [2,1,0]), as in PostgreSQL arrays. */
export function compareVersions(a: string, b: string): number {
  const ka = versionKey(a);
  const kb = versionKey(b);
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    if (ka[i] !== kb[i]) return ka[i] < kb[i] ? -1 : 1;
  }
  return ka.length - kb.length;
}

export const FIRMWARE_PATTERN = /^[vV]?\d+(\.\d+){0,3}([-+][0-9A-Za-z.-]{1,40})?$/;
