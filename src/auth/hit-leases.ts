/**
 * Rate-limit hits counted in the shared PostgreSQL window a batch at a time: an instance reserves
 * the next `size` hit numbers of a bucket's window in one statement (`hits = hits + size`) and
 * hands them out to its requests from memory. Every hit still gets its own number in the shared
 * window, so no more than `max` hits are ever admitted across all instances; what a batch costs
 * is that numbers an instance reserved but did not use by the window's end are lost to the
 * others (at most `size - 1` per instance and window: the limit can only bite early, by that
 * much, never late). Once the window's numbers reach `max`, every further hit in it is over the
 * limit, answered without asking the database. Small limits (under 200) keep a batch of 1: one
 * statement per hit, exact to the hit, as before.
 */
export type ClaimHits = (
  key: string,
  count: number,
  windowMs: number,
) => Promise<{ hits: number; ttlMs: number }>;

interface Lease {
  /** The next hit number to hand out, and the last one reserved. */
  next: number;
  last: number;
  /** When the window ends (local clock, from the database's time left at the claim). */
  endsAt: number;
  claiming?: Promise<void>;
}

/** Hits reserved per statement: 1% of the limit, between 1 and 50. */
export function leaseSize(max: number): number {
  return Math.max(1, Math.min(50, Math.floor(max / 100)));
}

const MAX_LEASES = 10_000;

export class HitLeases {
  private readonly leases = new Map<string, Lease>();

  constructor(private readonly claim: ClaimHits) {}

  /** Counts one hit: its number in the window (over `max`: refused) and the milliseconds left. */
  async hit(key: string, windowMs: number, max: number): Promise<{ current: number; ttl: number }> {
    for (;;) {
      const now = Date.now();
      const lease = this.leases.get(key);
      if (lease && !lease.claiming && now < lease.endsAt) {
        if (lease.next <= lease.last) return { current: lease.next++, ttl: lease.endsAt - now };
        // Every number up to max is taken (by us or others): the rest of the window is over.
        if (lease.last >= max)
          return { current: Math.max(lease.last, max) + 1, ttl: lease.endsAt - now };
      }
      if (lease?.claiming) {
        await lease.claiming;
        continue;
      }
      await this.reserve(key, lease, windowMs, max);
    }
  }

  private reserve(
    key: string,
    current: Lease | undefined,
    windowMs: number,
    max: number,
  ): Promise<void> {
    if (!current && this.leases.size >= MAX_LEASES) this.forgetEnded();
    const lease = current ?? { next: 1, last: 0, endsAt: 0 };
    const size = leaseSize(max);
    lease.claiming = this.claim(key, size, windowMs)
      .then(({ hits, ttlMs }) => {
        lease.next = hits - size + 1;
        lease.last = hits;
        lease.endsAt = Date.now() + Math.max(1, ttlMs);
      })
      .finally(() => {
        lease.claiming = undefined;
      });
    this.leases.set(key, lease);
    return lease.claiming;
  }

  private forgetEnded(): void {
    const now = Date.now();
    for (const [key, lease] of this.leases)
      if (!lease.claiming && lease.endsAt <= now) this.leases.delete(key);
  }
}
