import { describe, expect, it } from '@jest/globals';
import {
  DETECTION_RULE,
  evaluate,
  type GroupCounts,
  logGamma,
  poissonUpperTail,
} from './detection.util.js';

/** P(X >= k) the long way: 1 - sum of the pmf, the pmf built by multiplication. */
function naiveTail(k: number, lambda: number): number {
  let term = Math.exp(-lambda);
  let cdf = 0;
  for (let i = 0; i < k; i++) {
    cdf += term;
    term *= lambda / (i + 1);
  }
  return 1 - cdf;
}

/** mulberry32: a small seeded generator, so the simulation is repeatable. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** A Poisson draw: Knuth's product method for small means, the normal approximation above. */
function poisson(r: () => number, mean: number): number {
  if (mean <= 0) return 0;
  if (mean < 40) {
    const limit = Math.exp(-mean);
    let k = 0;
    let p = r();
    while (p > limit) {
      k++;
      p *= r();
    }
    return k;
  }
  return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian(r)));
}

/**
 * `k` distinct lock-days out of `locks` x `days` (a lock shows the signal on a day at most once):
 * answers the number of distinct locks among them.
 */
function distinctLocks(r: () => number, k: number, locks: number, days: number): number {
  const slots = locks * days;
  const take = Math.min(k, slots);
  const chosen = new Set<number>();
  while (chosen.size < take) chosen.add(Math.floor(r() * slots));
  return new Set([...chosen].map((s) => Math.floor(s / days))).size;
}

const SIGNALS = 8;

/**
 * One random tenant fleet with NO incident: 1-4 models, each with 10-800 locks split over 1-4
 * firmware versions, and per signal a background rate per lock-day drawn log-uniformly between
 * 1/20,000 and 1/50, the same for every firmware and over baseline and window. Answers the
 * counts of every group and signal, as the detection statement would.
 */
function backgroundFleet(r: () => number): GroupCounts[] {
  const out: GroupCounts[] = [];
  const { windowDays, baselineDays } = DETECTION_RULE;
  const models = 1 + Math.floor(r() * 4);
  for (let m = 0; m < models; m++) {
    const modelLocks = 10 + Math.floor(r() * 791);
    const firmwares = 1 + Math.floor(r() * 4);
    const cuts = Array.from({ length: firmwares - 1 }, () => r()).sort((x, y) => x - y);
    const shares = [...cuts, 1].map((c, i) => c - (i === 0 ? 0 : cuts[i - 1]!));
    for (let s = 0; s < SIGNALS; s++) {
      const rate = Math.exp(Math.log(1 / 20000) + r() * Math.log(20000 / 50));
      const baselineLockDays = modelLocks * baselineDays;
      const baselineCount = poisson(r, rate * baselineLockDays);
      for (const share of shares) {
        const locks = Math.round(share * modelLocks);
        if (locks === 0) continue;
        const windowCount = Math.min(locks * windowDays, poisson(r, rate * locks * windowDays));
        out.push({
          locks,
          windowCount,
          windowLocks: distinctLocks(r, windowCount, locks, windowDays),
          windowDays,
          baselineCount,
          baselineLockDays,
        });
      }
    }
  }
  return out;
}

describe('poissonUpperTail', () => {
  it('matches known values', () => {
    expect(poissonUpperTail(1, 1)).toBeCloseTo(1 - Math.exp(-1), 14);
    expect(poissonUpperTail(5, 1)).toBeCloseTo(0.0036598468273437, 14);
    // R: ppois(9, 2, lower.tail = FALSE)
    expect(poissonUpperTail(10, 2) / 4.649807e-5).toBeCloseTo(1, 5);
    expect(poissonUpperTail(0, 3)).toBe(1);
    expect(poissonUpperTail(3, 0)).toBe(0);
  });

  it('agrees with the long sum over a grid of k and lambda', () => {
    for (const lambda of [0.01, 0.3, 1, 2.5, 7, 20, 55, 140]) {
      for (let k = 0; k <= 200; k += 3) {
        const want = naiveTail(k, lambda);
        const got = poissonUpperTail(k, lambda);
        // The long sum loses relative precision in the far tail (1 - cdf): compare there absolutely.
        if (want > 1e-6) expect(Math.abs(got - want) / want).toBeLessThan(1e-9);
        else expect(Math.abs(got - want)).toBeLessThan(1e-12);
      }
    }
  });

  it('keeps its precision far out in the tail, and falls as k grows', () => {
    // P(X >= 60 | 1) = e^-1 / 60! x (1 + 1/61 + 1/(61 x 62) + ...), about 1e-82.
    const first = Math.exp(-1 - logGamma(61));
    let factor = 0;
    for (let j = 0, t = 1; j < 30; j++, t /= 60 + j) factor += t;
    expect(poissonUpperTail(60, 1) / (first * factor)).toBeCloseTo(1, 10);
    expect(poissonUpperTail(60, 1)).toBeGreaterThan(0);
    let last = 1;
    for (let k = 0; k < 400; k += 7) {
      const p = poissonUpperTail(k, 100);
      expect(p).toBeLessThanOrEqual(last);
      last = p;
    }
  });

  it('refuses what is not a count or a rate', () => {
    expect(() => poissonUpperTail(3, -1)).toThrow(RangeError);
    expect(() => poissonUpperTail(Number.NaN, 1)).toThrow(RangeError);
  });
});

