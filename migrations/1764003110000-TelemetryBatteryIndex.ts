import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A lock's battery readings (the forecast's input: every event that carries a battery level, of
 * any type, in the last 90 days) read from a partial index of those events with the level
 * included, instead of every event of the lock through (tenant_id, device_id, type, at) with a
 * filter: an index-only scan of the readings. Created on the partitioned table, so every month's
 * partition (and every one the upkeep job creates later) has it. Only events with a battery level
 * pay for it at ingestion.
 */
export class TelemetryBatteryIndex1764003110000 implements MigrationInterface {
  name = 'TelemetryBatteryIndex1764003110000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX telemetry_battery_idx ON telemetry_events (tenant_id, device_id, at)
         INCLUDE (battery_percent) WHERE battery_percent IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX telemetry_battery_idx`);
  }
}
