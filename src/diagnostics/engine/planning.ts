/**
 * Decision-theoretic troubleshooting (Heckerman, Breese & Rommelse 1995). Under one fault and
 * independent steps, trying steps in descending P(fix)/cost minimises the expected cost of repair
 * (ECR). Steps that cover several causes break independence, so the order is built greedily on
 * the posterior conditioned on every earlier step failing, then polished with adjacent swaps
 * that lower the exact ECR. Safety rules enter as precedence constraints.
 *
 * Fix vectors are sparse (a step addresses a handful of causes), so the inner loops run over
 * non-zero entries only: this runs on every ticket.
 */

export interface Candidate {
  cost: number;
  /** P(fix | cause), indexed like the mass vector. */
  fix: ArrayLike<number>;
}

/** before[i] lists candidates that must come earlier than candidate i. */
export type Precedence = readonly (readonly number[])[];

export interface Sparse {
  cost: number[];
  /** For candidate i: cause indices idx[start[i]..start[i+1]) with fix values val[...]. */
  start: number[];
  idx: number[];
  val: number[];
}

// Small per-call vectors are plain arrays: V8 keeps them on the heap as unboxed doubles, where
// typed arrays this size would each need an off-heap buffer.
/** A fresh array of n copies of v. */
export function filled(n: number, v: number): number[] {
  const a: number[] = [];
  for (let i = 0; i < n; i++) a.push(v);
  return a;
}

/** A plain-array copy of a vector. */
export function copyOf(v: ArrayLike<number>): number[] {
  const a: number[] = [];
  for (let i = 0; i < v.length; i++) a.push(v[i]!);
  return a;
}

export function compile(candidates: readonly Candidate[], k: number): Sparse {
  const n = candidates.length;
  const out: Sparse = { cost: [], start: [], idx: [], val: [] };
  for (let i = 0; i < n; i++) {
    const c = candidates[i]!;
    out.cost.push(c.cost);
    out.start.push(out.idx.length);
    for (let j = 0; j < k; j++) {
      const f = c.fix[j]!;
      if (f > 0) {
        out.idx.push(j);
        out.val.push(f);
      }
    }
  }
  out.start.push(out.idx.length);
  return out;
}

/** Σ_j m[j] · fix_i[j]: the mass step i would fix. */
function fixedMass(s: Sparse, i: number, m: number[]): number {
  let p = 0;
  for (let q = s.start[i]!; q < s.start[i + 1]!; q++) p += m[s.idx[q]!]! * s.val[q]!;
  return p;
}

/** The step failed: every cause keeps the share the step did not fix. */
function fail(s: Sparse, i: number, m: number[]): void {
  for (let q = s.start[i]!; q < s.start[i + 1]!; q++) m[s.idx[q]!]! *= 1 - s.val[q]!;
}

function sum(m: ArrayLike<number>): number {
  let t = 0;
  for (let j = 0; j < m.length; j++) t += m[j]!;
  return t;
}

/**
 * Order candidates to minimise the expected cost of repair, given the probability mass of each
 * cause. Deterministic: ties go to the lower index.
 */
export function orderSteps(
  candidates: readonly Candidate[],
  mass: ArrayLike<number>,
  before?: Precedence,
): number[] {
  return orderCompiled(compile(candidates, mass.length), mass, before);
}

// Scratch buffers shared by every call (the engine is synchronous, so never re-entered while one
// is in use): no per-call allocation on the hot path. Grown on demand.
let scratchM = new Float64Array(32);
let scratchBound = new Float64Array(32);
let scratchFresh = new Int32Array(32);
let scratchBlocked = new Int32Array(32);
let scratchPlaced = new Uint8Array(32);

function ensureScratch(n: number, k: number): void {
  if (scratchM.length < k) scratchM = new Float64Array(k * 2);
  if (scratchBound.length < n) {
    scratchBound = new Float64Array(n * 2);
    scratchFresh = new Int32Array(n * 2);
    scratchBlocked = new Int32Array(n * 2);
    scratchPlaced = new Uint8Array(n * 2);
  }
}

/** fixedMass over a typed mass vector (same arithmetic, same order). */
function fixedMassT(
  start: readonly number[],
  idx: readonly number[],
  val: readonly number[],
  i: number,
  m: Float64Array,
): number {
  let p = 0;
  for (let q = start[i]!, e = start[i + 1]!; q < e; q++) p += m[idx[q]!]! * val[q]!;
  return p;
}

function failT(
  start: readonly number[],
  idx: readonly number[],
  val: readonly number[],
  i: number,
  m: Float64Array,
): void {
  for (let q = start[i]!, e = start[i + 1]!; q < e; q++) m[idx[q]!]! *= 1 - val[q]!;
}