describe('evaluate', () => {
  const base: GroupCounts = {
    locks: 30,
    windowCount: 0,
    windowLocks: 0,
    windowDays: 7,
    baselineCount: 27, // the model's 300 locks: about one lock-day in a thousand
    baselineLockDays: 300 * 90,
  };

  it('a firmware cluster of 30 locks of one model is an incident', () => {
    const v = evaluate({ ...base, windowCount: 30, windowLocks: 30 });
    expect(v.significant).toBe(true);
    expect(v.expected).toBeCloseTo(((27 + 1) / (27000 + 1000)) * 30 * 7, 12);
    expect(v.pValue).toBeLessThan(1e-30);
    expect(v.rate).toBeCloseTo(30 / 210, 12);
  });

  it('the background rate is not', () => {
    expect(evaluate({ ...base, windowCount: 1, windowLocks: 1 }).significant).toBe(false);
  });

  it('needs the minimum count of locks, however surprising', () => {
    const v = evaluate({ ...base, windowCount: 4, windowLocks: 4, baselineCount: 0 });
    expect(v.pValue).toBeLessThan(DETECTION_RULE.alpha);
    expect(v.significant).toBe(false);
    // One lock jamming every day is no fleet incident either.
    expect(evaluate({ ...base, windowCount: 7, windowLocks: 1 }).significant).toBe(false);
  });

  it('a model with no history is not infinitely surprising (the prior)', () => {
    const v = evaluate({ ...base, baselineCount: 0, baselineLockDays: 0, windowCount: 5 });
    expect(v.baseRate).toBeCloseTo(1 / 1000, 12);
    expect(v.expected).toBeCloseTo(0.21, 12);
    expect(v.pValue).toBeGreaterThan(0);
  });

  it('a model that often shows the signal needs more to be surprising', () => {
    const common = { ...base, baselineCount: 2700 }; // one lock-day in ten
    expect(evaluate({ ...common, windowCount: 30, windowLocks: 25 }).significant).toBe(false);
    expect(evaluate({ ...common, windowCount: 60, windowLocks: 30 }).significant).toBe(true);
  });
});

describe('false alarms over random fleets (simulated, no incident in any)', () => {
  it('stay under alpha per test, and rare per fleet', () => {
    const r = rng(20251124);
    const FLEETS = 3000;
    let tests = 0;
    let alarms = 0;
    let fleetsWithAlarm = 0;
    for (let f = 0; f < FLEETS; f++) {
      const groups = backgroundFleet(r);
      tests += groups.length;
      const raised = groups.filter((g) => evaluate(g).significant).length;
      alarms += raised;
      if (raised > 0) fleetsWithAlarm++;
    }
    const perTest = alarms / tests;
    const perFleet = fleetsWithAlarm / FLEETS;
    if (process.env.INCIDENTS_SIM_REPORT) {
      console.log({ fleets: FLEETS, tests, alarms, perTest, perFleet, fleetsWithAlarm });
    }
    expect(tests).toBeGreaterThan(FLEETS * SIGNALS);
    // The Poisson test is conservative (discrete, and the minimum count): under alpha.
    expect(perTest).toBeLessThan(DETECTION_RULE.alpha);
    expect(perFleet).toBeLessThan(0.005);
  });

  it('while a firmware cluster is found nearly every time', () => {
    const r = rng(7);
    const TRIALS = 500;
    let found = 0;
    for (let i = 0; i < TRIALS; i++) {
      // 300 locks of a model at one lock-day in a thousand; 30 on the bad firmware, each of
      // which has the problem with probability 1/2 in the window, over the background.
      const rate = 1 / 1000;
      const baselineCount = poisson(r, rate * 300 * 90);
      const background = poisson(r, rate * 30 * 7);
      let affected = 0;
      for (let l = 0; l < 30; l++) if (r() < 0.5) affected++;
      const windowCount = affected + background;
      if (
        evaluate({
          locks: 30,
          windowCount,
          windowLocks: Math.min(30, windowCount),
          windowDays: 7,
          baselineCount,
          baselineLockDays: 300 * 90,
        }).significant
      )
        found++;
    }
    expect(found / TRIALS).toBeGreaterThan(0.99);
  });
});
