import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { startIntervalJob } from '../common/interval-job.js';
import { APP_CONFIG, type ResolvedConfig } from '../config/config.provider.js';
import { isUniqueViolation } from '../database/pg-errors.js';
import { TenantDb } from '../database/tenant-db.service.js';
import { tenantIds } from '../database/tenants.repository.js';
import type { SymptomCode } from '../diagnostics/engine/index.js';
import { loadDeskSettings } from './desk-settings.js';
import { TicketsService } from './tickets.service.js';

export interface JobReport {
  tenants: number;
  breached: number;
  proactive: number;
}

const PROACTIVE: Record<string, { symptoms: SymptomCode[]; describe: (d: Candidate) => string }> = {
  low_battery: {
    symptoms: ['low_battery_warning'],
    describe: (d) =>
      `Maintenance: battery at ${d.battery}% (telemetry). Replace the batteries before the lock dies.`,
  },
  offline: {
    symptoms: ['app_shows_offline'],
    describe: (d) =>
      `Maintenance: the lock has been offline since ${d.last_seen_at?.toISOString() ?? 'unknown'} (telemetry).`,
  },
  jam_burst: {
    symptoms: ['bolt_stiff_or_jams'],
    describe: (d) => `Maintenance: ${d.jams} jam events in the last hour (telemetry).`,
  },
};

interface Candidate {
  device_id: string;
  reason: keyof typeof PROACTIVE;
  battery: number | null;
  last_seen_at: Date | null;
  jams: number;
}

/**
 * Scheduled work, safe on every app instance at once: SLA breaches are
 * marked under row locks (SKIP LOCKED) and only once, and proactive tickets
 * are unique per lock and reason (a partial unique index), so concurrent
 * runs cannot double anything.
 */
@Injectable()
export class TicketJobsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('TicketJobs');
  private stop: () => void = () => undefined;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly db: TenantDb,
    private readonly tickets: TicketsService,
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.stop = startIntervalJob(this.config.jobsIntervalSeconds, this.logger, 'ticket jobs', () =>
      this.runOnce(),
    );
  }

  onApplicationShutdown(): void {
    this.stop();
  }

  async runOnce(now = new Date()): Promise<JobReport> {
    const tenants = await tenantIds(this.ds, 'customer');
    const report: JobReport = { tenants: tenants.length, breached: 0, proactive: 0 };
    for (const id of tenants) {
      report.breached += await this.markBreaches(id, now);
      report.proactive += await this.openProactive(id);
    }
    return report;
  }

  /** Tickets past a due time: flagged once, with a timeline event and an outbox message. */
  async markBreaches(tenantId: string, now: Date): Promise<number> {
    return this.db.tenantTransaction(tenantId, async ({ em }) => {
      const rows = await em.query<
        { id: string; number: number; first_late: boolean; resolution_late: boolean }[]
      >(
        `SELECT id, number,
                (first_responded_at IS NULL AND first_response_due_at < $1) AS first_late,
                (solved_at IS NULL AND resolution_due_at < $1) AS resolution_late
           FROM tickets
          WHERE NOT sla_breached AND status IN ('new', 'open')
            AND ((first_responded_at IS NULL AND first_response_due_at < $1) OR resolution_due_at < $1)
          ORDER BY id
          LIMIT 500
          FOR UPDATE SKIP LOCKED`,
        [now],
      );
      for (const r of rows) {
        await em.query(
          `UPDATE tickets SET sla_breached = true, version = version + 1, updated_at = now() WHERE id = $1`,
          [r.id],
        );
        await this.tickets.record(em, null, r, 'sla_breached', null, {
          firstResponse: r.first_late,
          resolution: r.resolution_late,
        });
      }
      return rows.length;
    });
  }

  /** Maintenance tickets from telemetry: low battery, long offline, a burst of jams; one open per lock and reason. */
  async openProactive(tenantId: string): Promise<number> {
    const candidates = await this.db.tenantTransaction(tenantId, async ({ em }) => {
      const s = await loadDeskSettings(em);
      return em.query<Candidate[]>(
        `WITH jams AS (
           SELECT device_id, count(*)::int AS jams FROM telemetry_events
            WHERE type = 'jam' AND at > now() - interval '1 hour' GROUP BY device_id
         ), c AS (
           SELECT d.id AS device_id, h.battery_percent AS battery, h.last_seen_at, coalesce(j.jams, 0) AS jams,
                  unnest(ARRAY[
                    CASE WHEN h.battery_percent <= $1 THEN 'low_battery' END,
                    CASE WHEN h.last_seen_at < now() - make_interval(hours => $2) THEN 'offline' END,
                    CASE WHEN j.jams >= $3 THEN 'jam_burst' END]) AS reason
             FROM devices d
             JOIN device_health h ON h.tenant_id = d.tenant_id AND h.device_id = d.id
             LEFT JOIN jams j ON j.device_id = d.id
            WHERE d.status = 'active'
         )
         SELECT c.* FROM c
          WHERE c.reason IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.device_id = c.device_id AND t.reason = c.reason
                              AND t.status NOT IN ('solved', 'closed'))
          LIMIT 200`,
        [s.proactive.batteryPercent, s.proactive.offlineHours, s.proactive.jamsPerHour],
      );
    });
    let opened = 0;
    for (const c of candidates) {
      const kind = PROACTIVE[c.reason];
      try {
        await this.db.tenantTransaction(tenantId, ({ em }) =>
          this.tickets.createIn(em, tenantId, null, {
            deviceId: c.device_id,
            description: kind.describe(c),
            symptoms: kind.symptoms,
            source: 'proactive',
            reason: c.reason,
            ...(c.reason === 'jam_burst' ? { priority: 'high' as const } : {}),
          }),
        );
        opened++;
      } catch (err) {
        // Another instance opened it first: exactly what the unique index is for.
        if (!isUniqueViolation(err, 'tickets_proactive_key')) throw err;
      }
    }
    return opened;
  }
}
