// How far a merged forward moved from the unmerged (r = 0) one on the same image: the page's
// per-image figures and, summed over a folder, the agreement and TV shift of src/eval/measure.ts.

export interface Drift {
  top1Agrees: boolean;
  /** KL(p_r0 || p_r) in nats: information lost by describing the r = 0 answer with the merged one. */
  kl: number;
  /** Total variation distance, half the L1 distance: the largest probability any event moved. */
  tv: number;
  /** Change of the probability given to the r = 0 top-1 class. */
  top1ProbShift: number;
}

function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  return best;
}

export function drift(baseline: ArrayLike<number>, current: ArrayLike<number>): Drift {
  if (baseline.length !== current.length) throw new Error(`drift: ${baseline.length} vs ${current.length} classes`);
  // Floor the denominator so a class the merged model rounds to 0 gives a finite, large KL.
  const tiny = 1e-12;
  let kl = 0;
  let l1 = 0;
  for (let i = 0; i < baseline.length; i++) {
    const p = baseline[i];
    const q = current[i];
    if (p > 0) kl += p * Math.log(p / Math.max(q, tiny));
    l1 += Math.abs(p - q);
  }
  const b1 = argmax(baseline);
  return {
    top1Agrees: b1 === argmax(current),
    kl: Math.max(0, kl),
    tv: l1 / 2,
    top1ProbShift: current[b1] - baseline[b1],
  };
}
