// Class probabilities and the top-k list every backend reports (the CPU reference computes them
// here; the GPU head kernel matches them).

export function softmax(logits: ArrayLike<number>): Float32Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const out = new Float32Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(logits[i] - max);
  for (let i = 0; i < logits.length; i++) out[i] /= sum;
  return out;
}

export interface Top {
  index: number;
  prob: number;
}

/** k best classes, ties broken by the lower index. One pass keeping the k best in order (not a
 * sort of every class: the fallback's batch-8 forward spent ~3 ms sorting 8 x 1000 classes). */
export function topK(probs: ArrayLike<number>, k = 5): Top[] {
  const best: number[] = [];
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i];
    if (best.length === k) {
      // Not strictly better than the k-th: an equal class comes later, so it stays behind.
      if (!(p > probs[best[k - 1]])) continue;
      best.pop();
    }
    let j = best.length;
    best.push(i);
    for (; j > 0 && p > probs[best[j - 1]]; j--) best[j] = best[j - 1];
    best[j] = i;
  }
  return best.map((index) => ({ index, prob: probs[index] }));
}
