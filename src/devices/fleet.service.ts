import { Injectable } from '@nestjs/common';
import type { UserActor } from '../auth/index.js';
import { TenantDb } from '../database/tenant-db.service.js';
import { DevicesService } from './devices.service.js';
import type {
  AttentionDto,
  FleetCountsDto,
  FleetGroupDto,
  FleetHealthDto,
} from './dto/fleet.dto.js';
import { fleetFlags } from './health.repository.js';

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
    // A report: from the read pool (a replica when DATABASE_READ_URL is set).
    return this.db.tenantRead(actor.tenantId, async (tx) => {
      const rows = await fleetFlags(tx, { lowBatteryPercent, offlineAfterMinutes });

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
