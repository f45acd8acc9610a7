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
  for (let i = 0; i < v.length; i++) a.push(v[i]);
  return a;
}

export function compile(candidates: readonly Candidate[], k: number): Sparse {
  const n = candidates.length;
  const out: Sparse = { cost: [], start: [], idx: [], val: [] };
  for (let i = 0; i < n; i++) {
    const c = candidates[i];
    out.cost.push(c.cost);
    out.start.push(out.idx.length);
    for (let j = 0; j < k; j++) {
      const f = c.fix[j];
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
  for (let q = s.start[i]; q < s.start[i + 1]; q++) p += m[s.idx[q]] * s.val[q];
  return p;
}

/** The step failed: every cause keeps the share the step did not fix. */
function fail(s: Sparse, i: number, m: number[]): void {
  for (let q = s.start[i]; q < s.start[i + 1]; q++) m[s.idx[q]] *= 1 - s.val[q];
}

function sum(m: ArrayLike<number>): number {
  let t = 0;
  for (let j = 0; j < m.length; j++) t += m[j];
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

export function orderCompiled(s: Sparse, mass: ArrayLike<number>, before?: Precedence): number[] {
  const n = s.cost.length;
  const m = copyOf(mass);
  // blocked[i]: prerequisites of i not yet placed.
  const blocked = filled(n, 0);
  if (before) for (let i = 0; i < n; i++) blocked[i] = before[i]?.length ?? 0;
  // Lazy greedy: a step's ratio can only fall as earlier steps fail (mass only shrinks), so a
  // stale ratio is an upper bound; only the front-runner needs recomputing each round.
  const bound: number[] = [];
  const fresh = filled(n, -1);
  for (let i = 0; i < n; i++) bound.push(fixedMass(s, i, m) / s.cost[i]);
  // Unplaced candidates, kept in index order so that ties go to the lower index.
  const open: number[] = [];
  for (let i = 0; i < n; i++) open.push(i);
  const order: number[] = [];
  for (let round = 0; round < n; round++) {
    let at: number;
    for (;;) {
      at = -1;
      let top = -1;
      for (let p = 0; p < open.length; p++) {
        const i = open[p];
        if (blocked[i] !== 0) continue;
        // Strictly greater wins; ties keep the lower index (scanned first).
        if (bound[i] > top + 1e-15) {
          top = bound[i];
          at = p;
        }
      }
      if (at < 0) break;
      const i = open[at];
      if (fresh[i] === round) break;
      bound[i] = fixedMass(s, i, m) / s.cost[i];
      fresh[i] = round;
    }
    if (at < 0) {
      // Only reachable with cyclic constraints; place the rest in index order.
      order.push(...open);
      break;
    }
    const best = open[at];
    open.splice(at, 1);
    order.push(best);
    fail(s, best, m);
    if (before) {
      for (const i of open) if (blocked[i] > 0 && before[i].includes(best)) blocked[i]--;
    }
  }
  polish(order, s, mass, before);
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
  const m = filled(mass.length, 0);
  for (let pass = 0; pass < n; pass++) {
    let swapped = false;
    for (let j = 0; j < mass.length; j++) m[j] = mass[j]!;
    let total = sum(m);
    for (let pos = 0; pos + 1 < n; pos++) {
      const a = order[pos];
      const b = order[pos + 1];
      if (!(before?.[b]?.includes(a) ?? false)) {
        const afterA = total - fixedMass(s, a, m);
        const afterB = total - fixedMass(s, b, m);
        const ab = s.cost[a] * total + s.cost[b] * afterA;
        const ba = s.cost[b] * total + s.cost[a] * afterB;
        if (ba < ab - 1e-12) {
          order[pos] = b;
          order[pos + 1] = a;
          swapped = true;
        }
      }
      const first = order[pos];
      total -= fixedMass(s, first, m);
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

export function ecrCompiled(order: readonly number[], s: Sparse, mass: ArrayLike<number>): number {
  const m = copyOf(mass);
  let reach = sum(m);
  let ecr = 0;
  for (const i of order) {
    ecr += s.cost[i] * reach;
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
