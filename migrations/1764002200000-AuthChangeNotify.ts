import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Instances cache who a credential belongs to (an API key's tenant, a person's role and token
 * version) and must forget it the moment it changes anywhere: these triggers send a NOTIFY on
 * `lockdesk_auth` (delivered at commit, not at all on rollback) naming what changed, whichever
 * path changed it. Payloads carry ids only, never a key's hash. Only the columns authentication
 * reads notify: a key's last use, a person's name or away flag do not.
 */
export class AuthChangeNotify1764002200000 implements MigrationInterface {
  name = 'AuthChangeNotify1764002200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION notify_auth_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('lockdesk_auth', TG_ARGV[0] || ':' || OLD.id::text);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER api_keys_auth_change AFTER UPDATE ON api_keys FOR EACH ROW
      WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.key_hash IS DISTINCT FROM NEW.key_hash
            OR OLD.tenant_id IS DISTINCT FROM NEW.tenant_id)
      EXECUTE FUNCTION notify_auth_change('api_key')`);
    await q.query(`
      CREATE TRIGGER api_keys_auth_delete AFTER DELETE ON api_keys FOR EACH ROW
      EXECUTE FUNCTION notify_auth_change('api_key')`);
    await q.query(`
      CREATE TRIGGER users_auth_change AFTER UPDATE ON users FOR EACH ROW
      WHEN (OLD.role IS DISTINCT FROM NEW.role OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at
            OR OLD.password_changed_at IS DISTINCT FROM NEW.password_changed_at
            OR OLD.token_version IS DISTINCT FROM NEW.token_version
            OR OLD.tenant_id IS DISTINCT FROM NEW.tenant_id)
      EXECUTE FUNCTION notify_auth_change('user')`);
    await q.query(`
      CREATE TRIGGER users_auth_delete AFTER DELETE ON users FOR EACH ROW
      EXECUTE FUNCTION notify_auth_change('user')`);
    await q.query(`
      CREATE TRIGGER tenants_auth_change AFTER UPDATE ON tenants FOR EACH ROW
      WHEN (OLD.kind IS DISTINCT FROM NEW.kind)
      EXECUTE FUNCTION notify_auth_change('tenant')`);
    await q.query(`
      CREATE TRIGGER tenants_auth_delete AFTER DELETE ON tenants FOR EACH ROW
      EXECUTE FUNCTION notify_auth_change('tenant')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER tenants_auth_delete ON tenants`);
    await q.query(`DROP TRIGGER tenants_auth_change ON tenants`);
    await q.query(`DROP TRIGGER users_auth_delete ON users`);
    await q.query(`DROP TRIGGER users_auth_change ON users`);
    await q.query(`DROP TRIGGER api_keys_auth_delete ON api_keys`);
    await q.query(`DROP TRIGGER api_keys_auth_change ON api_keys`);
    await q.query(`DROP FUNCTION notify_auth_change()`);
  }
}
