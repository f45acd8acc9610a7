/**
 * The statistics of fleet-incident detection, pure: plain numbers in, a verdict out.
 *
 * The unit is a LOCK-DAY WITH THE SIGNAL: a lock that shows the signal (a ticket whose top cause is
 * X, or at least one `jam` / `offline` / `code_failed` telemetry event) on a given day, days
 * counted back from the run (day 0 is the last 24 hours). A lock jamming fifty times in a day
 * counts once, so one broken lock cannot make a fleet incident.
 *
 * For a group (one model and firmware version) and a signal, with `locks` locks in the group:
 *
 * - base rate r = (baseline lock-days with the signal on the model, all firmware versions,
 *   + PRIOR_EVENTS) / (model locks x baseline days + PRIOR_LOCK_DAYS). The prior is a pseudo-count
 *   (a Gamma(1, 1000) prior, posterior mean): a model with no history is taken to show a signal on
 *   about one lock-day in a thousand, not never, so its first tickets are not infinitely surprising;
 *   with real history the data dominate.
 * - expected in the window: lambda = r x locks x window days.
 * - one-sided Poisson test: p = P(X >= k | lambda), k = lock-days with the signal in the window.
 * - an incident when p < alpha AND at least MIN_LOCKS distinct locks show it.
 */

export interface DetectionRule {
  /** The recent window looked at, in days. */
  windowDays: number;
  /** The baseline before the window, in days. */
  baselineDays: number;
  /** Significance level of one test (one group and signal). */
  alpha: number;
  /** Fewest distinct locks showing the signal in the window. */
  minLocks: number;
  /** The base rate's pseudo-count: events ... */
  priorEvents: number;
  /** ... over lock-days. */
  priorLockDays: number;
}

export const DETECTION_RULE: DetectionRule = {
  windowDays: 7,
  baselineDays: 90,
  alpha: 1e-4,
  minLocks: 5,
  priorEvents: 1,
  priorLockDays: 1000,
};

/** What the detection statement counts for one group (model + firmware) and signal. */
export interface GroupCounts {
  /** Active locks of the group. */
  locks: number;
  /** Lock-days with the signal in the window. */
  windowCount: number;
  /** Distinct locks with the signal in the window. */
  windowLocks: number;
  /** The window's length in days (shorter than the rule's after an incident of the group was resolved). */
  windowDays: number;
  /** Lock-days with the signal on the model (every firmware) in the baseline. */
  baselineCount: number;
  /** Lock-days of the model in the baseline (its locks x baseline days). */
  baselineLockDays: number;
}

export interface Verdict {
  significant: boolean;
  pValue: number;
  /** Expected lock-days with the signal in the window at the base rate. */
  expected: number;
  /** Base rate, per lock-day. */
  baseRate: number;
  /** Observed rate in the window, per lock-day. */
  rate: number;
}

// Lanczos approximation (g = 7, n = 9): ln Γ(x) to ~15 digits for x > 0.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];

export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** ln P(X = i) for X ~ Poisson(lambda), lambda > 0. */
function logPmf(i: number, lambda: number): number {
  return -lambda + i * Math.log(lambda) - logGamma(i + 1);
}

/**
 * P(X >= k) for X ~ Poisson(lambda): the upper tail, summed directly above the mean (so tiny
 * p-values keep their precision) and as 1 - P(X < k) at or below it.
 */
export function poissonUpperTail(k: number, lambda: number): number {
  if (!Number.isFinite(k) || !Number.isFinite(lambda) || lambda < 0) {
    throw new RangeError(`poissonUpperTail(${k}, ${lambda})`);
  }
  if (k <= 0) return 1;
  const n = Math.ceil(k);
  if (lambda === 0) return 0;
  if (n > lambda) {
    // Terms fall from i = n on (n > lambda): sum until they stop mattering.
    let term = Math.exp(logPmf(n, lambda));
    let sum = 0;
    for (let i = n; term > 0 && term > sum * 1e-17; i++) {
      sum += term;
      term *= lambda / (i + 1);
    }
    return Math.min(1, sum);
  }
  // P(X < n), from i = n - 1 down (terms fall below the mean too), then its complement.
  let term = Math.exp(logPmf(n - 1, lambda));
  let cdf = 0;
  for (let i = n - 1; i >= 0 && term > 0 && term > cdf * 1e-17; i--) {
    cdf += term;
    term *= i / lambda;
  }
  return Math.min(1, Math.max(0, 1 - cdf));
}

/** The model's base rate per lock-day, with the prior pseudo-count. */
export function baseRate(c: GroupCounts, rule: DetectionRule = DETECTION_RULE): number {
  return (c.baselineCount + rule.priorEvents) / (c.baselineLockDays + rule.priorLockDays);
}

/** The test for one group and signal. */
export function evaluate(c: GroupCounts, rule: DetectionRule = DETECTION_RULE): Verdict {
  const r = baseRate(c, rule);
  const exposure = c.locks * c.windowDays;
  const expected = r * exposure;
  const pValue = poissonUpperTail(c.windowCount, expected);
  return {
    significant: c.windowLocks >= rule.minLocks && pValue < rule.alpha,
    pValue,
    expected,
    baseRate: r,
    rate: exposure > 0 ? c.windowCount / exposure : 0,
  };
}
