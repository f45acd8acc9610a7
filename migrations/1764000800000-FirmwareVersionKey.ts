import type { MigrationInterface, QueryRunner } from 'typeorm';
import { RUNTIME_ROLE } from './support.js';

/**
 * version_key() follows the one firmware rule of src/diagnostics/engine/version.ts: missing
 * parts count as 0 (2.1 = 2.1.0, before this 2.1 was "behind" 2.1.0 here but equal in the
 * diagnosis), and parts are numeric so long digit runs compare exactly instead of overflowing int.
 * Trailing zeros are dropped from the key, so PostgreSQL's array order (a shorter prefix is
 * smaller) is the zero-padded order.
 */
export class FirmwareVersionKey1764000800000 implements MigrationInterface {
  name = 'FirmwareVersionKey1764000800000';

  async up(q: QueryRunner): Promise<void> {
    // The return type changes, so CREATE OR REPLACE cannot do it; nothing stores a key.
    await q.query(`DROP FUNCTION version_key(text)`);
    // [^0-9], not \D: in a UTF-8 database \d may match other scripts' digits.
    await q.query(`
      CREATE FUNCTION version_key(v text) RETURNS numeric[]
      LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT AS $$
        WITH parts AS (
          SELECT n, coalesce(nullif(regexp_replace(part, '[^0-9]', '', 'g'), '')::numeric, 0) AS x
            FROM unnest(string_to_array(split_part(split_part(ltrim(v, 'vV'), '-', 1), '+', 1), '.'))
                 WITH ORDINALITY AS p(part, n)
        )
        SELECT coalesce(array_agg(x ORDER BY n) FILTER (WHERE n <= (SELECT max(n) FROM parts WHERE x <> 0)), '{}')
          FROM parts
      $$`);
    await q.query(`GRANT EXECUTE ON FUNCTION version_key(text) TO ${RUNTIME_ROLE}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION version_key(text)`);
    await q.query(`
      CREATE FUNCTION version_key(v text) RETURNS int[]
      LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT AS $$
        SELECT coalesce(array_agg(coalesce(nullif(regexp_replace(part, '\\D', '', 'g'), '')::int, 0) ORDER BY n), '{}')
          FROM unnest(string_to_array(split_part(split_part(ltrim(v, 'vV'), '-', 1), '+', 1), '.'))
               WITH ORDINALITY AS p(part, n)
      $$`);
    await q.query(`GRANT EXECUTE ON FUNCTION version_key(text) TO ${RUNTIME_ROLE}`);
  }
}