export function orderCompiled(s: Sparse, mass: ArrayLike<number>, before?: Precedence): number[] {
  const n = s.cost.length;
  const k = mass.length;
  ensureScratch(n, k);
  const { start, idx, val, cost } = s;
  const m = scratchM;
  for (let j = 0; j < k; j++) m[j] = mass[j]!;
  // blocked[i]: prerequisites of i not yet placed.
  const blocked = scratchBlocked;
  const placed = scratchPlaced;
  const bound = scratchBound;
  const fresh = scratchFresh;
  let anyBlocked = false;
  for (let i = 0; i < n; i++) {
    const b = before ? (before[i]?.length ?? 0) : 0;
    blocked[i] = b;
    if (b !== 0) anyBlocked = true;
    placed[i] = 0;
    fresh[i] = -1;
    // Lazy greedy: a step's ratio can only fall as earlier steps fail (mass only shrinks), so a
    // stale ratio is an upper bound; only the front-runner needs recomputing each round.
    bound[i] = fixedMassT(start, idx, val, i, m) / cost[i]!;
  }
  const order: number[] = [];
  for (let round = 0; round < n; round++) {
    let best: number;
    for (;;) {
      // Unplaced candidates scanned in index order, so that ties go to the lower index.
      best = -1;
      let top = -1;
      for (let i = 0; i < n; i++) {
        if (placed[i] !== 0 || blocked[i] !== 0) continue;
        // Strictly greater wins; ties keep the lower index (scanned first).
        if (bound[i]! > top + 1e-15) {
          top = bound[i]!;
          best = i;
        }
      }
      if (best < 0) break;
      if (fresh[best] === round) break;
      bound[best] = fixedMassT(start, idx, val, best, m) / cost[best]!;
      fresh[best] = round;
    }
    if (best < 0) {
      // Only reachable with cyclic constraints; place the rest in index order.
      for (let i = 0; i < n; i++) if (placed[i] === 0) order.push(i);
      break;
    }
    placed[best] = 1;
    order.push(best);
    failT(start, idx, val, best, m);
    if (anyBlocked) {
      for (let i = 0; i < n; i++)
        if (placed[i] === 0 && blocked[i]! > 0 && before![i]!.includes(best)) blocked[i]!--;
    }
  }
  polish(order, s, mass, anyBlocked ? before : undefined);
  return order;
}

/** Adjacent swaps that strictly lower the ECR and respect precedence, until none is left. */
function polish(
  order: number[],
  s: Sparse,
  mass: ArrayLike<number>,
  before: Precedence | undefined,
): void {
  const n = order.length;
  if (n < 2) return;
  const { start, idx, val, cost } = s;
  const k = mass.length;
  const m = scratchM;
  for (let pass = 0; pass < n; pass++) {
    let swapped = false;
    let total = 0;
    for (let j = 0; j < k; j++) {
      m[j] = mass[j]!;
      total += m[j]!;
    }
    for (let pos = 0; pos + 1 < n; pos++) {
      const a = order[pos]!;
      const b = order[pos + 1]!;
      const fa = fixedMassT(start, idx, val, a, m);
      let first = a;
      let ff = fa;
      if (!(before?.[b]?.includes(a) ?? false)) {
        const fb = fixedMassT(start, idx, val, b, m);
        const afterA = total - fa;
        const afterB = total - fb;
        const ab = cost[a]! * total + cost[b]! * afterA;
        const ba = cost[b]! * total + cost[a]! * afterB;
        if (ba < ab - 1e-12) {
          order[pos] = b;
          order[pos + 1] = a;
          swapped = true;
          first = b;
          ff = fb;
        }
      }
      total -= ff;
      failT(start, idx, val, first, m);
    }
    if (!swapped) break;
  }
}

/**
 * Expected cost of repair of a sequence: each step is paid for if every earlier step failed.
 * With mass summing to 1 this is the textbook ECR; leftover mass (faults no step fixes) simply
 * pays for every step. Linear in the mass, so branches of an observation can be added up.
 */
export function expectedCostOfRepair(
  order: readonly number[],
  candidates: readonly Candidate[],
  mass: ArrayLike<number>,
): number {
  return ecrCompiled(order, compile(candidates, mass.length), mass);
}

export function ecrCompiled(order: readonly number[], s: Sparse, mass: ArrayLike<number>): number {
  const m = copyOf(mass);
  let reach = sum(m);
  let ecr = 0;
  for (const i of order) {
    ecr += s.cost[i]! * reach;
    reach -= fixedMass(s, i, m);
    fail(s, i, m);
  }
  return ecr;
}

export interface SequenceStats {
  /** P(the sequence reaches step i). */
  reach: number[];
  /** P(step i fixes | reached). */
  pFix: number[];
}

export function sequenceStats(
  order: readonly number[],
  candidates: readonly Candidate[],
  mass: ArrayLike<number>,
): SequenceStats {
  return statsCompiled(order, compile(candidates, mass.length), mass);
}

export function statsCompiled(
  order: readonly number[],
  s: Sparse,
  mass: ArrayLike<number>,
): SequenceStats {
  const m = copyOf(mass);
  const total = sum(m);
  let r = total;
  const reach: number[] = [];
  const pFix: number[] = [];
  for (const i of order) {
    const fixed = fixedMass(s, i, m);
    reach.push(total > 0 ? r / total : 0);
    pFix.push(r > 0 ? fixed / r : 0);
    r -= fixed;
    fail(s, i, m);
  }
  return { reach, pFix };
}
