import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TenantDb, type TenantTx } from '../database/tenant-db.service.js';
import { TicketsForEscalation } from '../tickets/index.js';
import { routeQueued } from './escalation-routing.js';
import { dueQueuedEscalationTenants, queuedEscalationCustomers } from './escalations.repository.js';

/**
 * Queued escalations leave the queue as soon as a partner can take them. A customer's own change
 * (linking a partner) routes its queue in the change's transaction; a partner's change (its
 * service area or capacity, a job it resolved or declined, a job a customer took back from it)
 * reaches other customers, whose rows the partner cannot see, so it runs after the change has
 * committed, one customer transaction each. That part is best effort: the periodic job retries
 * every queued escalation, so nothing waits longer than JOBS_INTERVAL_SECONDS for a failure here.
 */
@Injectable()
export class EscalationDispatch {
  private readonly logger = new Logger('EscalationDispatch');

  constructor(
    private readonly db: TenantDb,
    @InjectDataSource() private readonly ds: DataSource,
    private readonly tickets: TicketsForEscalation,
  ) {}

  /** Routes `tx`'s tenant's (a customer's) queued escalations, in the caller's transaction. */
  routeQueuedIn(tx: TenantTx): Promise<number> {
    return routeQueued(tx, this.tickets);
  }

  /** Routes one customer's queued escalations where a partner now can take them. */
  routeQueuedOf(customerTenantId: string): Promise<number> {
    return this.db.tenantTransaction(customerTenantId, (tx) => routeQueued(tx, this.tickets));
  }

  /**
   * After a partner's change committed (a freed slot, a new area or capacity): the queued
   * escalations of its kind of every customer linking it are tried again. Never throws.
   */
  async partnerChanged(partnerTenantId: string | null): Promise<void> {
    if (!partnerTenantId) return;
    try {
      for (const customer of await queuedEscalationCustomers(this.ds, partnerTenantId)) {
        await this.routeQueuedOf(customer).catch((err: unknown) =>
          this.logger.error({ err, tenantId: customer }, 'routing queued escalations failed'),
        );
      }
    } catch (err) {
      this.logger.error({ err, partnerTenantId }, 'finding queued escalations failed');
    }
  }

  /** The periodic retry: every customer with queued escalations. */
  async retryQueued(): Promise<{ routed: number; failed: number }> {
    const report = { routed: 0, failed: 0 };
    for (const customer of await dueQueuedEscalationTenants(this.ds)) {
      try {
        report.routed += await this.routeQueuedOf(customer);
      } catch (err) {
        report.failed++;
        this.logger.error({ err, tenantId: customer }, 'routing queued escalations failed');
      }
    }
    return report;
  }
}
