import type { MigrationInterface, QueryRunner } from 'typeorm';
import { RUNTIME_ROLE, tenantTableSql } from './support.js';
import { REFERENCE_MODELS } from './data/reference-catalog-v1.js';

/**
 * Properties, the lock-model catalog (a shared read-only reference set plus
 * each tenant's own models and firmware overrides), devices, their health
 * snapshot, and append-only telemetry.
 */
export class Devices1763790100000 implements MigrationInterface {
  name = 'Devices1763790100000';

  async up(q: QueryRunner): Promise<void> {
    // Firmware versions compare numerically part by part: 2.10.0 > 2.9.1. Suffixes (-beta) are ignored.
    await q.query(`
      CREATE FUNCTION version_key(v text) RETURNS int[]
      LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT AS $$
        SELECT coalesce(array_agg(coalesce(nullif(regexp_replace(part, '\\D', '', 'g'), '')::int, 0) ORDER BY n), '{}')
          FROM unnest(string_to_array(split_part(split_part(ltrim(v, 'vV'), '-', 1), '+', 1), '.'))
               WITH ORDINALITY AS p(part, n)
      $$`);
    await q.query(`GRANT EXECUTE ON FUNCTION version_key(text) TO ${RUNTIME_ROLE}`);

    await q.query(`
      CREATE TABLE properties (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id uuid NOT NULL,
        name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
        address jsonb NOT NULL,
        units text[] NOT NULL DEFAULT '{}',
        time_zone text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      )`);
    await q.query(
      `CREATE INDEX properties_tenant_name_idx ON properties (tenant_id, lower(name), id)`,
    );
    for (const sql of tenantTableSql('properties')) await q.query(sql);

    // Shared reference data: readable by every tenant, writable by none (only migrations).
    await q.query(`
      CREATE TABLE reference_device_models (
        id uuid PRIMARY KEY,
        manufacturer text NOT NULL,
        model text NOT NULL,
        protocols text[] NOT NULL,
        power_source text NOT NULL CHECK (power_source IN ('battery', 'wired', 'rechargeable')),
        battery_type text,
        latest_firmware text,
        warranty_months int NOT NULL CHECK (warranty_months >= 0),
        has_key_cylinder boolean NOT NULL,
        has_keypad boolean NOT NULL,
        has_fingerprint boolean NOT NULL DEFAULT false,
        has_backup_power boolean NOT NULL,
        UNIQUE (manufacturer, model)
      )`);
    await q.query(`GRANT SELECT ON reference_device_models TO ${RUNTIME_ROLE}`);
    for (const m of REFERENCE_MODELS) {
      await q.query(
        `INSERT INTO reference_device_models (id, manufacturer, model, protocols, power_source, battery_type,
           latest_firmware, warranty_months, has_key_cylinder, has_keypad, has_fingerprint, has_backup_power)
         VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $8, $9, $10, $11)`,
        [
          m.id,
          m.manufacturer,
          m.model,
          m.protocols,
          m.powerSource,
          m.batteryType,
          m.warrantyMonths,
          m.hasKeyCylinder,
          m.hasKeypad,
          m.hasFingerprint,
          m.hasBackupPower,
        ],
      );
    }

    await q.query(`
      CREATE TABLE device_models (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id uuid NOT NULL,
        manufacturer text NOT NULL CHECK (char_length(manufacturer) BETWEEN 1 AND 100),
        model text NOT NULL CHECK (char_length(model) BETWEEN 1 AND 100),
        protocols text[] NOT NULL,
        power_source text NOT NULL CHECK (power_source IN ('battery', 'wired', 'rechargeable')),
        battery_type text,
        latest_firmware text,
        warranty_months int NOT NULL DEFAULT 12 CHECK (warranty_months BETWEEN 0 AND 600),
        has_key_cylinder boolean NOT NULL DEFAULT true,
        has_keypad boolean NOT NULL DEFAULT false,
        has_fingerprint boolean NOT NULL DEFAULT false,
        has_backup_power boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX device_models_tenant_name_key ON device_models (tenant_id, lower(manufacturer), lower(model))`,
    );
    for (const sql of tenantTableSql('device_models')) await q.query(sql);

    // A tenant's own "latest firmware we track" for a reference model.
    await q.query(`
      CREATE TABLE model_firmware_overrides (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        reference_model_id uuid NOT NULL REFERENCES reference_device_models (id),
        latest_firmware text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, reference_model_id)
      )`);
    for (const sql of tenantTableSql('model_firmware_overrides')) await q.query(sql);

    // Every model a tenant can use, with its firmware override applied. RLS of the
    // underlying tables applies to the caller (security_invoker).
    await q.query(`
      CREATE VIEW catalog_models WITH (security_invoker = true) AS
        SELECT r.id, NULL::uuid AS tenant_id, 'reference'::text AS source, r.manufacturer, r.model, r.protocols,
               r.power_source, r.battery_type, coalesce(o.latest_firmware, r.latest_firmware) AS latest_firmware,
               r.warranty_months, r.has_key_cylinder, r.has_keypad, r.has_fingerprint, r.has_backup_power
          FROM reference_device_models r
          LEFT JOIN model_firmware_overrides o
            ON o.reference_model_id = r.id
           AND o.tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
        UNION ALL
        SELECT m.id, m.tenant_id, 'tenant', m.manufacturer, m.model, m.protocols, m.power_source, m.battery_type,
               m.latest_firmware, m.warranty_months, m.has_key_cylinder, m.has_keypad, m.has_fingerprint,
               m.has_backup_power
          FROM device_models m`);
    await q.query(`GRANT SELECT ON catalog_models TO ${RUNTIME_ROLE}`);

    await q.query(`
      CREATE TABLE devices (
        tenant_id uuid NOT NULL REFERENCES tenants (id),
        id uuid NOT NULL,
        serial text NOT NULL CHECK (char_length(serial) BETWEEN 1 AND 100),
        reference_model_id uuid REFERENCES reference_device_models (id),
        tenant_model_id uuid,
        property_id uuid NOT NULL,
        unit text,
        firmware_version text,
        protocol text CHECK (protocol IN ('wifi', 'bluetooth', 'zigbee', 'zwave', 'thread')),
        installed_at date,
        label text,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, serial),
        FOREIGN KEY (tenant_id, tenant_model_id) REFERENCES device_models (tenant_id, id),
        FOREIGN KEY (tenant_id, property_id) REFERENCES properties (tenant_id, id),
        CHECK ((reference_model_id IS NULL) <> (tenant_model_id IS NULL))
      )`);
    await q.query(`CREATE INDEX devices_property_idx ON devices (tenant_id, property_id, id)`);
    await q.query(
      `CREATE INDEX devices_ref_model_idx ON devices (tenant_id, reference_model_id, id)`,
    );
    await q.query(
      `CREATE INDEX devices_tenant_model_idx ON devices (tenant_id, tenant_model_id, id)`,
    );
    await q.query(`CREATE INDEX devices_status_idx ON devices (tenant_id, status, id)`);
    for (const sql of tenantTableSql('devices')) await q.query(sql);

    // The snapshot the diagnosis reads; each field carries the time of the reading behind it,
    // so late (out-of-order) events never move it backwards.
    await q.query(`
      CREATE TABLE device_health (
        tenant_id uuid NOT NULL,
        device_id uuid NOT NULL,
        battery_percent smallint CHECK (battery_percent BETWEEN 0 AND 100),
        battery_at timestamptz,
        online boolean,
        online_at timestamptz,
        last_seen_at timestamptz,
        signal_dbm smallint,
        signal_at timestamptz,
        firmware_version text,
        firmware_at timestamptz,
        door_ajar boolean,
        door_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, device_id),
        FOREIGN KEY (tenant_id, device_id) REFERENCES devices (tenant_id, id) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX device_health_battery_idx ON device_health (tenant_id, battery_percent)`,
    );
    await q.query(`CREATE INDEX device_health_seen_idx ON device_health (tenant_id, last_seen_at)`);
    for (const sql of tenantTableSql('device_health')) await q.query(sql);

    // Append-only: the runtime role may insert and read, never update or delete.
    await q.query(`
      CREATE TABLE telemetry_events (
        tenant_id uuid NOT NULL,
        id bigint GENERATED ALWAYS AS IDENTITY,
        device_id uuid NOT NULL,
        type text NOT NULL CHECK (type IN ('battery', 'signal', 'online', 'offline', 'heartbeat', 'jam',
          'code_failed', 'firmware', 'lock', 'unlock', 'door_ajar')),
        at timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        event_key text NOT NULL,
        battery_percent smallint CHECK (battery_percent BETWEEN 0 AND 100),
        signal_dbm smallint,
        online boolean,
        firmware_version text,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, device_id, event_key),
        FOREIGN KEY (tenant_id, device_id) REFERENCES devices (tenant_id, id)
      )`);
    // Serves per-device windows (jams, failed codes, battery history) and fleet-wide 24 h counts.
    await q.query(
      `CREATE INDEX telemetry_device_type_at_idx ON telemetry_events (tenant_id, device_id, type, at)`,
    );
    await q.query(`CREATE INDEX telemetry_type_at_idx ON telemetry_events (tenant_id, type, at)`);
    for (const sql of tenantTableSql('telemetry_events', 'SELECT, INSERT')) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE telemetry_events`);
    await q.query(`DROP TABLE device_health`);
    await q.query(`DROP TABLE devices`);
    await q.query(`DROP VIEW catalog_models`);
    await q.query(`DROP TABLE model_firmware_overrides`);
    await q.query(`DROP TABLE device_models`);
    await q.query(`DROP TABLE reference_device_models`);
    await q.query(`DROP TABLE properties`);
    await q.query(`DROP FUNCTION version_key(text)`);
  }
}
