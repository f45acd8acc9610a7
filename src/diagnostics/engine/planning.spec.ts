import { describe, expect, it } from '@jest/globals';
import {
  type Candidate,
  compile,
  expectedCostOfRepair,
  orderCompiled,
  orderSteps,
  type Precedence,
  type Sparse,
} from './planning.js';

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

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  const out: number[][] = [];
  for (const rest of permutations(n - 1)) {
    for (let i = 0; i <= rest.length; i++) out.push([...rest.slice(0, i), n - 1, ...rest.slice(i)]);
  }
  return out;
}

function bruteForce(cands: Candidate[], mass: number[]): number {
  let best = Infinity;
  for (const order of permutations(cands.length)) {
    best = Math.min(best, expectedCostOfRepair(order, cands, mass));
  }
  return best;
}

function randomMass(r: () => number, k: number): number[] {
  const raw = Array.from({ length: k }, () => -Math.log(1 - r()));
  const sum = raw.reduce((a, b) => a + b, 0);
  return raw.map((x) => x / sum);
}

describe('orderSteps (Heckerman, Breese & Rommelse 1995)', () => {
  it('is within 5% of the brute-force optimum: single fault, independent steps', () => {
    const r = rng(2024);
    let worst = 0;
    for (let trial = 0; trial < 150; trial++) {
      const n = 2 + Math.floor(r() * 6); // 2..7 steps
      // One cause per step (independent steps), plus some mass no step fixes.
      const k = n + 1;
      const mass = randomMass(r, k);
      const cands: Candidate[] = Array.from({ length: n }, (_, i) => {
        const fix = new Array<number>(k).fill(0);
        fix[i] = 0.3 + 0.7 * r();
        return { cost: 1 + Math.round(r() * 60), fix };
      });
      const engine = expectedCostOfRepair(orderSteps(cands, mass), cands, mass);
      const optimum = bruteForce(cands, mass);
      worst = Math.max(worst, engine / optimum - 1);
      expect(engine).toBeLessThanOrEqual(optimum * 1.05 + 1e-9);
    }
    // Under these assumptions the P/C order is optimal (HBR, theorem 1).
    expect(worst).toBeLessThan(1e-9);
  });

  it('stays close to the optimum when steps cover several causes', () => {
    const r = rng(99);
    let total = 0;
    let worst = 0;
    const trials = 120;
    for (let trial = 0; trial < trials; trial++) {
      const n = 2 + Math.floor(r() * 6);
      const k = 6;
      const mass = randomMass(r, k);
      const cands: Candidate[] = Array.from({ length: n }, () => ({
        cost: 1 + Math.round(r() * 60),
        fix: Array.from({ length: k }, () => (r() < 0.35 ? 0.2 + 0.8 * r() : 0)),
      }));
      const gap =
        expectedCostOfRepair(orderSteps(cands, mass), cands, mass) / bruteForce(cands, mass) - 1;
      total += gap;
      worst = Math.max(worst, gap);
    }
    expect(total / trials).toBeLessThan(0.01);
    expect(worst).toBeLessThan(0.05);
  });

  it('respects precedence constraints', () => {
    // Step 0 is the cheapest and most likely, but must follow step 2.
    const cands: Candidate[] = [
      { cost: 1, fix: [0.9, 0, 0] },
      { cost: 5, fix: [0, 0.9, 0] },
      { cost: 50, fix: [0, 0, 0.9] },
    ];
    const order = orderSteps(cands, [0.6, 0.3, 0.1], [[2], [], []]);
    expect(order.indexOf(2)).toBeLessThan(order.indexOf(0));
  });

  it('puts the better ratio first and breaks ties by index', () => {
    const cands: Candidate[] = [
      { cost: 10, fix: [1, 0] },
      { cost: 1, fix: [0, 1] },
    ];
    expect(orderSteps(cands, [0.5, 0.5])).toEqual([1, 0]);
    expect(orderSteps([cands[0]!, cands[0]!], [0.5, 0.5])).toEqual([0, 1]);
  });
});

