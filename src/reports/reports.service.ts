import { Injectable } from '@nestjs/common';
import type { UserActor } from '../auth/index.js';
import { Clock } from '../common/clock.js';
import { AppError } from '../common/errors.js';
import { TenantDb, type TenantTx } from '../database/tenant-db.service.js';
import type {
  MtbfFigures,
  OutcomeFigures,
  RepeatFigures,
  Report,
  SlaFigures,
  VolumeFigures,
} from './dto/reports.dto.js';
import { reportWindow } from './report-window.js';
import {
  type GroupBy,
  mtbfReport,
  outcomesReport,
  repeatFailures,
  slaReport,
  ticketVolumes,
  type Window,
} from './reports.repository.js';

/** Days a report covers when `from` is left out. */
export const REPORT_DEFAULT_DAYS = 30;

/** A share with four decimals; null when there is nothing to divide by. */
export function rate(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null;
}

/** Minutes (or days) with one decimal. */
function round1(n: number | null): number | null {
  return n === null ? null : Math.round(n * 10) / 10;
}

interface ReportSpec<F extends object> {
  groupBys: readonly GroupBy[];
  defaultGroupBy: GroupBy;
  /** The figures' names, in CSV column order. */
  columns: readonly (keyof F & string)[];
  read: (tx: TenantTx, w: Window, g: GroupBy, now: Date) => Promise<(F & GroupCols)[]>;
}

/** A spec with its figures' type erased. */
interface AnySpec {
  groupBys: readonly GroupBy[];
  defaultGroupBy: GroupBy;
  columns: readonly string[];
  read: (tx: TenantTx, w: Window, g: GroupBy, now: Date) => Promise<GroupCols[]>;
}

interface GroupCols {
  key: string | null;
  label: string | null;
  is_total: boolean;
}

const TICKET_DIMENSIONS = ['cause', 'model', 'firmware', 'property', 'priority'] as const;
const LOCK_DIMENSIONS = ['lock', 'model', 'firmware', 'property'] as const;

const SPECS = {
  tickets: {
    groupBys: TICKET_DIMENSIONS,
    defaultGroupBy: 'cause',
    columns: ['tickets', 'open', 'solved', 'escalated'],
    read: (tx, w, g) => ticketVolumes(tx, w, g),
  } satisfies ReportSpec<VolumeFigures>,
  sla: {
    groupBys: TICKET_DIMENSIONS,
    defaultGroupBy: 'priority',
    columns: [
      'tickets',
      'responded',
      'firstResponseMedianMinutes',
      'solved',
      'resolutionMedianMinutes',
      'slaTickets',
      'slaMet',
      'slaBreached',
      'slaPending',
      'slaAttainment',
    ],
    read: async (tx, w, g) =>
      (await slaReport(tx, w, g)).map((r) => ({
        key: r.key,
        label: r.label,
        is_total: r.is_total,
        tickets: r.tickets,
        responded: r.responded,
        firstResponseMedianMinutes: round1(r.first_response_median_minutes),
        solved: r.solved,
        resolutionMedianMinutes: round1(r.resolution_median_minutes),
        slaTickets: r.sla_tickets,
        slaMet: r.sla_met,
        slaBreached: r.sla_breached,
        slaPending: r.sla_tickets - r.sla_met - r.sla_breached,
        slaAttainment: rate(r.sla_met, r.sla_met + r.sla_breached),
      })),
  } satisfies ReportSpec<SlaFigures>,
  outcomes: {
    groupBys: TICKET_DIMENSIONS,
    defaultGroupBy: 'cause',
    columns: [
      'tickets',
      'solved',
      'solvedWithoutEscalation',
      'deflectionRate',
      'stepped',
      'firstStepFixed',
      'firstStepSuccessRate',
    ],
    read: async (tx, w, g) =>
      (await outcomesReport(tx, w, g)).map((r) => ({
        key: r.key,
        label: r.label,
        is_total: r.is_total,
        tickets: r.tickets,
        solved: r.solved,
        solvedWithoutEscalation: r.solved_without_escalation,
        deflectionRate: rate(r.solved_without_escalation, r.solved),
        stepped: r.stepped,
        firstStepFixed: r.first_step_fixed,
        firstStepSuccessRate: rate(r.first_step_fixed, r.stepped),
      })),
  } satisfies ReportSpec<OutcomeFigures>,
  'repeat-failures': {
    groupBys: LOCK_DIMENSIONS,
    defaultGroupBy: 'lock',
    columns: ['repeatLocks', 'tickets', 'maxTicketsIn90Days'],
    read: async (tx, w, g) =>
      (await repeatFailures(tx, w, g)).map((r) => ({
        key: r.key,
        label: r.label,
        is_total: r.is_total,
        repeatLocks: r.repeat_locks,
        tickets: r.tickets,
        maxTicketsIn90Days: r.max_tickets_in_90_days,
      })),
  } satisfies ReportSpec<RepeatFigures>,
  mtbf: {
    groupBys: ['model', 'firmware', 'property'],
    defaultGroupBy: 'model',
    columns: ['locks', 'deviceDays', 'failures', 'mtbfDays'],
    read: async (tx, w, g, now) =>
      (await mtbfReport(tx, w, g, now)).map((r) => ({
        key: r.key,
        label: r.label,
        is_total: r.is_total,
        locks: r.locks,
        deviceDays: round1(r.device_days) ?? 0,
        failures: r.failures,
        mtbfDays: r.failures > 0 ? round1(r.device_days / r.failures) : null,
      })),
  } satisfies ReportSpec<MtbfFigures>,
};

