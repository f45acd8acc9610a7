import { Injectable } from '@nestjs/common';
import type { Actor } from '../auth/actor.js';
import { TenantDb } from '../database/tenant-db.service.js';
import {
  type CheckedEvent,
  checkEvent,
  INGEST_SQL,
  type RejectedEventDto,
  type TelemetryResultDto,
} from './telemetry.js';

@Injectable()
export class TelemetryService {
  constructor(private readonly db: TenantDb) {}

  ingest(actor: Actor, events: unknown[]): Promise<TelemetryResultDto> {
    const now = Date.now();
    const rejected: RejectedEventDto[] = [];
    const valid: CheckedEvent[] = [];
    events.forEach((raw, i) => {
      const checked = checkEvent(raw, i, now);
      if ('errors' in checked) rejected.push(checked);
      else valid.push(checked);
    });

    return this.db.tenantTransaction(actor.tenantId, async ({ em }) => {
      if (valid.length === 0) return { accepted: 0, duplicates: 0, rejected };
      const serials = [...new Set(valid.flatMap((e) => ('serial' in e.ref ? [e.ref.serial] : [])))];
      const ids = [...new Set(valid.flatMap((e) => ('deviceId' in e.ref ? [e.ref.deviceId] : [])))];
      // Row-level security limits this to the caller's own fleet: another tenant's serial is "unknown".
      const devices = await em.query<{ id: string; serial: string; status: string }[]>(
        `SELECT id, serial, status FROM devices WHERE serial = ANY($1::text[])
         UNION SELECT id, serial, status FROM devices WHERE id = ANY($2::uuid[])`,
        [serials, ids],
      );
      const bySerial = new Map(devices.map((d) => [d.serial, d]));
      const byId = new Map(devices.map((d) => [d.id, d]));

      const rows: (CheckedEvent & { deviceId: string })[] = [];
      for (const e of valid) {
        const device = 'serial' in e.ref ? bySerial.get(e.ref.serial) : byId.get(e.ref.deviceId);
        const field = 'serial' in e.ref ? 'serial' : 'deviceId';
        if (!device)
          rejected.push({
            index: e.index,
            errors: [{ field, message: 'no such device in your fleet' }],
          });
        else if (device.status === 'retired') {
          rejected.push({ index: e.index, errors: [{ field, message: 'the device is retired' }] });
        } else rows.push({ ...e, deviceId: device.id });
      }
      rejected.sort((a, b) => a.index - b.index);
      if (rows.length === 0) return { accepted: 0, duplicates: 0, rejected };

      const [result] = await em.query<{ inserted: number }[]>(INGEST_SQL, [
        actor.tenantId,
        rows.map((r) => r.deviceId),
        rows.map((r) => r.type),
        rows.map((r) => r.at),
        rows.map((r) => r.key),
        rows.map((r) => r.batteryPercent),
        rows.map((r) => r.signalDbm),
        rows.map((r) => r.online),
        rows.map((r) => r.firmwareVersion),
      ]);
      return { accepted: result.inserted, duplicates: rows.length - result.inserted, rejected };
    });
  }
}
