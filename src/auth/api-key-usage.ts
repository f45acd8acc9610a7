import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { TenantDb } from '../database/tenant-db.service.js';
import { touchApiKeys } from './api-keys.repository.js';

/** A key's use is recorded at most this often (as before: last_used_at is a minute-grained hint). */
export const USE_RECORD_INTERVAL_MS = 60_000;
/** Uses wait this long to be written together. */
const FLUSH_DELAY_MS = 1_000;

/**
 * An API key's last use, written off the request's path: a request that finds a key's last
 * recorded use older than a minute marks it here, and the marks are written a second later in
 * one statement per tenant (in that tenant's transaction, under row-level security). At most
 * one write per key per minute per instance, none on the request's critical path. Pending
 * marks are written when the app stops.
 */
@Injectable()
export class ApiKeyUsage implements OnModuleDestroy {
  private readonly log = new Logger('ApiKeyUsage');
  private pending = new Map<string, Map<string, Date>>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly db: TenantDb) {}

  /** Whether a use at `now` should be recorded, given the last one recorded (epoch ms). */
  static due(lastUsedAt: number | null, now: number): boolean {
    return lastUsedAt === null || now - lastUsedAt >= USE_RECORD_INTERVAL_MS;
  }

  mark(tenantId: string, apiKeyId: string, at: Date): void {
    let uses = this.pending.get(tenantId);
    if (!uses) this.pending.set(tenantId, (uses = new Map<string, Date>()));
    uses.set(apiKeyId, at);
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), FLUSH_DELAY_MS);
      this.timer.unref();
    }
  }

  /** Writes every pending use (tests call it to see the result at once). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = new Map<string, Map<string, Date>>();
    this.flushing = this.flushing.then(() => this.write(batch));
    return this.flushing;
  }

  async onModuleDestroy(): Promise<void> {
    await this.flush();
  }

  private async write(batch: Map<string, Map<string, Date>>): Promise<void> {
    for (const [tenantId, uses] of batch) {
      try {
        await this.db.tenantTransaction(tenantId, (tx) =>
          touchApiKeys(
            tx,
            [...uses].map(([id, at]) => ({ id, at })),
          ),
        );
      } catch (err) {
        // A hint, not a record: a failed write is logged; a use a minute later marks the key again.
        this.log.warn(`could not record API key use: ${(err as Error).message}`);
      }
    }
  }
}
