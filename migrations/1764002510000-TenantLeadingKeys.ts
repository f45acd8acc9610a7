import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The path to Citus (distributing every tenant table by tenant_id) needs tenant_id in every
 * unique constraint of a tenant table. The two secret-hash indexes were unique on the hash alone;
 * they become unique on (hash, tenant_id): the hash still leads, so a login with a refresh token
 * or an API key still finds its row by the hash in one index probe, and a hash of 32 random bytes
 * is unique anyway. test/tenant-keys.e2e-spec.ts keeps the rule (and names the one exception,
 * users_email_key: logging in by email alone needs it unique across tenants).
 */
export class TenantLeadingKeys1764002510000 implements MigrationInterface {
  name = 'TenantLeadingKeys1764002510000';

  async up(q: QueryRunner): Promise<void> {
    for (const [index, table, column] of [
      ['refresh_tokens_hash_key', 'refresh_tokens', 'token_hash'],
      ['api_keys_hash_key', 'api_keys', 'key_hash'],
    ] as const) {
      await q.query(`DROP INDEX ${index}`);
      await q.query(`CREATE UNIQUE INDEX ${index} ON ${table} (${column}, tenant_id)`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [index, table, column] of [
      ['refresh_tokens_hash_key', 'refresh_tokens', 'token_hash'],
      ['api_keys_hash_key', 'api_keys', 'key_hash'],
    ] as const) {
      await q.query(`DROP INDEX ${index}`);
      await q.query(`CREATE UNIQUE INDEX ${index} ON ${table} (${column})`);
    }
  }
}
