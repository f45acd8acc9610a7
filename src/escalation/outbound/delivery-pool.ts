/** Where a delivery goes, for the concurrency caps. */
export interface SlotKey {
  tenantId: string;
  /** The tenant and the URL's origin: one receiver as one tenant reaches it. */
  endpoint: string;
  webhookId: string;
}

interface Slot extends SlotKey {
  controller: AbortController;
}

export interface PoolLimits {
  total: number;
  perTenant: number;
  perEndpoint: number;
}

/**
 * In-process bookkeeping for concurrent webhook requests: a bounded pool
 * with caps per tenant and per endpoint, so a receiver that never answers
 * holds at most its endpoint's slots (until the request timeout) and one
 * tenant never holds the whole pool. Which rows are sent is decided by the
 * database (SKIP LOCKED claims with a lease), so several instances can run
 * side by side; the caps are per instance.
 */
export class DeliveryPool {
  private readonly slots = new Set<Slot>();
  private readonly running = new Set<Promise<unknown>>();

  constructor(readonly limits: PoolLimits) {}

  get size(): number {
    return this.slots.size;
  }

  private count(pick: (s: Slot) => boolean): number {
    let n = 0;
    for (const s of this.slots) if (pick(s)) n++;
    return n;
  }

  /** How many more requests this tenant may start now. */
  freeForTenant(tenantId: string): number {
    return Math.max(
      0,
      Math.min(
        this.limits.total - this.slots.size,
        this.limits.perTenant - this.count((s) => s.tenantId === tenantId),
      ),
    );
  }

  freeForEndpoint(endpoint: string): number {
    return Math.max(0, this.limits.perEndpoint - this.count((s) => s.endpoint === endpoint));
  }

  /**
   * Runs `work` in a slot (the caller checked the free counts first). The
   * signal aborts it on shutdown or when its webhook is deleted.
   */
  start<T>(key: SlotKey, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const slot: Slot = { ...key, controller: new AbortController() };
    this.slots.add(slot);
    const p = work(slot.controller.signal).finally(() => {
      this.slots.delete(slot);
      this.running.delete(p);
    });
    this.running.add(p);
    return p;
  }

  abortWebhook(webhookId: string): void {
    for (const s of this.slots) if (s.webhookId === webhookId) s.controller.abort();
  }

  /** Aborts everything in flight and waits for it to settle. */
  async abortAll(): Promise<void> {
    for (const s of this.slots) s.controller.abort();
    await Promise.allSettled([...this.running]);
  }
}
