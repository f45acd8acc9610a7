/** The maintenance plan from the tenant's locks (pure): one visit per property. */
import { forecastBattery } from '../devices/index.js';
import type {
  PlanBatteriesDto,
  PlanFirmwareDto,
  PlanLockDto,
  PropertyVisitDto,
} from './dto/maintenance.dto.js';
import type { PlanLockRow } from './maintenance.repository.js';

const DAY = 86_400_000;

export interface PlanWindow {
  now: Date;
  /** First day of the horizon (today, UTC), YYYY-MM-DD. */
  from: string;
  /** Last day of the horizon, YYYY-MM-DD. */
  until: string;
}

export function planWindow(now: Date, days: number): PlanWindow {
  const from = now.toISOString().slice(0, 10);
  const until = new Date(Date.parse(`${from}T00:00:00.000Z`) + days * DAY)
    .toISOString()
    .slice(0, 10);
  return { now, from, until };
}

/** '4x AA' -> {type: 'AA', perLock: 4}; a type without a count is one battery. */
export function parseBatteryType(raw: string | null): { type: string; perLock: number } | null {
  const text = raw?.trim();
  if (!text) return null;
  const m = /^(\d{1,3})\s*[x×]\s*(\S.*)$/i.exec(text);
  return m ? { type: m[2]!.trim(), perLock: Number(m[1]) } : { type: text, perLock: 1 };
}

/** The plan entry of one lock, or null when nothing about it falls due within the window. */
export function planLock(row: PlanLockRow, w: PlanWindow): PlanLockDto | null {
  const readings = (row.reading_ms ?? []).map((ms, i) => ({
    at: new Date(ms),
    percent: row.reading_pct![i]!,
  }));
  const forecast = forecastBattery(readings, w.now);
  const battery =
    forecast.daysUntil10Percent !== null && forecast.at10PercentOn <= w.until
      ? {
          daysUntil10Percent: forecast.daysUntil10Percent,
          dueOn: forecast.at10PercentOn,
          drainPerDay: forecast.drainPerDay,
          batteryPercent: row.battery_percent,
        }
      : null;
  const firmware =
    row.behind && row.firmware_version && row.latest_firmware
      ? { current: row.firmware_version, latest: row.latest_firmware }
      : null;
  const warranty =
    row.warranty_expires !== null &&
    row.warranty_expires >= w.from &&
    row.warranty_expires <= w.until
      ? { expiresOn: row.warranty_expires }
      : null;
  if (!battery && !firmware && !warranty) return null;
  const dated = [battery?.dueOn, warranty?.expiresOn].filter((d): d is string => !!d).sort();
  return {
    id: row.id,
    serial: row.serial,
    unit: row.unit,
    modelId: row.model_id,
    model: row.model_name,
    dueOn: dated[0] ?? null,
    reasons: { battery, firmware, warranty },
  };
}

/** One visit per property with at least one lock in the plan, by visitBy then name then id. */
export function buildPlan(rows: PlanLockRow[], w: PlanWindow): PropertyVisitDto[] {
  const visits = new Map<string, { visit: PropertyVisitDto; rows: PlanLockRow[] }>();
  for (const row of rows) {
    const lock = planLock(row, w);
    if (!lock) continue;
    let v = visits.get(row.property_id);
    if (!v) {
      v = {
        visit: {
          propertyId: row.property_id,
          propertyName: row.property_name,
          visitBy: w.until,
          locks: [],
          batteries: [],
          firmware: [],
        },
        rows: [],
      };
      visits.set(row.property_id, v);
    }
    v.visit.locks.push(lock);
    v.rows.push(row);
  }
  const out: PropertyVisitDto[] = [];
  for (const { visit, rows: lockRows } of visits.values()) {
    const batteries = new Map<string, PlanBatteriesDto>();
    const firmware = new Map<string, PlanFirmwareDto>();
    visit.locks.forEach((lock, i) => {
      const row = lockRows[i]!;
      if (lock.dueOn !== null && lock.dueOn < visit.visitBy) visit.visitBy = lock.dueOn;
      if (lock.reasons.battery) {
        const kind = parseBatteryType(row.battery_type);
        const key = kind?.type ?? '';
        const b = batteries.get(key) ?? {
          type: kind?.type ?? null,
          count: kind ? 0 : null,
          locks: 0,
        };
        b.locks++;
        if (kind && b.count !== null) b.count += kind.perLock;
        batteries.set(key, b);
      }
      const fw = lock.reasons.firmware;
      if (fw) {
        const key = `${lock.modelId}\u0000${fw.current}`;
        const f = firmware.get(key) ?? {
          modelId: lock.modelId,
          model: lock.model,
          from: fw.current,
          to: fw.latest,
          locks: 0,
        };
        f.locks++;
        firmware.set(key, f);
      }
    });
    visit.locks.sort(
      (a, b) =>
        (a.dueOn ?? '9999').localeCompare(b.dueOn ?? '9999') || a.serial.localeCompare(b.serial),
    );
    visit.batteries = [...batteries.values()].sort((a, b) =>
      (a.type ?? '\uffff').localeCompare(b.type ?? '\uffff'),
    );
    visit.firmware = [...firmware.values()].sort(
      (a, b) => a.model.localeCompare(b.model) || a.from.localeCompare(b.from),
    );
    out.push(visit);
  }
  return out.sort(
    (a, b) =>
      a.visitBy.localeCompare(b.visitBy) ||
      a.propertyName.localeCompare(b.propertyName) ||
      a.propertyId.localeCompare(b.propertyId),
  );
}
