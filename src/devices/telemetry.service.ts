import { Injectable } from '@nestjs/common';
import type { Actor } from '../auth/index.js';
import { TenantDb } from '../database/tenant-db.service.js';
import { devicesBySerialOrId } from './devices.repository.js';
import type { RejectedEventDto, TelemetryResultDto } from './dto/telemetry.dto.js';
import { type CheckedEvent, checkEvent } from './telemetry.js';
import { ingestTelemetry } from './telemetry.repository.js';

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

    return this.db.tenantTransaction(actor.tenantId, async (tx) => {
      if (valid.length === 0) return { accepted: 0, duplicates: 0, rejected };
      const serials = [...new Set(valid.flatMap((e) => ('serial' in e.ref ? [e.ref.serial] : [])))];
      const ids = [...new Set(valid.flatMap((e) => ('deviceId' in e.ref ? [e.ref.deviceId] : [])))];
      // Row-level security limits this to the caller's own fleet: another tenant's serial is "unknown".
      const devices = await devicesBySerialOrId(tx, { serials, ids });
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

      const inserted = await ingestTelemetry(tx, rows);
      return { accepted: inserted, duplicates: rows.length - inserted, rejected };
    });
  }
}
