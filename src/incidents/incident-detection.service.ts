import { Injectable } from '@nestjs/common';
import { uuidv7 } from '../common/ids.js';
import { appendOutbox } from '../common/outbox/outbox.repository.js';
import { TenantDb } from '../database/tenant-db.service.js';
import { DETECTION_RULE, type DetectionRule, evaluate } from './detection.util.js';
import {
  type CandidateRow,
  claimDetection,
  type DetectedIncident,
  detectionCandidates,
  linkMembers,
  upsertIncidents,
} from './incidents.repository.js';

export interface DetectionReport {
  /** 1 when this call ran the tenant's detection, 0 when another instance holds or just ran it */
  ran: number;
  /** candidate groups tested (enough distinct locks) */
  tested: number;
  opened: number;
  /** significant groups that updated an incident already open */
  updated: number;
}

/** "Acme Bolt 9, firmware 2.1.0: top cause firmware_outdated" */
export function incidentTitle(
  c: Pick<CandidateRow, 'model_name' | 'model_id' | 'firmware' | 'kind' | 'signal'>,
): string {
  const model = c.model_name ?? `model ${c.model_id}`;
  const firmware = c.firmware ? `, firmware ${c.firmware}` : '';
  const what = c.kind === 'cause' ? `tickets with top cause ${c.signal}` : `${c.signal} events`;
  return `${model}${firmware}: ${what}`;
}

/**
 * One tenant's detection run (see detection.util.ts for the test): in one transaction, take the
 * tenant's turn (FOR UPDATE SKIP LOCKED on its incident_detection row, so one instance runs it),
 * count the candidate clusters in one statement, test each, open or update their incidents
 * (`incident.opened` in the outbox for each new one), and link the members of every incident not
 * resolved, new tickets included.
 */
@Injectable()
export class IncidentDetection {
  constructor(private readonly db: TenantDb) {}

  detect(
    tenantId: string,
    now: Date,
    minAgeSeconds: number,
    rule: DetectionRule = DETECTION_RULE,
  ): Promise<DetectionReport> {
    return this.db.tenantTransaction(tenantId, async (tx) => {
      const report: DetectionReport = { ran: 0, tested: 0, opened: 0, updated: 0 };
      const turn = await claimDetection(tx, now, minAgeSeconds);
      if (!turn.claimed) return report;
      report.ran = 1;
      const candidates = await detectionCandidates(tx, { now, ...rule });
      report.tested = candidates.length;
      const found: DetectedIncident[] = [];
      for (const c of candidates) {
        const counts = {
          locks: c.group_locks,
          windowCount: c.lock_days,
          windowLocks: c.locks,
          windowDays: c.window_days,
          baselineCount: c.baseline_count,
          baselineLockDays: c.model_locks * rule.baselineDays,
        };
        const v = evaluate(counts, rule);
        if (!v.significant) continue;
        found.push({
          id: uuidv7(now.getTime()),
          title: incidentTitle(c),
          modelId: c.model_id,
          firmware: c.firmware,
          kind: c.kind,
          signal: c.signal,
          suspectedCause: c.kind === 'cause' ? c.signal : null,
          windowStart: c.window_start,
          firstSeen: c.first_seen,
          lastSeen: c.last_seen,
          pValue: v.pValue,
          evidence: {
            testedAt: now.toISOString(),
            windowStart: c.window_start.toISOString(),
            windowDays: c.window_days,
            baselineDays: rule.baselineDays,
            lockDays: c.lock_days,
            locksAffected: c.locks,
            groupLocks: c.group_locks,
            modelLocks: c.model_locks,
            baselineLockDaysWithSignal: c.baseline_count,
            baselineLockDays: counts.baselineLockDays,
            baseRate: v.baseRate,
            rate: v.rate,
            rateRatio: v.baseRate > 0 ? v.rate / v.baseRate : null,
            expected: v.expected,
            pValue: v.pValue,
            alpha: rule.alpha,
            minLocks: rule.minLocks,
          },
        });
      }
      const written = await upsertIncidents(tx, found);
      const opened = written.filter((w) => w.opened);
      report.opened = opened.length;
      report.updated = written.length - opened.length;
      if (turn.active > 0 || written.length > 0) await linkMembers(tx);
      const byId = new Map(found.map((f) => [f.id, f]));
      await appendOutbox(
        tx,
        opened.map((o) => {
          const f = byId.get(o.id);
          return {
            topic: 'incident.opened',
            aggregateId: o.id,
            payload: {
              id: o.id,
              title: o.title,
              modelId: f?.modelId,
              firmwareVersion: f?.firmware || null,
              kind: f?.kind,
              signal: f?.signal,
              suspectedCause: f?.suspectedCause ?? null,
              evidence: f?.evidence,
            },
          };
        }),
      );
      return report;
    });
  }
}
