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
  /** 1 - val: the share of a cause's mass a failed step leaves (the same doubles, computed once). */
  keep: number[];
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
  const out: Sparse = { cost: [], start: [], idx: [], val: [], keep: [] };
  for (let i = 0; i < n; i++) {
    const c = candidates[i]!;
    out.cost.push(c.cost);
    out.start.push(out.idx.length);
    for (let j = 0; j < k; j++) {
      const f = c.fix[j]!;
      if (f > 0) {
        out.idx.push(j);
        out.val.push(f);
        out.keep.push(1 - f);
      }
    }
  }
  out.start.push(out.idx.length);
  return out;
}

/** Σ_j m[j] · fix_i[j]: the mass step i would fix. */
function fixedMass(s: Sparse, i: number, m: Float64Array): number {
  const { start, idx, val } = s;
  let p = 0;
  for (let q = start[i]!, e = start[i + 1]!; q < e; q++) p += m[idx[q]!]! * val[q]!;
  return p;
}

/** The step failed: every cause keeps the share the step did not fix. */
function fail(s: Sparse, i: number, m: Float64Array): void {
  const { start, idx, keep } = s;
  for (let q = start[i]!, e = start[i + 1]!; q < e; q++) m[idx[q]!]! *= keep[q]!;
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
let scratchW = new Float64Array(32);
let scratchBound = new Float64Array(32);
let scratchFixed = new Float64Array(32);
let scratchPlacedFixed = new Float64Array(32);
let scratchFresh = new Int32Array(32);
let scratchBlocked = new Int32Array(32);
let scratchPlaced = new Uint8Array(32);
let scratchAvail = new Int32Array(32);
let scratchChainAt = new Int32Array(32);
let scratchChainTop = new Float64Array(32);

function ensureScratch(n: number, k: number): void {
  if (scratchM.length < k) {
    scratchM = new Float64Array(k * 2);
    scratchW = new Float64Array(k * 2);
  }
  if (scratchBound.length < n) {
    scratchBound = new Float64Array(n * 2);
    scratchFixed = new Float64Array(n * 2);
    scratchPlacedFixed = new Float64Array(n * 2);
    scratchFresh = new Int32Array(n * 2);
    scratchBlocked = new Int32Array(n * 2);
    scratchPlaced = new Uint8Array(n * 2);
    scratchAvail = new Int32Array(n * 2);
    scratchChainAt = new Int32Array(n * 2);
    scratchChainTop = new Float64Array(n * 2);
  }
}

/**
 * The inverse of a precedence table for n candidates: the candidates that wait for candidate j
 * are invAfter[invStart[j]..invStart[j + 1]), each once. Kept for the last table inverted: a plan
 * orders the same candidates under the same table several times in a row (the plan, the battery
 * check, the questions). A table must not change once it has been passed in.
 */
let invFor: Precedence | null = null;
let invN = -1;
let invStart = new Int32Array(33);
let invAfter = new Int32Array(64);

function invertPrecedence(before: Precedence, n: number): void {
  if (invFor === before && invN === n) return;
  if (invStart.length < n + 1) invStart = new Int32Array(n * 2 + 1);
  const start = invStart;
  start.fill(0, 0, n + 1);
  const unique = (list: readonly number[], j: number): boolean => {
    const b = list[j]!;
    return b >= 0 && b < n && list.indexOf(b) === j;
  };
  let edges = 0;
  for (let i = 0; i < n; i++) {
    const list = before[i] ?? [];
    for (let j = 0; j < list.length; j++) {
      if (!unique(list, j)) continue;
      start[list[j]! + 1]!++;
      edges++;
    }
  }
  for (let j = 0; j < n; j++) start[j + 1]! += start[j]!;
  if (invAfter.length < edges) invAfter = new Int32Array(edges * 2);
  const fill = scratchFresh; // free until the greedy starts; set there
  for (let j = 0; j < n; j++) fill[j] = start[j]!;
  for (let i = 0; i < n; i++) {
    const list = before[i] ?? [];
    for (let j = 0; j < list.length; j++) {
      if (unique(list, j)) invAfter[fill[list[j]!]!++] = i;
    }
  }
  invFor = before;
  invN = n;
}

export function orderCompiled(s: Sparse, mass: ArrayLike<number>, before?: Precedence): number[] {
  const n = s.cost.length;
  const k = mass.length;
  ensureScratch(n, k);
  const cost = s.cost;
  const m = scratchM;
  for (let j = 0; j < k; j++) m[j] = mass[j]!;
  // blocked[i]: prerequisites of i not yet placed.
  const blocked = scratchBlocked;
  const placed = scratchPlaced;
  const bound = scratchBound;
  // fixed[i]: the mass i fixes at the round it was last recomputed (fresh[i]).
  const fixed = scratchFixed;
  const placedFixed = scratchPlacedFixed;
  const fresh = scratchFresh;
  // avail: the unplaced, unblocked candidates in index order (what the scan below visits).
  const avail = scratchAvail;
  let nAvail = 0;
  let anyBlocked = false;
  for (let i = 0; i < n; i++) {
    const b = before ? (before[i]?.length ?? 0) : 0;
    blocked[i] = b;
    if (b !== 0) anyBlocked = true;
  }
  if (anyBlocked) invertPrecedence(before!, n);
  for (let i = 0; i < n; i++) {
    placed[i] = 0;
    if (blocked[i] === 0) avail[nAvail++] = i;
    // Lazy greedy: a step's ratio can only fall as earlier steps fail (mass only shrinks), so a
    // stale ratio is an upper bound; only the front-runner needs recomputing each round. These
    // are fresh for round 0.
    const f = fixedMass(s, i, m);
    fixed[i] = f;
    bound[i] = f / cost[i]!;
    fresh[i] = 0;
  }
  // The scan of a round: available candidates in index order, a new front-runner whenever one
  // beats the running top by more than 1e-15 (so ties keep the lower index). chainAt/chainTop
  // record where the front-runner changed and the top from there on, so that after the
  // front-runner's ratio is recomputed the scan resumes at its position with the state it had
  // there: the same result as scanning again from the start, since nothing before it changed.
  const chainAt = scratchChainAt;
  const chainTop = scratchChainTop;
  const order: number[] = [];
  let cyclic = false;
  for (let round = 0; round < n; round++) {
    let best: number;
    let bestAt = -1;
    let chain = 0;
    let from = 0;
    for (;;) {
      let top = chain > 0 ? chainTop[chain - 1]! : -1;
      for (let q = from; q < nAvail; q++) {
        const b = bound[avail[q]!]!;
        if (b > top + 1e-15) {
          top = b;
          chainAt[chain] = q;
          chainTop[chain] = b;
          chain++;
        }
      }
      if (chain === 0) {
        best = -1;
        break;
      }
      bestAt = chainAt[chain - 1]!;
      best = avail[bestAt]!;
      if (fresh[best] === round) break;
      const f = fixedMass(s, best, m);
      fixed[best] = f;
      bound[best] = f / cost[best]!;
      fresh[best] = round;
      chain--;
      from = bestAt;
    }
    if (best < 0) {
      // Only reachable with cyclic constraints; place the rest in index order.
      for (let i = 0; i < n; i++) if (placed[i] === 0) order.push(i);
      cyclic = true;
      break;
    }
    placed[best] = 1;
    placedFixed[order.length] = fixed[best]!;
    order.push(best);
    nAvail--;
    for (let q = bestAt; q < nAvail; q++) avail[q] = avail[q + 1]!;
    fail(s, best, m);
    if (anyBlocked) {
      for (let e = invStart[best]!; e < invStart[best + 1]!; e++) {
        const i = invAfter[e]!;
        if (placed[i] !== 0 || blocked[i]! <= 0) continue;
        if (--blocked[i]! === 0) {
          // Now available: into its place in index order.
          let q = nAvail++;
          while (q > 0 && avail[q - 1]! > i) {
            avail[q] = avail[q - 1]!;
            q--;
          }
          avail[q] = i;
        }
      }
    }
  }
  // Every placed step was recomputed in its own round, on the mass left after the steps before
  // it failed: placedFixed[pos] is what the polish's first pass computes at pos until it swaps.
  polish(order, s, mass, anyBlocked ? before : undefined, cyclic ? null : placedFixed);
  return order;
}

/**
 * Adjacent swaps that strictly lower the ECR and respect precedence, until none is left.
 * `known[pos]`, when given, is the mass order[pos] fixes after order[0..pos) failed (the first
 * pass uses it until its first swap).
 */
function polish(
  order: number[],
  s: Sparse,
  mass: ArrayLike<number>,
  before: Precedence | undefined,
  known: Float64Array | null,
): void {
  const n = order.length;
  if (n < 2) return;
  const cost = s.cost;
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
      const fa = pass === 0 && !swapped && known !== null ? known[pos]! : fixedMass(s, a, m);
      let first = a;
      let ff = fa;
      if (!(before?.[b]?.includes(a) ?? false)) {
        const fb = fixedMass(s, b, m);
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
      fail(s, first, m);
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

/** A scratch copy of the mass and its sum (added up in index order). */
function workingCopy(mass: ArrayLike<number>): number {
  const k = mass.length;
  if (scratchW.length < k) scratchW = new Float64Array(k * 2);
  const m = scratchW;
  let t = 0;
  for (let j = 0; j < k; j++) {
    m[j] = mass[j]!;
    t += m[j]!;
  }
  return t;
}

export function ecrCompiled(order: readonly number[], s: Sparse, mass: ArrayLike<number>): number {
  let reach = workingCopy(mass);
  const m = scratchW;
  let ecr = 0;
  for (let p = 0; p < order.length; p++) {
    const i = order[p]!;
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
  const total = workingCopy(mass);
  const m = scratchW;
  let r = total;
  const reach: number[] = [];
  const pFix: number[] = [];
  for (let p = 0; p < order.length; p++) {
    const i = order[p]!;
    const fixed = fixedMass(s, i, m);
    reach.push(total > 0 ? r / total : 0);
    pFix.push(r > 0 ? fixed / r : 0);
    r -= fixed;
    fail(s, i, m);
  }
  return { reach, pFix };
}
