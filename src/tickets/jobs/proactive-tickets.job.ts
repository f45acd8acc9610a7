import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type ResolvedConfig } from '../../config/config.provider.js';
import { isUniqueViolation } from '../../database/pg-errors.js';
import { TenantDb } from '../../database/tenant-db.service.js';
import type { SymptomCode } from '../../diagnostics/index.js';
import { loadDeskSettings } from '../desk-settings.js';
import { type ProactiveCandidate, proactiveCandidates } from '../tickets.repository.js';
import { TicketsService } from '../tickets.service.js';

const PROACTIVE: Record<
  string,
  { symptoms: SymptomCode[]; describe: (d: ProactiveCandidate) => string }
> = {
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

/** Candidates looked at per tenant and run. */
const BATCH = 200;

/**
 * Maintenance tickets from telemetry: low battery, long offline, a burst of jams; one open per
 * lock and reason. Safe on every instance at once: a partial unique index
 * (`tickets_proactive_key`) keeps concurrent runs from opening the same ticket twice.
 */
@Injectable()
export class ProactiveTicketsJob {
  constructor(
    private readonly db: TenantDb,
    private readonly tickets: TicketsService,
    @Inject(APP_CONFIG) private readonly config: ResolvedConfig,
  ) {}

  /** One tenant's proactive tickets; answers how many were opened. */
  async openProactive(tenantId: string): Promise<number> {
    const candidates = await this.db.tenantTransaction(tenantId, async (tx) => {
      const s = await loadDeskSettings(tx);
      // One low-battery threshold: the one that flags the lock in its health.
      return proactiveCandidates(
        tx,
        { ...s.proactive, batteryPercent: this.config.lowBatteryPercent },
        BATCH,
      );
    });
    let opened = 0;
    for (const c of candidates) {
      const kind = PROACTIVE[c.reason];
      if (!kind) continue;
      try {
        const view = await this.db.tenantTransaction(tenantId, (tx) =>
          this.tickets.createIn(tx, null, {
            lock: { kind: 'device', deviceId: c.device_id },
            description: kind.describe(c),
            symptoms: kind.symptoms,
            source: 'proactive',
            reason: c.reason,
            ...(c.reason === 'jam_burst' ? { priority: 'high' as const } : {}),
          }),
        );
        // A lock with an open reported ticket gets a note on it instead (`existing`).
        if (!view.existing) opened++;
      } catch (err) {
        // Another instance opened it first: exactly what the unique index is for.
        if (!isUniqueViolation(err, 'tickets_proactive_key')) throw err;
      }
    }
    return opened;
  }
}
