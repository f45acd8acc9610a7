import { ApiProperty } from '@nestjs/swagger';
import { Injectable } from '@nestjs/common';
import type { UserActor } from '../auth/actor.js';
import { TenantDb } from '../database/tenant-db.service.js';
import { DevicesService } from './devices.service.js';

export class FleetCountsDto {
  @ApiProperty() devices!: number;
  @ApiProperty() lowBattery!: number;
  @ApiProperty() offline!: number;
  @ApiProperty() firmwareOutdated!: number;
  @ApiProperty({ description: 'Never sent telemetry' }) neverSeen!: number;
}

export class FleetGroupDto extends FleetCountsDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
}

export class AttentionDto {
  @ApiProperty({ format: 'uuid' }) deviceId!: string;
  @ApiProperty() serial!: string;
  @ApiProperty({ format: 'uuid' }) propertyId!: string;
  @ApiProperty() propertyName!: string;
  @ApiProperty({ type: String, nullable: true }) unit!: string | null;
  @ApiProperty({ description: 'Higher first: jams, dead batteries, offline locks, open doors' })
  score!: number;
  @ApiProperty({
    type: [String],
    example: ['battery at 6%', 'offline since 2026-11-21T04:00:00.000Z'],
  })
  reasons!: string[];
}

export class FleetHealthDto {
  @ApiProperty({ type: FleetCountsDto }) totals!: FleetCountsDto;
  @ApiProperty({ type: [FleetGroupDto] }) byProperty!: FleetGroupDto[];
  @ApiProperty({ type: [FleetGroupDto] }) byModel!: FleetGroupDto[];
  @ApiProperty({
    type: [AttentionDto],
    description: 'Up to 50 active locks that need attention first',
  })
  attention!: AttentionDto[];
}

interface FlagRow {
  id: string;
  serial: string;
  property_id: string;
  property_name: string;
  unit: string | null;
  model_id: string;
  model_name: string;
  battery: number | null;
  last_seen_at: Date | null;
  low: boolean;
  offline: boolean;
  outdated: boolean;
  never: boolean;
  jams: number;
  failed: number;
  door: boolean;
}

const SCORE = {
  jam: 5,
  battery10: 4,
  offline: 3,
  battery: 2,
  door: 2,
  failedCodes: 2,
  firmware: 1,
} as const;

@Injectable()
export class FleetService {
  constructor(
    private readonly db: TenantDb,
    private readonly devices: DevicesService,
  ) {}

  /** Counts per property and model and the locks to look at first, from one scan of the active fleet. */
  health(actor: UserActor): Promise<FleetHealthDto> {
    const { lowBatteryPercent, offlineAfterMinutes } = this.devices.healthSettings;
    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      const rows = await em.query<FlagRow[]>(
        `WITH recent AS (
           SELECT device_id, count(*) FILTER (WHERE type = 'jam')::int AS jams,
                  count(*) FILTER (WHERE type = 'code_failed')::int AS failed
             FROM telemetry_events
            WHERE type IN ('jam', 'code_failed') AND at > now() - interval '24 hours'
            GROUP BY device_id
         )
         SELECT d.id, d.serial, d.property_id, p.name AS property_name, d.unit, m.id AS model_id,
                m.manufacturer || ' ' || m.model AS model_name, h.battery_percent AS battery, h.last_seen_at,
                coalesce(h.battery_percent <= $1, false) AS low,
                coalesce(h.last_seen_at IS NOT NULL AND (h.online IS FALSE OR h.last_seen_at < now() - make_interval(mins => $2)), false) AS offline,
                coalesce(version_key(coalesce(h.firmware_version, d.firmware_version)) < version_key(m.latest_firmware), false) AS outdated,
                h.last_seen_at IS NULL AS never,
                coalesce(r.jams, 0) AS jams, coalesce(r.failed, 0) AS failed, coalesce(h.door_ajar, false) AS door
           FROM devices d
           JOIN properties p ON p.tenant_id = d.tenant_id AND p.id = d.property_id
           JOIN catalog_models m ON m.id = coalesce(d.reference_model_id, d.tenant_model_id)
           LEFT JOIN device_health h ON h.tenant_id = d.tenant_id AND h.device_id = d.id
           LEFT JOIN recent r ON r.device_id = d.id
          WHERE d.status = 'active'`,
        [lowBatteryPercent, offlineAfterMinutes],
      );

      const empty = (): FleetCountsDto => ({
        devices: 0,
        lowBattery: 0,
        offline: 0,
        firmwareOutdated: 0,
        neverSeen: 0,
      });
      const totals = empty();
      const byProperty = new Map<string, FleetGroupDto>();
      const byModel = new Map<string, FleetGroupDto>();
      const attention: AttentionDto[] = [];
      for (const r of rows) {
        const groups = [
          totals,
          getOr(byProperty, r.property_id, () => ({
            id: r.property_id,
            name: r.property_name,
            ...empty(),
          })),
          getOr(byModel, r.model_id, () => ({ id: r.model_id, name: r.model_name, ...empty() })),
        ];
        for (const g of groups) {
          g.devices++;
          if (r.low) g.lowBattery++;
          if (r.offline) g.offline++;
          if (r.outdated) g.firmwareOutdated++;
          if (r.never) g.neverSeen++;
        }
        const reasons: string[] = [];
        let score = 0;
        const note = (points: number, reason: string) => {
          score += points;
          reasons.push(reason);
        };
        if (r.jams > 0) note(SCORE.jam, `${r.jams} jam event(s) in 24 h`);
        if (r.low)
          note(r.battery! <= 10 ? SCORE.battery10 : SCORE.battery, `battery at ${r.battery}%`);
        if (r.offline) note(SCORE.offline, `offline, last seen ${r.last_seen_at!.toISOString()}`);
        if (r.door) note(SCORE.door, 'door ajar');
        if (r.failed >= 5) note(SCORE.failedCodes, `${r.failed} failed code attempts in 24 h`);
        if (r.outdated) note(SCORE.firmware, 'firmware behind the latest');
        if (score > 0) {
          attention.push({
            deviceId: r.id,
            serial: r.serial,
            propertyId: r.property_id,
            propertyName: r.property_name,
            unit: r.unit,
            score,
            reasons,
          });
        }
      }
      attention.sort((a, b) => b.score - a.score || a.serial.localeCompare(b.serial));
      const byName = (a: FleetGroupDto, b: FleetGroupDto) =>
        a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
      return {
        totals,
        byProperty: [...byProperty.values()].sort(byName),
        byModel: [...byModel.values()].sort(byName),
        attention: attention.slice(0, 50),
      };
    });
  }
}

function getOr<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) map.set(key, (v = make()));
  return v;
}
