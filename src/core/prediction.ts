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

/** k best classes, ties broken by the lower index. */
export function topK(probs: ArrayLike<number>, k = 5): Top[] {
  const idx = Array.from({ length: probs.length }, (_, i) => i);
  idx.sort((a, b) => probs[b] - probs[a] || a - b);
  return idx.slice(0, k).map((index) => ({ index, prob: probs[index] }));
}