export type ReportName = keyof typeof SPECS;
export const REPORT_NAMES = Object.keys(SPECS) as ReportName[];

/** A report's answer with its CSV columns (key, label, then the figures). */
export interface ReportAnswer {
  body: Report<object>;
  columns: string[];
}

@Injectable()
export class ReportsService {
  constructor(
    private readonly db: TenantDb,
    private readonly clock: Clock,
  ) {}

  /** One report of the actor's tenant over the period, grouped (rows) with its total. */
  async report(
    actor: UserActor,
    name: ReportName,
    q: { from?: string; to?: string; groupBy?: GroupBy },
  ): Promise<ReportAnswer> {
    // Each spec was checked against its figures (satisfies above); here only their shape matters.
    const spec = SPECS[name] as unknown as AnySpec;
    const now = this.clock.now();
    const w = reportWindow(q, now, REPORT_DEFAULT_DAYS);
    const g = q.groupBy ?? spec.defaultGroupBy;
    if (!spec.groupBys.includes(g)) {
      throw new AppError('validation_failed', 'One or more fields are invalid.', {
        errors: [
          {
            field: 'groupBy',
            message: `groupBy of the ${name} report must be one of: ${spec.groupBys.join(', ')}`,
          },
        ],
      });
    }
    // A report: from the read pool (a replica when DATABASE_READ_URL is set).
    const rows = await this.db.tenantRead(actor.tenantId, (tx) => spec.read(tx, w, g, now));
    // The figures of a row, in the spec's column order (key, label and is_total left out).
    const figures = (r: GroupCols): object => {
      const all = r as unknown as Record<string, unknown>;
      return Object.fromEntries(spec.columns.map((c) => [c, all[c]]));
    };
    const totalRow = rows.find((r) => r.is_total);
    const total = totalRow ? figures(totalRow) : zeroTotal(spec.columns);
    return {
      body: {
        report: name,
        from: w.from.toISOString(),
        to: w.to.toISOString(),
        groupBy: g,
        rows: rows
          .filter((r) => !r.is_total)
          .map((r) => ({ key: r.key ?? '', label: r.label ?? '', ...figures(r) })),
        total,
      },
      columns: ['key', 'label', ...spec.columns],
    };
  }
}

/**
 * The total of a report with no rows at all (GROUPING SETS gives no total row over nothing for the
 * lock-based reports): counts 0, medians and rates null.
 */
function zeroTotal(columns: readonly string[]): object {
  const nullable = new Set([
    'firstResponseMedianMinutes',
    'resolutionMedianMinutes',
    'slaAttainment',
    'deflectionRate',
    'firstStepSuccessRate',
    'mtbfDays',
  ]);
  return Object.fromEntries(columns.map((c) => [c, nullable.has(c) ? null : 0]));
}
