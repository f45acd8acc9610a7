/**
 * `xs[i]` for an index the caller knows is in range, checked: a RangeError instead of a silent
 * `undefined`. Reads the same with noUncheckedIndexedAccess on or off (a `!` is an error for
 * eslint while the flag is off). Not for arrays that may hold `undefined` themselves.
 */
export function at<T>(xs: ArrayLike<T>, i: number): T {
  const x = xs[i];
  if (x === undefined) throw new RangeError(`index ${i} is out of range (length ${xs.length})`);
  return x;
}
