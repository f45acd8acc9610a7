/**
 * Failed logins, counted per account and per client address in a sliding
 * window. In-process: each app instance throttles on its own, which bounds
 * guessing per instance; a shared store is the step for many instances.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly perAccount = 5,
    private readonly perAddress = 30,
    private readonly windowMs = 15 * 60_000,
  ) {}

  /** Seconds to wait before another try, or 0 when a try is allowed. */
  retryAfter(email: string, address: string, now = Date.now()): number {
    return Math.max(
      this.wait(`a:${email}`, this.perAccount, now),
      this.wait(`ip:${address}`, this.perAddress, now),
    );
  }

  recordFailure(email: string, address: string, now = Date.now()): void {
    for (const key of [`a:${email}`, `ip:${address}`]) {
      const list = this.recent(key, now);
      list.push(now);
      this.failures.set(key, list);
    }
    if (this.failures.size > 100_000) this.sweep(now);
  }

  recordSuccess(email: string): void {
    this.failures.delete(`a:${email}`);
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((t) => now - t < this.windowMs);
  }

  private wait(key: string, max: number, now: number): number {
    const list = this.recent(key, now);
    if (list.length < max) return 0;
    return Math.ceil((list[list.length - max] + this.windowMs - now) / 1000);
  }

  private sweep(now: number): void {
    for (const [key, list] of this.failures) {
      if (list.every((t) => now - t >= this.windowMs)) this.failures.delete(key);
    }
  }
}
