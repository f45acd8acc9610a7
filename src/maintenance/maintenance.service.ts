import { Injectable } from '@nestjs/common';
import type { UserActor } from '../auth/index.js';
import { Clock } from '../common/clock.js';
import { decodeCursor, pageLimit, toPage } from '../common/pagination.js';
import { TenantDb } from '../database/tenant-db.service.js';
import {
  DEFAULT_PLAN_DAYS,
  type MaintenancePlanDto,
  type MaintenancePlanQueryDto,
  type PropertyVisitDto,
} from './dto/maintenance.dto.js';
import { planLocks } from './maintenance.repository.js';
import { buildPlan, planWindow } from './plan.js';

const DAY = 86_400_000;
/** The battery history the forecast reads (as GET /v1/devices/:id/health). */
const FORECAST_DAYS = 90;

const order = (v: PropertyVisitDto): [string, string, string] => [
  v.visitBy,
  v.propertyName,
  v.propertyId,
];

/** The maintenance plan: one visit per property, batching what falls due within the horizon. */
@Injectable()
export class MaintenanceService {
  constructor(
    private readonly db: TenantDb,
    private readonly clock: Clock,
  ) {}

  plan(actor: UserActor, q: MaintenancePlanQueryDto): Promise<MaintenancePlanDto> {
    const days = q.days ?? DEFAULT_PLAN_DAYS;
    const limit = pageLimit(q);
    const after = q.cursor ? (decodeCursor(q.cursor, ['text', 'text', 'uuid']) as string[]) : null;
    const now = this.clock.now();
    const w = planWindow(now, days);
    // A report: from the read pool (a replica when DATABASE_READ_URL is set).
    return this.db.tenantRead(actor.tenantId, async (tx) => {
      const rows = await planLocks(
        tx,
        new Date(now.getTime() - FORECAST_DAYS * DAY),
        new Date(now.getTime() + DAY),
      );
      let visits = buildPlan(rows, w);
      if (after) visits = visits.filter((v) => compareKeys(order(v), after) > 0);
      const page = toPage(visits.slice(0, limit + 1), limit, order, (v) => v);
      return {
        days,
        from: w.from,
        until: w.until,
        generatedAt: now.toISOString(),
        ...page,
      };
    });
  }
}

function compareKeys(a: string[], b: string[]): number {
  for (let i = 0; i < a.length; i++) {
    const c = a[i]!.localeCompare(b[i]!);
    if (c !== 0) return c;
  }
  return 0;
}
