import type { MigrationInterface, QueryRunner } from 'typeorm';
import { RUNTIME_ROLE, tenantTableSql } from './support.js';

/**
 * The runtime role, tenants, users, refresh tokens, API keys and stored
 * idempotency keys. Every tenant-owned table: tenant_id, PRIMARY KEY
 * (tenant_id, id), composite foreign keys, forced RLS with its policy.
 */
export class Foundation1763790000000 implements MigrationInterface {
  name = 'Foundation1763790000000';

  async up(q: QueryRunner): Promise<void> {
    // Roles are cluster-wide: create it once, tolerate a concurrent creator.
    await q.query(`
      DO $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${RUNTIME_ROLE}') THEN
          BEGIN
            CREATE ROLE ${RUNTIME_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
          EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
          END;
        END IF;
        -- A non-superuser migrator needs membership to SET ROLE on its pooled connections.
        IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
          BEGIN
            EXECUTE format('GRANT ${RUNTIME_ROLE} TO %I', current_user);
          EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'could not grant ${RUNTIME_ROLE} to %; use DATABASE_APP_URL', current_user;
          END;
        END IF;
      END $$`);
    await q.query(`GRANT USAGE ON SCHEMA public TO ${RUNTIME_ROLE}`);

    await q.query(`
      CREATE TABLE tenants (
        id uuid PRIMARY KEY,
        name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
        kind text NOT NULL CHECK (kind IN ('customer', 'locksmith', 'manufacturer')),
        handle text NOT NULL CHECK (handle ~ '^[a-z0-9][a-z0-9-]{1,48}[a-z0-9]$'),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Handles are global on purpose: partners are linked by them across tenants.
    await q.query(`CREATE UNIQUE INDEX tenants_handle_key ON tenants (handle)`);
    for (const sql of tenantTableSql('tenants', 'SELECT, INSERT, UPDATE', 'id')) await q.query(sql);

    await q.query(`
      CREATE TABLE users (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id uuid NOT NULL, -- UUIDv7 from the app: time-ordered, so the primary key pages
        email text NOT NULL CHECK (email = lower(email) AND char_length(email) <= 254),
        name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
        role text NOT NULL CHECK (role IN ('admin', 'manager', 'agent', 'locksmith', 'manufacturer')),
        password_hash text NOT NULL,
        away boolean NOT NULL DEFAULT false,
        password_changed_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      )`);
    // People log in with an email alone, so an active email is unique across tenants.
    await q.query(`CREATE UNIQUE INDEX users_email_key ON users (email) WHERE deleted_at IS NULL`);
    await q.query(`CREATE INDEX users_tenant_created_idx ON users (tenant_id, created_at, id)`);
    for (const sql of tenantTableSql('users')) await q.query(sql);
    // Login knows only the email: it may read that one user row, and nothing else.
    await q.query(`
      CREATE POLICY login_lookup ON users FOR SELECT
      USING (email = NULLIF(current_setting('app.login_email', true), ''))`);

    await q.query(`
      CREATE TABLE refresh_tokens (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id uuid NOT NULL, -- UUIDv7 from the app: time-ordered, so the primary key pages
        user_id uuid NOT NULL,
        family_id uuid NOT NULL,
        token_hash text NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE UNIQUE INDEX refresh_tokens_hash_key ON refresh_tokens (token_hash)`);
    await q.query(
      `CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (tenant_id, family_id)`,
    );
    await q.query(`CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (tenant_id, user_id)`);
    for (const sql of tenantTableSql('refresh_tokens')) await q.query(sql);
    // Whoever holds the secret may find its row: the hash is the credential.
    await q.query(`
      CREATE POLICY secret_lookup ON refresh_tokens FOR SELECT
      USING (token_hash = NULLIF(current_setting('app.secret_hash', true), ''))`);

    await q.query(`
      CREATE TABLE api_keys (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id uuid NOT NULL, -- UUIDv7 from the app: time-ordered, so the primary key pages
        name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
        key_prefix text NOT NULL,
        key_hash text NOT NULL,
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id)
      )`);
    await q.query(`CREATE UNIQUE INDEX api_keys_hash_key ON api_keys (key_hash)`);
    await q.query(
      `CREATE INDEX api_keys_tenant_created_idx ON api_keys (tenant_id, created_at, id)`,
    );
    for (const sql of tenantTableSql('api_keys')) await q.query(sql);
    await q.query(`
      CREATE POLICY secret_lookup ON api_keys FOR SELECT
      USING (key_hash = NULLIF(current_setting('app.secret_hash', true), ''))`);

    await q.query(`
      CREATE TABLE idempotency_keys (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        key text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 255),
        request_hash text NOT NULL,
        method text NOT NULL,
        path text NOT NULL,
        state text NOT NULL CHECK (state IN ('in_progress', 'completed')),
        locked_until timestamptz,
        response_status int,
        response_body jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, key)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at)`);
    for (const sql of tenantTableSql('idempotency_keys')) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_keys`);
    await q.query(`DROP TABLE api_keys`);
    await q.query(`DROP TABLE refresh_tokens`);
    await q.query(`DROP TABLE users`);
    await q.query(`DROP TABLE tenants`);
    // The role is cluster-wide and may serve other databases: it stays.
  }
}