/** The straightforward lazy greedy plus adjacent-swap polish the engine's orderCompiled must match. */
function referenceOrder(s: Sparse, mass: readonly number[], before?: Precedence): number[] {
  const fixed = (i: number, m: number[]): number => {
    let p = 0;
    for (let q = s.start[i]!; q < s.start[i + 1]!; q++) p += m[s.idx[q]!]! * s.val[q]!;
    return p;
  };
  const fail = (i: number, m: number[]): void => {
    for (let q = s.start[i]!; q < s.start[i + 1]!; q++) m[s.idx[q]!]! *= 1 - s.val[q]!;
  };
  const n = s.cost.length;
  const m = [...mass];
  const blocked = Array.from({ length: n }, (_, i) => before?.[i]?.length ?? 0);
  const bound = Array.from({ length: n }, (_, i) => fixed(i, m) / s.cost[i]!);
  const fresh = Array.from({ length: n }, () => -1);
  const open = Array.from({ length: n }, (_, i) => i);
  const order: number[] = [];
  for (let round = 0; round < n; round++) {
    let at: number;
    for (;;) {
      at = -1;
      let top = -1;
      for (let p = 0; p < open.length; p++) {
        const i = open[p]!;
        if (blocked[i] !== 0) continue;
        if (bound[i]! > top + 1e-15) {
          top = bound[i]!;
          at = p;
        }
      }
      if (at < 0) break;
      const i = open[at]!;
      if (fresh[i] === round) break;
      bound[i] = fixed(i, m) / s.cost[i]!;
      fresh[i] = round;
    }
    if (at < 0) {
      order.push(...open);
      break;
    }
    const best = open[at]!;
    open.splice(at, 1);
    order.push(best);
    fail(best, m);
    if (before)
      for (const i of open) if (blocked[i]! > 0 && before[i]!.includes(best)) blocked[i]!--;
  }
  for (let pass = 0; pass < n && n > 1; pass++) {
    let swapped = false;
    const w = [...mass];
    let total = w.reduce((a, b) => a + b, 0);
    for (let pos = 0; pos + 1 < n; pos++) {
      const a = order[pos]!;
      const b = order[pos + 1]!;
      if (!(before?.[b]?.includes(a) ?? false)) {
        const ab = s.cost[a]! * total + s.cost[b]! * (total - fixed(a, w));
        const ba = s.cost[b]! * total + s.cost[a]! * (total - fixed(b, w));
        if (ba < ab - 1e-12) {
          order[pos] = b;
          order[pos + 1] = a;
          swapped = true;
        }
      }
      total -= fixed(order[pos]!, w);
      fail(order[pos]!, w);
    }
    if (!swapped) break;
  }
  return order;
}

describe('orderCompiled (allocation-free)', () => {
  it('orders exactly as the straightforward implementation, with and without precedence', () => {
    const r = rng(77);
    for (let trial = 0; trial < 3000; trial++) {
      const k = 2 + Math.floor(r() * 16);
      const n = 1 + Math.floor(r() * 18);
      const cands: Candidate[] = Array.from({ length: n }, () => ({
        // Round costs and coarse fix values make ties common, where order is most fragile.
        cost: [1, 2, 3, 5, 8, 10, 15, 30, 60, 120][Math.floor(r() * 10)]!,
        fix: Array.from({ length: k }, () => (r() < 0.6 ? 0 : Math.round(r() * 10) / 10)),
      }));
      const mass = randomMass(r, k);
      const sp = compile(cands, k);
      const before: number[][] = Array.from({ length: n }, () => []);
      if (trial % 2 === 1 && n > 2) {
        const last = Math.floor(r() * n);
        for (let i = 0; i < n; i++) if (i !== last && r() < 0.4) before[last]!.push(i);
      }
      const pre = trial % 2 === 1 ? before : undefined;
      expect(orderCompiled(sp, mass, pre)).toEqual(referenceOrder(sp, mass, pre));
    }
  });
});
