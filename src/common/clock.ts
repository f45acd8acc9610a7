/**
 * The time, as a provider: inject `Clock` and call `clock.now()` instead of `new Date()` /
 * `Date.now()`, so a test can move time forward instead of sleeping. The app provides the system
 * clock (AppModule.forRoot); a test passes a TestClock to createApp / startTestApp and advances it.
 *
 * Only time read in TypeScript moves: SQL that calls now() keeps the database's time, so code
 * that wants to be testable this way passes `clock.now()` to its SQL as a parameter.
 */
export abstract class Clock {
  abstract now(): Date;

  /** Milliseconds since the epoch, like Date.now(). */
  nowMs(): number {
    return this.now().getTime();
  }
}

/** The real time. */
export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}

/** A clock that stands still until a test moves it. */
export class TestClock extends Clock {
  private ms: number;

  constructor(start: Date | number = Date.now()) {
    super();
    this.ms = typeof start === 'number' ? start : start.getTime();
  }

  now(): Date {
    return new Date(this.ms);
  }

  /** Moves time forward (never backward: a clock that runs back is a different test). */
  advance(by: { ms?: number; seconds?: number; minutes?: number; hours?: number; days?: number }) {
    const ms =
      (by.ms ?? 0) +
      (by.seconds ?? 0) * 1_000 +
      (by.minutes ?? 0) * 60_000 +
      (by.hours ?? 0) * 3_600_000 +
      (by.days ?? 0) * 86_400_000;
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot advance a clock by ${ms} ms`);
    this.ms += ms;
    return this.now();
  }

  /** Sets the time; it may not go back. */
  set(to: Date | number): Date {
    const ms = typeof to === 'number' ? to : to.getTime();
    if (!Number.isFinite(ms) || ms < this.ms) {
      throw new RangeError(`cannot set a clock back from ${this.now().toISOString()}`);
    }
    this.ms = ms;
    return this.now();
  }
}
